package dev.catwalk.oauth;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * Operator accounts in Postgres. Passwords are hashed (Argon2id) on a worker thread before they reach
 * the database, and checked there too; a wrong user name and a wrong password look the same.
 */
public final class AccountRepository {

  /** User names: lower-case letters, digits and {@code . _ @ -}, up to 64 characters. */
  public static final String USERNAME_PATTERN = "[a-z0-9][a-z0-9._@-]{0,63}";

  private final Vertx vertx;
  private final Pool pool;

  public AccountRepository(Vertx vertx, Pool pool) {
    this.vertx = vertx;
    this.pool = pool;
  }

  /** Creates an account; fails with 400 for a bad name, role or password and 409 when the name is taken. */
  public Future<Account> create(String username, String password, String role) {
    String name = normalize(username);
    if (name == null || !name.matches(USERNAME_PATTERN)) {
      return Future.failedFuture(new dev.catwalk.error.BadRequestException("username: lower-case letters, digits and . _ @ -, up to 64"));
    }
    if (!Account.ADMIN.equals(role) && !Account.MEMBER.equals(role)) {
      return Future.failedFuture(new dev.catwalk.error.BadRequestException("role: admin or member"));
    }
    String weakness = Passwords.weakness(password);
    if (weakness != null) {
      return Future.failedFuture(new dev.catwalk.error.BadRequestException("password: " + weakness));
    }
    Account account = new Account(UUID.randomUUID(), name, role);
    return vertx.executeBlocking(() -> Passwords.hash(password), false)
        .compose(hash -> pool.preparedQuery("INSERT INTO accounts (id, username, password_hash, role) VALUES ($1, $2, $3, $4)")
            .execute(Tuple.of(account.id(), name, hash, role)))
        .recover(e -> Future.failedFuture(e instanceof PgException pg && "23505".equals(pg.getSqlState())
            ? new dev.catwalk.error.ConflictException("an account named " + name + " exists") : e))
        .map(account);
  }

  /**
   * Removes an account and its grants; completes with the ids of the grants that were live (their MCP
   * sessions must end), or empty when there was no such account.
   */
  public Future<Optional<List<UUID>>> remove(String username) {
    return pool.withTransaction(tx -> tx.preparedQuery("SELECT g.id FROM oauth_grants g JOIN accounts a"
            + " ON a.id = g.account_id WHERE a.username = $1 AND g.revoked_at IS NULL").execute(Tuple.of(normalize(username)))
        .compose(grants -> tx.preparedQuery("DELETE FROM accounts WHERE username = $1").execute(Tuple.of(normalize(username)))
            .map(deleted -> {
              if (deleted.rowCount() == 0) {
                return Optional.<List<UUID>>empty();
              }
              List<UUID> ids = new java.util.ArrayList<>();
              grants.forEach(row -> ids.add(row.getUUID("id")));
              return Optional.of(ids);
            })));
  }

  /**
   * Gives an account another role, with an audit event by {@code actor}; completes with the account, or empty when
   * there is no such account. Fails with 400 for a bad role and 409 when it would leave no administrator (the admin
   * rows are locked first, so two demotions at once cannot both pass).
   */
  public Future<Optional<Account>> changeRole(String username, String role, String actor) {
    if (!Account.ADMIN.equals(role) && !Account.MEMBER.equals(role)) {
      return Future.failedFuture(new dev.catwalk.error.BadRequestException("role: admin or member"));
    }
    String name = normalize(username) == null ? "" : normalize(username);
    return pool.withTransaction(tx -> tx.query("SELECT username FROM accounts WHERE role = 'admin' FOR UPDATE").execute()
        .compose(admins -> {
          List<String> names = new java.util.ArrayList<>();
          admins.forEach(row -> names.add(row.getString("username")));
          if (Account.MEMBER.equals(role) && names.equals(List.of(name))) {
            return Future.failedFuture(new dev.catwalk.error.ConflictException(
                "role: " + name + " is the last administrator; make another account an admin first"));
          }
          return tx.preparedQuery("UPDATE accounts SET role = $2 WHERE username = $1 RETURNING id, username, role")
              .execute(Tuple.of(name, role));
        })
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.succeededFuture(Optional.<Account>empty());
          }
          Account account = account(rows.iterator().next());
          return tx.preparedQuery("INSERT INTO audit_events (actor, action, detail) VALUES ($1, 'account.role', $2)")
              .execute(Tuple.of(actor, new io.vertx.core.json.JsonObject().put("username", name).put("role", role)))
              .map(Optional.of(account));
        }));
  }

  /** Every account, by name. */
  public Future<List<Account>> list() {
    return pool.query("SELECT id, username, role FROM accounts ORDER BY username").execute()
        .map(rows -> {
          List<Account> accounts = new java.util.ArrayList<>();
          rows.forEach(row -> accounts.add(account(row)));
          return accounts;
        });
  }

  /** The account with this id, if any. */
  public Future<Optional<Account>> find(UUID id) {
    return pool.preparedQuery("SELECT id, username, role FROM accounts WHERE id = $1").execute(Tuple.of(id))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(account(rows.iterator().next())));
  }

  /** The account when the password is right; empty for a wrong name or password, in the same time. */
  public Future<Optional<Account>> authenticate(String username, String password) {
    return pool.preparedQuery("SELECT id, username, role, password_hash FROM accounts WHERE username = $1")
        .execute(Tuple.of(normalize(username) == null ? "" : normalize(username)))
        .compose(rows -> {
          Row row = rows.size() == 0 ? null : rows.iterator().next();
          String stored = row == null ? null : row.getString("password_hash");
          return vertx.executeBlocking(() -> Passwords.verify(password, stored), false)
              .map(ok -> ok && row != null ? Optional.of(account(row)) : Optional.<Account>empty());
        });
  }

  private static Account account(Row row) {
    return new Account(row.getUUID("id"), row.getString("username"), row.getString("role"));
  }

  private static String normalize(String username) {
    return username == null ? null : username.strip().toLowerCase(Locale.ROOT);
  }
}
