package dev.catwalk.crypto;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;

/**
 * A known value sealed with the encryption key that serves a database, kept as a row of the
 * {@code settings} table ({@link #NAME}): at start the gateway opens it with the configured key and
 * refuses to start ({@link KeyMismatchException}, nothing written) when it does not open, instead of
 * reporting ready and then failing every deployment. The first gateway to serve a database writes it
 * (after checking that every value already sealed there names a key it has, for databases from before
 * the canary); a key rotation rewrites it in the rotation's transaction ({@link #rewrite}).
 */
public final class KeyCanary {

  /** The name of the canary's row in {@code settings} (not a setting: the settings API refuses the name). */
  public static final String NAME = "catwalk.keyCanary";
  static final String CONTEXT = "key-canary";
  static final String PLAINTEXT = "catwalk key canary";

  static final String SETTINGS_EXIST = "SELECT to_regclass('settings') IS NOT NULL AS present";
  static final String SELECT = "SELECT key_id, ciphertext FROM settings WHERE name = $1";
  static final String STORED_KEY_IDS = "SELECT key_id FROM deployment_secrets"
      + " UNION SELECT key_id FROM settings WHERE key_id IS NOT NULL AND name <> $1";
  static final String INSERT = "INSERT INTO settings (name, key_id, ciphertext) VALUES ($1, $2, $3)"
      + " ON CONFLICT (name) DO NOTHING";
  static final String UPSERT = "INSERT INTO settings (name, key_id, ciphertext) VALUES ($1, $2, $3)"
      + " ON CONFLICT (name) DO UPDATE SET key_id = EXCLUDED.key_id, ciphertext = EXCLUDED.ciphertext,"
      + " value = NULL, updated_at = now()";

  private final SecretBox box;
  private final String where;

  /**
   * @param box   the configured keys
   * @param where the database, for messages (a location without a password)
   */
  public KeyCanary(SecretBox box, String where) {
    this.box = box;
    this.where = where;
  }

  /**
   * Checks the configured keys against the database without writing anything (before migrations). A
   * database without a {@code settings} table holds nothing sealed and passes.
   *
   * @return fails with {@link KeyMismatchException} when the keys do not fit
   */
  public Future<Void> verify(SqlClient client) {
    return check(client, false);
  }

  /** Checks as {@link #verify} and, when the database has no canary yet, writes one under the current key. */
  public Future<Void> establish(Pool pool) {
    return pool.withTransaction(tx -> check(tx, true));
  }

  /** Writes the canary under the current key, in the caller's transaction (a key rotation). */
  public static Future<Void> rewrite(SqlClient tx, SecretBox box) {
    return tx.preparedQuery(UPSERT).execute(sealed(box)).mapEmpty();
  }

  private Future<Void> check(SqlClient client, boolean write) {
    return client.query(SETTINGS_EXIST).execute()
        .compose(rows -> rows.iterator().next().getBoolean("present") ? checkStored(client, write)
            : Future.succeededFuture());
  }

  private Future<Void> checkStored(SqlClient client, boolean write) {
    return client.preparedQuery(SELECT).execute(Tuple.of(NAME))
        .compose(rows -> rows.size() == 0 ? withoutCanary(client, write) : open(rows.iterator().next()));
  }

  private Future<Void> open(Row row) {
    String keyId = row.getString("key_id");
    if (!box.knows(keyId)) {
      return Future.failedFuture(mismatch("it was first served with key id " + keyId));
    }
    try {
      box.open(keyId, row.getBuffer("ciphertext").getBytes(), CONTEXT);
      return Future.succeededFuture();
    } catch (CryptoException e) {
      return Future.failedFuture(mismatch("its key canary (key id " + keyId + ") does not decrypt"));
    }
  }

  /** A database from before the canary, or a fresh one: every sealed value must name a key this server has. */
  private Future<Void> withoutCanary(SqlClient client, boolean write) {
    return client.preparedQuery(STORED_KEY_IDS).execute(Tuple.of(NAME)).compose(rows -> {
      List<String> unknown = unknownKeyIds(rows);
      if (!unknown.isEmpty()) {
        return Future.failedFuture(mismatch("its secrets are encrypted with key id " + String.join(", ", unknown)));
      }
      return write ? insert(client) : Future.succeededFuture();
    });
  }

  private List<String> unknownKeyIds(RowSet<Row> rows) {
    List<String> unknown = new ArrayList<>();
    for (Row row : rows) {
      if (!box.knows(row.getString("key_id"))) {
        unknown.add(row.getString("key_id"));
      }
    }
    return unknown;
  }

  /** Writes the canary unless another gateway just did; then that one is checked instead. */
  private Future<Void> insert(SqlClient client) {
    return client.preparedQuery(INSERT).execute(sealed(box))
        .compose(rows -> rows.rowCount() == 1 ? Future.<Void>succeededFuture() : checkStored(client, false));
  }

  private static Tuple sealed(SecretBox box) {
    SecretBox.Sealed canary = box.seal(PLAINTEXT, CONTEXT);
    return Tuple.of(NAME, canary.keyId(), Buffer.buffer(canary.bytes()));
  }

  private KeyMismatchException mismatch(String found) {
    List<String> ids = box.knownKeyIds();
    String have = "this server has key id " + ids.getFirst()
        + (ids.size() > 1 ? " and previous key id " + ids.get(1) : "");
    return new KeyMismatchException("CATWALK_ENCRYPTION_KEY does not fit the database at " + where + ": " + found
        + ", " + have + ". Start with the key this database was served with; to change keys, set the new one as "
        + "CATWALK_ENCRYPTION_KEY, the old one as CATWALK_ENCRYPTION_KEY_PREVIOUS, and run 'catwalk admin rotate-key'."
        + " Nothing was changed.");
  }
}
