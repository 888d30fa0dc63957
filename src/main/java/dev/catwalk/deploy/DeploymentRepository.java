package dev.catwalk.deploy;

import dev.catwalk.crypto.SecretBox;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Deployments, their encrypted secrets, their access tokens and their audit trail in Postgres.
 * Every change that touches more than one row runs in one transaction, so a failure leaves the
 * stored data as it was.
 */
public final class DeploymentRepository {

  private static final String COLUMNS = "d.id, d.name, d.backend, d.recipe, d.config_schema, d.config, d.status,"
      + " d.status_reason, d.desired_state, d.backend_state, d.limits, d.version, d.created_at, d.updated_at,"
      + " array(SELECT s.name FROM deployment_secrets s WHERE s.deployment_id = d.id AND s.name NOT LIKE 'catwalk:%'"
      + " ORDER BY s.name) AS secret_names";

  static final String INSERT_DEPLOYMENT = "INSERT INTO deployments (id, name, backend, recipe, config_schema, config,"
      + " limits) VALUES ($1, $2, $3, $4, $5, $6, $7)";
  static final String UPSERT_SECRET = "INSERT INTO deployment_secrets (deployment_id, name, key_id, ciphertext)"
      + " VALUES ($1, $2, $3, $4) ON CONFLICT (deployment_id, name)"
      + " DO UPDATE SET key_id = EXCLUDED.key_id, ciphertext = EXCLUDED.ciphertext, updated_at = now()";
  static final String DELETE_SECRET = "DELETE FROM deployment_secrets WHERE deployment_id = $1 AND name = $2";
  static final String SELECT_SECRETS = "SELECT name, key_id, ciphertext FROM deployment_secrets WHERE deployment_id = $1";
  static final String SELECT_ONE = "SELECT " + COLUMNS + " FROM deployments d WHERE d.id = $1 AND d.deleted_at IS NULL";
  static final String SELECT_PAGE = "SELECT " + COLUMNS + ", count(*) OVER () AS total FROM deployments d"
      + " WHERE d.deleted_at IS NULL ORDER BY d.created_at, d.id LIMIT $1 OFFSET $2";
  static final String SELECT_LIVE = "SELECT " + COLUMNS + " FROM deployments d WHERE d.deleted_at IS NULL"
      + " ORDER BY d.created_at";
  static final String UPDATE_DEFINITION = "UPDATE deployments SET name = $2, recipe = $3, config = $4, limits = $6,"
      + " version = version + 1, updated_at = now() WHERE id = $1 AND version = $5 AND deleted_at IS NULL";
  static final String UPDATE_STATUS = "UPDATE deployments SET status = $2, status_reason = $3,"
      + " version = version + 1, updated_at = now() WHERE id = $1 AND deleted_at IS NULL AND status <> $2"
      + " RETURNING status";
  static final String UPDATE_STATUS_FROM = "UPDATE deployments SET status = $3, status_reason = $4,"
      + " version = version + 1, updated_at = now() WHERE id = $1 AND deleted_at IS NULL AND status = $2"
      + " RETURNING status";
  static final String UPDATE_DESIRED = "UPDATE deployments SET desired_state = $2, version = version + 1,"
      + " updated_at = now() WHERE id = $1 AND deleted_at IS NULL";
  static final String UPDATE_BACKEND_STATE = "UPDATE deployments SET backend_state = $2, updated_at = now()"
      + " WHERE id = $1 AND deleted_at IS NULL";
  static final String REQUEST_PROVISIONING = "UPDATE deployments SET provision_wanted = true"
      + " WHERE id = $1 AND deleted_at IS NULL";
  static final String CLAIM_PROVISIONING = "UPDATE deployments SET provision_wanted = false"
      + " WHERE id = $1 AND provision_wanted AND desired_state = 'running' AND deleted_at IS NULL";
  static final String MARK_DELETED = "UPDATE deployments SET status = 'deleted', desired_state = 'deleted',"
      + " deleted_at = now(), version = version + 1, updated_at = now() WHERE id = $1 AND deleted_at IS NULL";
  static final String DELETE_SECRETS = "DELETE FROM deployment_secrets WHERE deployment_id = $1";
  static final String REVOKE_ALL_TOKENS = "UPDATE access_tokens SET revoked_at = now()"
      + " WHERE deployment_id = $1 AND revoked_at IS NULL";
  static final String INSERT_TOKEN = "INSERT INTO access_tokens (id, deployment_id, token_hash, token_prefix, label)"
      + " VALUES ($1, $2, $3, $4, $5)";
  static final String REVOKE_TOKEN = "UPDATE access_tokens SET revoked_at = now()"
      + " WHERE id = $1 AND deployment_id = $2 AND revoked_at IS NULL";
  static final String SELECT_TOKENS = "SELECT id, token_prefix, label, created_at, last_used_at, revoked_at"
      + " FROM access_tokens WHERE deployment_id = $1 ORDER BY created_at, id";
  static final String FIND_TOKEN = "SELECT t.id, t.deployment_id FROM access_tokens t"
      + " JOIN deployments d ON d.id = t.deployment_id"
      + " WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND d.deleted_at IS NULL";
  static final String TOUCH_TOKEN = "UPDATE access_tokens SET last_used_at = now() WHERE id = $1";
  static final String INSERT_AUDIT = "INSERT INTO audit_events (actor, action, deployment_id, detail)"
      + " VALUES ($1, $2, $3, $4)";
  static final String SELECT_AUDIT = "SELECT occurred_at, actor, action, detail FROM audit_events"
      + " WHERE deployment_id = $1 ORDER BY id DESC LIMIT $2";
  static final String SELECT_ALL_SECRETS_FOR_UPDATE = "SELECT deployment_id, name, key_id, ciphertext"
      + " FROM deployment_secrets WHERE key_id <> $1 FOR UPDATE";
  static final String UPDATE_SECRET_CIPHERTEXT = "UPDATE deployment_secrets SET key_id = $3, ciphertext = $4"
      + " WHERE deployment_id = $1 AND name = $2";

