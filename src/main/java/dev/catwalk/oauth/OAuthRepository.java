package dev.catwalk.oauth;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Registered clients, grants, and the hashes of codes, access tokens and refresh tokens. Codes are
 * redeemed and refresh tokens rotated inside one transaction each (row locks), so a code or a refresh
 * token is good exactly once; a second use revokes the grant it belonged to.
 */
public final class OAuthRepository {

  private static final String GRANT_COLUMNS = "g.id, g.client_id, g.account_id, g.deployment_id, g.resource, g.scope";

  private final Pool pool;

  public OAuthRepository(Pool pool) {
    this.pool = pool;
  }

  /**
   * A registered client.
   *
   * @param clientId     its id
   * @param name         its self-asserted name, or null
   * @param redirectUris registered redirect URIs
   * @param secretHash   SHA-256 of its secret, or null for a public client
   * @param metadata     the registered metadata, without any secret
   */
  public record Client(String clientId, String name, List<String> redirectUris, byte[] secretHash, JsonObject metadata) {
    /** How it authenticates at the token endpoint. */
    public String authMethod() {
      return metadata.getString("token_endpoint_auth_method", "none");
    }
  }

  /**
   * A consent: one account let one client use one deployment.
   *
   * @param id           grant id
   * @param clientId     the client
   * @param accountId    the account that consented
   * @param deploymentId the deployment
   * @param resource     its resource URL, the audience of the grant's tokens
   * @param scope        granted scope
   */
  public record Grant(UUID id, String clientId, UUID accountId, UUID deploymentId, String resource, String scope) {
  }

  /** What redeeming a code or a refresh token found. */
  public enum Outcome {
    /** Good: the grant goes on. */
    GRANTED,
    /** Used before: the grant has now been revoked. */
    REUSED,
    /** Unknown, expired, of another client or of a revoked grant. */
    INVALID,
    /** A code presented with another redirect URI or a verifier that does not match its challenge. */
    MISMATCH
  }

  /**
   * The result of a redemption.
   *
   * @param outcome       what was found
   * @param grant         the grant (null when {@link Outcome#INVALID})
   * @param redirectUri   the redirect URI the code was issued for (codes only)
   * @param codeChallenge the PKCE challenge of the code (codes only)
   */
  public record Redemption(Outcome outcome, Grant grant, String redirectUri, String codeChallenge) {
    static final Redemption INVALID = new Redemption(Outcome.INVALID, null, null, null);
  }

  /** Stores a newly registered client. */
  public Future<Void> register(Client client) {
    return pool.preparedQuery("INSERT INTO oauth_clients (client_id, client_name, redirect_uris, metadata, secret_hash,"
            + " registered_by) VALUES ($1, $2, $3, $4, $5, $6)")
        .execute(Tuple.of(client.clientId(), client.name(), new JsonArray(client.redirectUris()), client.metadata(),
            client.secretHash() == null ? null : Buffer.buffer(client.secretHash()),
            client.clientId().startsWith("https://") ? "cimd" : "dcr"))
        .mapEmpty();
  }

