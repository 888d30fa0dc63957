package dev.catwalk.config;

import dev.catwalk.crypto.SecretBox;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Settings kept in Postgres (API keys and tokens Catwalk uses: OpenRouter, Fly, GitHub), sealed
 * like deployment secrets. Values given in the environment win over stored ones; reads tell which.
 */
public final class SettingsRepository {

  static final String SELECT_NAMES = "SELECT name FROM settings";
  static final String SELECT_ONE = "SELECT key_id, ciphertext FROM settings WHERE name = $1";
  static final String UPSERT = "INSERT INTO settings (name, key_id, ciphertext) VALUES ($1, $2, $3)"
      + " ON CONFLICT (name) DO UPDATE SET key_id = EXCLUDED.key_id, ciphertext = EXCLUDED.ciphertext,"
      + " value = NULL, updated_at = now()";
  static final String DELETE = "DELETE FROM settings WHERE name = $1";
  static final String SELECT_FOR_RESEAL = "SELECT name, key_id, ciphertext FROM settings"
      + " WHERE ciphertext IS NOT NULL AND key_id <> $1 FOR UPDATE";
  static final String UPDATE_CIPHERTEXT = "UPDATE settings SET key_id = $2, ciphertext = $3 WHERE name = $1";
  static final String INSERT_AUDIT = "INSERT INTO audit_events (actor, action, detail) VALUES ($1, $2, $3)";

  private final Pool pool;
  private final SecretBox box;
  private final Map<String, String> fromEnvironment;

  /**
   * @param fromEnvironment setting values given in the environment, by setting name
   */
  public SettingsRepository(Pool pool, SecretBox box, Map<String, String> fromEnvironment) {
    this.pool = pool;
    this.box = box;
    this.fromEnvironment = Map.copyOf(fromEnvironment);
  }

  /** Which settings are set and where: {@code {settings: [{name, set, source}]}}; never a value. */
  public Future<JsonObject> describe() {
    return pool.query(SELECT_NAMES).execute().map(rows -> {
      List<String> stored = new ArrayList<>();
      rows.forEach(row -> stored.add(row.getString("name")));
      Map<String, JsonObject> out = new TreeMap<>();
      for (String name : ConfigKeys.SETTINGS.keySet()) {
        String source = fromEnvironment.containsKey(name) ? "environment" : stored.contains(name) ? "database" : null;
        out.put(name, new JsonObject().put("name", name).put("set", source != null).put("source", source)
            .put("environmentVariable", ConfigKeys.SETTINGS.get(name)));
      }
      return new JsonObject().put("settings", new io.vertx.core.json.JsonArray(new ArrayList<>(out.values())));
    });
  }

  /** The value in force: the environment's, else the stored one. */
  public Future<Optional<String>> value(String name) {
    if (fromEnvironment.containsKey(name)) {
      return Future.succeededFuture(Optional.of(fromEnvironment.get(name)));
    }
    return pool.preparedQuery(SELECT_ONE).execute(Tuple.of(name)).map(rows -> {
      if (rows.size() == 0) {
        return Optional.empty();
      }
      Row row = rows.iterator().next();
      return Optional.of(box.open(row.getString("key_id"), row.getBuffer("ciphertext").getBytes(), context(name)));
    });
  }

  /**
   * Sets (non-null value) or clears (null) stored settings, all in one transaction.
   *
   * @throws IllegalArgumentException for an unknown setting name
   */
  public Future<Void> update(Map<String, String> changes, String actor) {
    for (String name : changes.keySet()) {
      if (!ConfigKeys.SETTINGS.containsKey(name)) {
        return Future.failedFuture(new IllegalArgumentException("unknown setting '" + dev.catwalk.http.HttpException.printable(name)
            + "' (known: " + String.join(", ", new java.util.TreeSet<>(ConfigKeys.SETTINGS.keySet())) + ")"));
      }
    }
    return pool.withTransaction(tx -> applyAll(tx, changes, actor));
  }

  /** Re-seals, in the caller's transaction, every stored setting not sealed with the current key; the count. */
  public static Future<Integer> resealSettings(SqlClient tx, SecretBox box) {
    return tx.preparedQuery(SELECT_FOR_RESEAL).execute(Tuple.of(box.currentKeyId())).compose(rows -> {
      List<Tuple> updates = new ArrayList<>();
      for (Row row : rows) {
        String name = row.getString("name");
        SecretBox.Sealed sealed = box.reseal(row.getString("key_id"), row.getBuffer("ciphertext").getBytes(),
            context(name));
        updates.add(Tuple.of(name, sealed.keyId(), Buffer.buffer(sealed.bytes())));
      }
      return updates.isEmpty() ? Future.succeededFuture(0)
          : tx.preparedQuery(UPDATE_CIPHERTEXT).executeBatch(updates).map(updates.size());
    });
  }

  private Future<Void> applyAll(SqlClient tx, Map<String, String> changes, String actor) {
    Future<Void> chain = Future.succeededFuture();
    for (Map.Entry<String, String> change : new TreeMap<>(changes).entrySet()) {
      chain = chain.compose(v -> apply(tx, change.getKey(), change.getValue()));
    }
    JsonObject detail = new JsonObject().put("set", new io.vertx.core.json.JsonArray(changes.entrySet().stream()
        .filter(e -> e.getValue() != null).map(Map.Entry::getKey).sorted().toList()))
        .put("cleared", new io.vertx.core.json.JsonArray(changes.entrySet().stream()
            .filter(e -> e.getValue() == null).map(Map.Entry::getKey).sorted().toList()));
    return chain.compose(v -> tx.preparedQuery(INSERT_AUDIT).execute(Tuple.of(actor, "settings.updated", detail)))
        .mapEmpty();
  }

  private Future<Void> apply(SqlClient tx, String name, String value) {
    if (value == null) {
      return tx.preparedQuery(DELETE).execute(Tuple.of(name)).mapEmpty();
    }
    SecretBox.Sealed sealed = box.seal(value, context(name));
    return tx.preparedQuery(UPSERT).execute(Tuple.of(name, sealed.keyId(), Buffer.buffer(sealed.bytes()))).mapEmpty();
  }

  private static String context(String name) {
    return "setting:" + name;
  }
}