  private final Pool pool;

  public DeploymentRepository(Pool pool) {
    this.pool = pool;
  }

  /**
   * A new deployment with its sealed secrets, first token and audit event; {@code catalog} names the catalog
   * entry it was made from (recorded in the audit event), or is null; {@code limits} holds the keys of its
   * {@code limits} object it sets.
   */
  public record NewDeployment(UUID id, String name, String backend, JsonObject recipe, JsonObject configSchema,
                              JsonObject config, JsonObject limits, Map<String, SecretBox.Sealed> secrets,
                              NewToken token, JsonObject catalog) {
  }

  /** A new access token: only its hash and display prefix are stored. */
  public record NewToken(UUID id, byte[] hash, String prefix, String label) {
  }

  /** A page of deployments and how many there are in all. */
  public record Page(List<Deployment> items, long total) {
  }

  /** The token a presented bearer hashes to, if it is live. */
  public record TokenMatch(UUID tokenId, UUID deploymentId) {
  }

  /** One stored sealed value. */
  public record SealedSecret(String name, String keyId, byte[] ciphertext) {
  }

  /** A change of definition (PATCH): the whole new definition, checked against {@code expectedVersion}. */
  public record Change(UUID id, long expectedVersion, String name, JsonObject recipe, JsonObject config,
                       JsonObject limits, Map<String, SecretBox.Sealed> upsertSecrets, List<String> removedSecrets, JsonObject detail) {
  }

  /** Inserts a deployment, its secrets, its first token and an audit event, all or nothing. */
  public Future<Void> create(NewDeployment deployment, String actor) {
    return pool.withTransaction(tx -> tx.preparedQuery(INSERT_DEPLOYMENT)
        .execute(Tuple.of(deployment.id(), deployment.name(), deployment.backend(), deployment.recipe(),
            deployment.configSchema(), deployment.config(), deployment.limits()))
        .compose(r -> upsertSecrets(tx, deployment.id(), deployment.secrets()))
        .compose(r -> insertToken(tx, deployment.id(), deployment.token()))
        .compose(r -> audit(tx, actor, "deployment.created", deployment.id(), createdDetail(deployment))));
  }

  private static JsonObject createdDetail(NewDeployment deployment) {
    JsonObject detail = new JsonObject().put("name", deployment.name()).put("backend", deployment.backend());
    return deployment.catalog() == null ? detail : detail.put("catalog", deployment.catalog());
  }