  /** A client by id. */
  public Future<Optional<Client>> client(String clientId) {
    return pool.preparedQuery("SELECT client_id, client_name, redirect_uris, metadata, secret_hash FROM oauth_clients"
            + " WHERE client_id = $1").execute(Tuple.of(clientId))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(client(rows.iterator().next())));
  }

  /** Stores (or refreshes) the client of a fetched client ID metadata document. */
  public Future<Void> upsertDocumentClient(Client client) {
    return pool.preparedQuery("INSERT INTO oauth_clients (client_id, client_name, redirect_uris, metadata, registered_by)"
            + " VALUES ($1, $2, $3, $4, 'cimd') ON CONFLICT (client_id) DO UPDATE SET client_name = $2,"
            + " redirect_uris = $3, metadata = $4")
        .execute(Tuple.of(client.clientId(), client.name(), new JsonArray(client.redirectUris()), client.metadata()))
        .mapEmpty();
  }

  /** Records a consent and its single-use code. */
  public Future<Void> grant(Grant grant, byte[] codeHash, String redirectUri, String codeChallenge, Duration codeTtl) {
    return pool.withTransaction(tx -> tx.preparedQuery("INSERT INTO oauth_grants (id, client_id, account_id,"
                + " deployment_id, resource, scope) VALUES ($1, $2, $3, $4, $5, $6)")
            .execute(Tuple.of(grant.id(), grant.clientId(), grant.accountId(), grant.deploymentId(), grant.resource(),
                grant.scope()))
            .compose(r -> tx.preparedQuery("INSERT INTO oauth_codes (code_hash, grant_id, redirect_uri, code_challenge,"
                    + " expires_at) VALUES ($1, $2, $3, $4, $5)")
                .execute(Tuple.of(Buffer.buffer(codeHash), grant.id(), redirectUri, codeChallenge, in(codeTtl)))))
        .mapEmpty();
  }

  /**
   * Redeems a code of {@code clientId}: good once, before it expires, for the redirect URI and PKCE
   * challenge it was issued with; a second use revokes its grant. A request whose redirect URI or
   * verifier does not match leaves the code as it was ({@link Outcome#MISMATCH}).
   */
  public Future<Redemption> redeemCode(byte[] codeHash, String clientId, String redirectUri, String challenge) {
    return pool.withTransaction(tx -> tx.preparedQuery("SELECT c.redirect_uri, c.code_challenge, c.used_at,"
            + " c.expires_at < now() AS expired, g.revoked_at, " + GRANT_COLUMNS + " FROM oauth_codes c"
            + " JOIN oauth_grants g ON g.id = c.grant_id WHERE c.code_hash = $1 FOR UPDATE OF c, g")
        .execute(Tuple.of(Buffer.buffer(codeHash)))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.succeededFuture(Redemption.INVALID);
          }
          Row row = rows.iterator().next();
          Grant grant = grant(row);
          if (row.getValue("used_at") != null) {
            return revoke(tx, grant.id(), "authorization code replayed")
                .map(new Redemption(Outcome.REUSED, grant, null, null));
          }
          if (row.getBoolean("expired") || row.getValue("revoked_at") != null || !grant.clientId().equals(clientId)) {
            return Future.succeededFuture(Redemption.INVALID);
          }
          if (!row.getString("redirect_uri").equals(redirectUri)
              || !MessageDigest.isEqual(row.getString("code_challenge").getBytes(StandardCharsets.US_ASCII),
              challenge.getBytes(StandardCharsets.US_ASCII))) {
            return Future.succeededFuture(new Redemption(Outcome.MISMATCH, grant, row.getString("redirect_uri"), null));
          }
          return tx.preparedQuery("UPDATE oauth_codes SET used_at = now() WHERE code_hash = $1")
              .execute(Tuple.of(Buffer.buffer(codeHash)))
              .map(new Redemption(Outcome.GRANTED, grant, row.getString("redirect_uri"), row.getString("code_challenge")));
        }));
  }

  /** Rotates a refresh token of {@code clientId}: good once; a second use revokes its grant. */
  public Future<Redemption> rotateRefresh(byte[] refreshHash, String clientId) {
    return pool.withTransaction(tx -> tx.preparedQuery("SELECT t.retired_at, t.expires_at < now() AS expired,"
            + " g.revoked_at, " + GRANT_COLUMNS + " FROM oauth_tokens t JOIN oauth_grants g ON g.id = t.grant_id"
            + " WHERE t.token_hash = $1 AND t.kind = 'refresh' FOR UPDATE OF t, g")
        .execute(Tuple.of(Buffer.buffer(refreshHash)))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.succeededFuture(Redemption.INVALID);
          }
          Row row = rows.iterator().next();
          Grant grant = grant(row);
          if (!grant.clientId().equals(clientId) || row.getValue("revoked_at") != null) {
            return Future.succeededFuture(Redemption.INVALID);
          }
          if (row.getValue("retired_at") != null) {
            return revoke(tx, grant.id(), "refresh token reused").map(new Redemption(Outcome.REUSED, grant, null, null));
          }
          if (row.getBoolean("expired")) {
            return Future.succeededFuture(Redemption.INVALID);
          }
          return tx.preparedQuery("UPDATE oauth_tokens SET retired_at = now() WHERE token_hash = $1")
              .execute(Tuple.of(Buffer.buffer(refreshHash)))
              .map(new Redemption(Outcome.GRANTED, grant, null, null));
        }));
  }

  /** Stores a new access token and refresh token of a grant. */
  public Future<Void> issue(UUID grantId, byte[] accessHash, Duration accessTtl, byte[] refreshHash, Duration refreshTtl) {
    return pool.preparedQuery("INSERT INTO oauth_tokens (token_hash, grant_id, kind, expires_at) VALUES ($1, $2, $3, $4)")
        .executeBatch(List.of(Tuple.of(Buffer.buffer(accessHash), grantId, "access", in(accessTtl)),
            Tuple.of(Buffer.buffer(refreshHash), grantId, "refresh", in(refreshTtl))))
        .compose(r -> pool.preparedQuery("UPDATE oauth_grants SET last_used_at = now() WHERE id = $1")
            .execute(Tuple.of(grantId)))
        .mapEmpty();
  }

  /** The grant of a live access token (not expired, not retired, grant not revoked). */
  public Future<Optional<Grant>> access(byte[] accessHash) {
    return pool.preparedQuery("SELECT " + GRANT_COLUMNS + " FROM oauth_tokens t JOIN oauth_grants g ON g.id = t.grant_id"
            + " WHERE t.token_hash = $1 AND t.kind = 'access' AND t.retired_at IS NULL AND t.expires_at > now()"
            + " AND g.revoked_at IS NULL")
        .execute(Tuple.of(Buffer.buffer(accessHash)))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(grant(rows.iterator().next())));
  }

  /**
   * RFC 7009: revokes the token if it belongs to {@code clientId}. A refresh token takes its whole grant
   * with it; an access token only itself. Completes with the revoked grant's id, or null.
   */
  public Future<UUID> revokeToken(byte[] tokenHash, String clientId) {
    return pool.withTransaction(tx -> tx.preparedQuery("SELECT t.kind, g.id, g.client_id FROM oauth_tokens t"
            + " JOIN oauth_grants g ON g.id = t.grant_id WHERE t.token_hash = $1").execute(Tuple.of(Buffer.buffer(tokenHash)))
        .compose(rows -> {
          Row row = rows.size() == 0 ? null : rows.iterator().next();
          if (row == null || !row.getString("client_id").equals(clientId)) {
            return Future.succeededFuture((UUID) null);
          }
          if ("access".equals(row.getString("kind"))) {
            return tx.preparedQuery("UPDATE oauth_tokens SET retired_at = now() WHERE token_hash = $1")
                .execute(Tuple.of(Buffer.buffer(tokenHash))).map((UUID) null);
          }
          UUID grantId = row.getUUID("id");
          return revoke(tx, grantId, "revoked by the client").map(grantId);
        }));
  }

  /** Revokes a grant of a deployment (an operator's decision); false when there was no live one. */
  public Future<Boolean> revokeGrant(UUID deploymentId, UUID grantId, String reason) {
    return pool.preparedQuery("UPDATE oauth_grants SET revoked_at = now(), revoked_reason = $3 WHERE id = $1"
            + " AND deployment_id = $2 AND revoked_at IS NULL").execute(Tuple.of(grantId, deploymentId, reason))
        .map(rows -> rows.rowCount() > 0);
  }

  /** The grants of a deployment, newest first, as operators see them. */
  public Future<List<JsonObject>> grants(UUID deploymentId) {
    return pool.preparedQuery("SELECT g.id, g.client_id, c.client_name, a.username, g.scope, g.created_at,"
            + " g.last_used_at, g.revoked_at, g.revoked_reason FROM oauth_grants g"
            + " JOIN oauth_clients c ON c.client_id = g.client_id JOIN accounts a ON a.id = g.account_id"
            + " WHERE g.deployment_id = $1 ORDER BY g.created_at DESC").execute(Tuple.of(deploymentId))
        .map(rows -> {
          List<JsonObject> grants = new ArrayList<>();
          rows.forEach(row -> grants.add(new JsonObject().put("id", row.getUUID("id").toString())
              .put("clientId", row.getString("client_id")).put("clientName", row.getString("client_name"))
              .put("username", row.getString("username")).put("scope", row.getString("scope"))
              .put("createdAt", String.valueOf(row.getOffsetDateTime("created_at")))
              .put("lastUsedAt", row.getOffsetDateTime("last_used_at") == null ? null
                  : row.getOffsetDateTime("last_used_at").toString())
              .put("revoked", row.getOffsetDateTime("revoked_at") != null)
              .put("revokedReason", row.getString("revoked_reason"))));
          return grants;
        });
  }

  private static Future<Void> revoke(SqlConnection tx, UUID grantId, String reason) {
    return tx.preparedQuery("UPDATE oauth_grants SET revoked_at = now(), revoked_reason = $2 WHERE id = $1"
        + " AND revoked_at IS NULL").execute(Tuple.of(grantId, reason)).mapEmpty();
  }

  private static OffsetDateTime in(Duration ttl) {
    return OffsetDateTime.now(ZoneOffset.UTC).plus(ttl);
  }

  private static Grant grant(Row row) {
    return new Grant(row.getUUID("id"), row.getString("client_id"), row.getUUID("account_id"),
        row.getUUID("deployment_id"), row.getString("resource"), row.getString("scope"));
  }

  private static Client client(Row row) {
    JsonArray uris = (JsonArray) row.getValue("redirect_uris");
    Buffer secret = row.getBuffer("secret_hash");
    List<String> list = new ArrayList<>();
    uris.forEach(u -> list.add(String.valueOf(u)));
    return new Client(row.getString("client_id"), row.getString("client_name"), list,
        secret == null ? null : secret.getBytes(), (JsonObject) row.getValue("metadata"));
  }
}