  /** The live (not deleted) deployment with this id. */
  public Future<Optional<Deployment>> find(UUID id) {
    return pool.preparedQuery(SELECT_ONE).execute(Tuple.of(id)).map(DeploymentRepository::first);
  }

  /** A page of live deployments, oldest first. */
  public Future<Page> page(int limit, int offset) {
    return pool.preparedQuery(SELECT_PAGE).execute(Tuple.of(limit, offset)).map(rows -> {
      List<Deployment> items = new ArrayList<>();
      long total = 0;
      for (Row row : rows) {
        items.add(Deployment.fromRow(row));
        total = row.getLong("total");
      }
      return new Page(items, total);
    });
  }

  /** Every live deployment (reconciliation). */
  public Future<List<Deployment>> live() {
    return pool.preparedQuery(SELECT_LIVE).execute().map(DeploymentRepository::all);
  }

  /** Applies a definition change; fails with {@link ConcurrentChangeException} when the version moved on. */
  public Future<Void> change(Change change, String actor) {
    return pool.withTransaction(tx -> tx.preparedQuery(UPDATE_DEFINITION)
        .execute(Tuple.of(change.id(), change.name(), change.recipe(), change.config(), change.expectedVersion(),
            change.limits()))
        .compose(rows -> rows.rowCount() == 1 ? Future.succeededFuture()
            : Future.failedFuture(new ConcurrentChangeException()))
        .compose(v -> upsertSecrets(tx, change.id(), change.upsertSecrets()))
        .compose(v -> deleteSecrets(tx, change.id(), change.removedSecrets()))
        .compose(v -> audit(tx, actor, "deployment.updated", change.id(), change.detail())));
  }

  /** Moves the status (if it changes) and records it; succeeds with false when it was already so. */
  public Future<Boolean> setStatus(UUID id, String status, String reason, String actor) {
    return pool.withTransaction(tx -> tx.preparedQuery(UPDATE_STATUS).execute(Tuple.of(id, status, reason))
        .compose(rows -> rows.rowCount() == 0 ? Future.succeededFuture(false)
            : audit(tx, actor, "status." + status, id, reason == null ? new JsonObject()
                : new JsonObject().put("reason", reason)).map(true)));
  }

  /** Moves the status from {@code from} to {@code to} only if it is {@code from} now, and records it; false otherwise. */
  public Future<Boolean> moveStatus(UUID id, String from, String to, String reason, String actor) {
    return pool.withTransaction(tx -> tx.preparedQuery(UPDATE_STATUS_FROM).execute(Tuple.of(id, from, to, reason))
        .compose(rows -> rows.rowCount() == 0 ? Future.succeededFuture(false)
            : audit(tx, actor, "status." + to, id, reason == null ? new JsonObject()
                : new JsonObject().put("reason", reason)).map(true)));
  }

  /** Sets where reconciliation should drive the deployment. */
  public Future<Void> setDesiredState(UUID id, String desired, String actor) {
    return pool.withTransaction(tx -> tx.preparedQuery(UPDATE_DESIRED).execute(Tuple.of(id, desired))
        .compose(rows -> rows.rowCount() == 1 ? audit(tx, actor, "desired." + desired, id, new JsonObject())
            : Future.failedFuture(new dev.catwalk.error.NotFoundException("no deployment " + id))));
  }

  /** Marks a deployment deleted, revokes its tokens and drops its secrets; false when there was none. */
  public Future<Boolean> delete(UUID id, String actor) {
    return pool.withTransaction(tx -> tx.preparedQuery(MARK_DELETED).execute(Tuple.of(id))
        .compose(rows -> rows.rowCount() == 0 ? Future.succeededFuture(false)
            : deleteDependents(tx, id, actor).map(true)));
  }

  /**
   * Asks for the deployment to be provisioned (after it was restarted or its definition changed): whichever
   * replica gets to it first claims it with {@link #claimProvisioning}.
   */
  public Future<Void> requestProvisioning(UUID id) {
    return pool.preparedQuery(REQUEST_PROVISIONING).execute(Tuple.of(id)).mapEmpty();
  }

  /**
   * Claims an asked-for provisioning of a deployment that should run, and records in the audit trail which
   * replica took it on; false when there is none to claim (another replica took it, or it should not run).
   */
  public Future<Boolean> claimProvisioning(UUID id, String replica) {
    return pool.withTransaction(tx -> tx.preparedQuery(CLAIM_PROVISIONING).execute(Tuple.of(id))
        .compose(rows -> rows.rowCount() == 0 ? Future.succeededFuture(false)
            : audit(tx, "system", "provisioning.claimed", id, new JsonObject().put("replica", replica)).map(true)));
  }

  /** Records in the audit trail that a replica provisions a deployment again to repair it (reconciliation). */
  public Future<Void> recordRepair(UUID id, String replica) {
    return audit(pool, "system", "provisioning.repair", id, new JsonObject().put("replica", replica));
  }

  /** Records what the backend needs to find the deployment's resources again. */
  public Future<Void> setBackendState(UUID id, JsonObject state) {
    return pool.preparedQuery(UPDATE_BACKEND_STATE).execute(Tuple.of(id, state == null ? new JsonObject() : state))
        .mapEmpty();
  }

  /** Stores (or replaces) one sealed secret of a deployment, such as Catwalk's own runner token. */
  public Future<Void> putSecret(UUID id, String name, SecretBox.Sealed sealed) {
    return upsertSecrets(pool, id, Map.of(name, sealed));
  }

  /** The sealed secrets of a deployment. */
  public Future<List<SealedSecret>> secrets(UUID id) {
    return pool.preparedQuery(SELECT_SECRETS).execute(Tuple.of(id)).map(rows -> {
      List<SealedSecret> secrets = new ArrayList<>();
      rows.forEach(row -> secrets.add(new SealedSecret(row.getString("name"), row.getString("key_id"),
          row.getBuffer("ciphertext").getBytes())));
      return secrets;
    });
  }

  /** Adds a token to a live deployment, with an audit event. */
  public Future<Void> addToken(UUID deploymentId, NewToken token, String actor) {
    return pool.withTransaction(tx -> insertToken(tx, deploymentId, token)
        .compose(v -> audit(tx, actor, "token.created", deploymentId,
            new JsonObject().put("tokenId", token.id().toString()).put("prefix", token.prefix()))));
  }

  /** Revokes a token of a deployment; false when there was no such live token. */
  public Future<Boolean> revokeToken(UUID deploymentId, UUID tokenId, String actor) {
    return pool.withTransaction(tx -> tx.preparedQuery(REVOKE_TOKEN).execute(Tuple.of(tokenId, deploymentId))
        .compose(rows -> rows.rowCount() == 0 ? Future.succeededFuture(false)
            : audit(tx, actor, "token.revoked", deploymentId, new JsonObject().put("tokenId", tokenId.toString()))
            .map(true)));
  }

  /** The tokens of a deployment (metadata only). */
  public Future<List<JsonObject>> tokens(UUID deploymentId) {
    return pool.preparedQuery(SELECT_TOKENS).execute(Tuple.of(deploymentId)).map(rows -> {
      List<JsonObject> tokens = new ArrayList<>();
      rows.forEach(row -> tokens.add(new JsonObject().put("id", row.getUUID("id").toString())
          .put("prefix", row.getString("token_prefix")).put("label", row.getString("label"))
          .put("createdAt", Deployment.timestamp(row.getOffsetDateTime("created_at")))
          .put("lastUsedAt", Deployment.timestamp(row.getOffsetDateTime("last_used_at")))
          .put("revoked", row.getOffsetDateTime("revoked_at") != null)));
      return tokens;
    });
  }

  /** The live token with this hash on a live deployment. */
  public Future<Optional<TokenMatch>> findToken(byte[] hash) {
    return pool.preparedQuery(FIND_TOKEN).execute(Tuple.of(io.vertx.core.buffer.Buffer.buffer(hash)))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(new TokenMatch(
            rows.iterator().next().getUUID("id"), rows.iterator().next().getUUID("deployment_id"))));
  }

  /** Records that a token was used now. */
  public Future<Void> touchToken(UUID tokenId) {
    return pool.preparedQuery(TOUCH_TOKEN).execute(Tuple.of(tokenId)).mapEmpty();
  }

  /** The newest audit events of a deployment, newest first. */
  public Future<List<JsonObject>> auditEvents(UUID deploymentId, int limit) {
    return pool.preparedQuery(SELECT_AUDIT).execute(Tuple.of(deploymentId, limit)).map(rows -> {
      List<JsonObject> events = new ArrayList<>();
      rows.forEach(row -> events.add(new JsonObject().put("at", Deployment.timestamp(row.getOffsetDateTime("occurred_at")))
          .put("actor", row.getString("actor")).put("action", row.getString("action"))
          .put("detail", row.getValue("detail"))));
      return events;
    });
  }

  /** Re-seals, in the caller's transaction, every deployment secret not sealed with the current key; the count. */
  public static Future<Integer> resealSecrets(SqlClient tx, SecretBox box) {
    return tx.preparedQuery(SELECT_ALL_SECRETS_FOR_UPDATE).execute(Tuple.of(box.currentKeyId()))
        .compose(rows -> resealRows(tx, box, rows));
  }

  /** The context a deployment secret is sealed in (bound as associated data). */
  public static String secretContext(UUID deploymentId, String name) {
    return "deployment:" + deploymentId + ":" + name;
  }

  private static Future<Integer> resealRows(SqlClient tx, SecretBox box, RowSet<Row> rows) {
    List<Tuple> updates = new ArrayList<>();
    for (Row row : rows) {
      UUID id = row.getUUID("deployment_id");
      String name = row.getString("name");
      SecretBox.Sealed sealed = box.reseal(row.getString("key_id"), row.getBuffer("ciphertext").getBytes(),
          secretContext(id, name));
      updates.add(Tuple.of(id, name, sealed.keyId(), io.vertx.core.buffer.Buffer.buffer(sealed.bytes())));
    }
    if (updates.isEmpty()) {
      return Future.succeededFuture(0);
    }
    return tx.preparedQuery(UPDATE_SECRET_CIPHERTEXT).executeBatch(updates).map(updates.size());
  }

  private static Future<Void> deleteDependents(SqlClient tx, UUID id, String actor) {
    return tx.preparedQuery(REVOKE_ALL_TOKENS).execute(Tuple.of(id))
        .compose(r -> tx.preparedQuery(DELETE_SECRETS).execute(Tuple.of(id)))
        .compose(r -> audit(tx, actor, "deployment.deleted", id, new JsonObject()));
  }

  private static Future<Void> upsertSecrets(SqlClient tx, UUID id, Map<String, SecretBox.Sealed> secrets) {
    if (secrets.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Tuple> batch = new ArrayList<>();
    new LinkedHashMap<>(secrets).forEach((name, sealed) -> batch.add(Tuple.of(id, name, sealed.keyId(),
        io.vertx.core.buffer.Buffer.buffer(sealed.bytes()))));
    return tx.preparedQuery(UPSERT_SECRET).executeBatch(batch).mapEmpty();
  }

  private static Future<Void> deleteSecrets(SqlClient tx, UUID id, List<String> names) {
    if (names.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Tuple> batch = new ArrayList<>();
    names.forEach(name -> batch.add(Tuple.of(id, name)));
    return tx.preparedQuery(DELETE_SECRET).executeBatch(batch).mapEmpty();
  }

  private static Future<Void> insertToken(SqlClient tx, UUID deploymentId, NewToken token) {
    return tx.preparedQuery(INSERT_TOKEN).execute(Tuple.of(token.id(), deploymentId,
        io.vertx.core.buffer.Buffer.buffer(token.hash()), token.prefix(), token.label())).mapEmpty();
  }

  private static Future<Void> audit(SqlClient client, String actor, String action, UUID deploymentId,
                                    JsonObject detail) {
    return client.preparedQuery(INSERT_AUDIT).execute(Tuple.of(actor, action, deploymentId, detail)).mapEmpty();
  }

  private static Optional<Deployment> first(RowSet<Row> rows) {
    return rows.size() == 0 ? Optional.empty() : Optional.of(Deployment.fromRow(rows.iterator().next()));
  }

  private static List<Deployment> all(RowSet<Row> rows) {
    List<Deployment> list = new ArrayList<>();
    rows.forEach(row -> list.add(Deployment.fromRow(row)));
    return list;
  }
}
