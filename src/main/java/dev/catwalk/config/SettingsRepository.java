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
 * Switches ({@link ConfigKeys#SWITCHES}) are plain booleans: the configuration gives their default and a
 * stored value wins over it.
 */
public final class SettingsRepository {

  static final String SELECT_NAMES = "SELECT name FROM settings";
  static final String SELECT_ONE = "SELECT key_id, ciphertext FROM settings WHERE name = $1";
  static final String UPSERT = "INSERT INTO settings (name, key_id, ciphertext) VALUES ($1, $2, $3)"
      + " ON CONFLICT (name) DO UPDATE SET key_id = EXCLUDED.key_id, ciphertext = EXCLUDED.ciphertext,"
      + " value = NULL, updated_at = now()";
  static final String DELETE = "DELETE FROM settings WHERE name = $1";
  static final String SELECT_FOR_RESEAL = "SELECT name, key_id, ciphertext FROM settings"
      + " WHERE ciphertext IS NOT NULL AND key_id <> $1 AND name <> $2 FOR UPDATE";
  static final String UPDATE_CIPHERTEXT = "UPDATE settings SET key_id = $2, ciphertext = $3 WHERE name = $1";
  static final String INSERT_AUDIT = "INSERT INTO audit_events (actor, action, detail) VALUES ($1, $2, $3)";
  static final String SELECT_SWITCHES = "SELECT name, value FROM settings WHERE value IS NOT NULL";
  static final String UPSERT_SWITCH = "INSERT INTO settings (name, value) VALUES ($1, to_jsonb($2::boolean))"
      + " ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, key_id = NULL, ciphertext = NULL, updated_at = now()";

  private final Pool pool;
  private final SecretBox box;
  private final Map<String, String> fromEnvironment;
  private final Map<String, Boolean> switchDefaults;

  /**
   * @param fromEnvironment setting values given in the environment, by setting name
   */
  public SettingsRepository(Pool pool, SecretBox box, Map<String, String> fromEnvironment) {
    this(pool, box, fromEnvironment, Map.of());
  }

  /**
   * @param fromEnvironment setting values given in the environment, by setting name
   * @param switchDefaults  the configuration's value of each switch of {@link ConfigKeys#SWITCHES} offered, by setting name
   */
  public SettingsRepository(Pool pool, SecretBox box, Map<String, String> fromEnvironment,
                            Map<String, Boolean> switchDefaults) {
    this.pool = pool;
    this.box = box;
    this.fromEnvironment = Map.copyOf(fromEnvironment);
    this.switchDefaults = Map.copyOf(switchDefaults);
  }

  /**
   * Which settings are set and where: {@code {settings: [{name, set, source, environmentVariable}]}}; never a
   * secret value. Switches add their {@code value} in force; their source is {@code database} or {@code configuration}.
   */
  public Future<JsonObject> describe() {
    return pool.query(SELECT_NAMES).execute().compose(rows -> {
      List<String> stored = new ArrayList<>();
      rows.forEach(row -> stored.add(row.getString("name")));
      Map<String, JsonObject> out = new TreeMap<>();
      for (String name : ConfigKeys.SETTINGS.keySet()) {
        String source = fromEnvironment.containsKey(name) ? "environment" : stored.contains(name) ? "database" : null;
        out.put(name, new JsonObject().put("name", name).put("set", source != null).put("source", source)
            .put("environmentVariable", ConfigKeys.SETTINGS.get(name)));
      }
      return switches().map(values -> {
        values.forEach((name, value) -> out.put(name, new JsonObject().put("name", name).put("set", true)
            .put("source", stored.contains(name) ? "database" : "configuration")
            .put("environmentVariable", ConfigKeys.SWITCHES.get(name)).put("value", value)));
        return new JsonObject().put("settings", new io.vertx.core.json.JsonArray(new ArrayList<>(out.values())));
      });
    });
  }

  /** The value in force of every switch offered: the stored one, else the configuration's. */
  public Future<Map<String, Boolean>> switches() {
    if (switchDefaults.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    return pool.query(SELECT_SWITCHES).execute().map(rows -> {
      Map<String, Boolean> values = new TreeMap<>(switchDefaults);
      for (Row row : rows) {
        String name = row.getString("name");
        if (values.containsKey(name) && row.getValue("value") instanceof Boolean value) {
          values.put(name, value);
        }
      }
      return values;
    });
  }

  /** Whether {@code name} is a switch this gateway offers (its values are booleans, not secrets). */
  public boolean isSwitch(String name) {
    return switchDefaults.containsKey(name);
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
   * Sets (non-null value: a string for a secret setting, a boolean for a switch) or clears (null) stored
   * settings, all in one transaction.
   *
   * @throws dev.catwalk.error.BadRequestException for an unknown setting name
   */
  public Future<Void> update(Map<String, ?> changes, String actor) {
    for (String name : changes.keySet()) {
      if (!ConfigKeys.SETTINGS.containsKey(name) && !isSwitch(name)) {
        java.util.Set<String> known = new java.util.TreeSet<>(ConfigKeys.SETTINGS.keySet());
        known.addAll(switchDefaults.keySet());
        return Future.failedFuture(new dev.catwalk.error.BadRequestException("unknown setting '" + dev.catwalk.error.Validation.printable(name)
            + "' (known: " + String.join(", ", known) + ")"));
      }
    }
    return pool.withTransaction(tx -> applyAll(tx, changes, actor));
  }

  /**
   * Re-seals, in the caller's transaction, every stored setting not sealed with the current key; the count. The
   * key canary is not a setting: {@link dev.catwalk.crypto.KeyCanary#rewrite} renews it.
   */
  public static Future<Integer> resealSettings(SqlClient tx, SecretBox box) {
    return tx.preparedQuery(SELECT_FOR_RESEAL).execute(Tuple.of(box.currentKeyId(),
        dev.catwalk.crypto.KeyCanary.NAME)).compose(rows -> {
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

  private Future<Void> applyAll(SqlClient tx, Map<String, ?> changes, String actor) {
    Future<Void> chain = Future.succeededFuture();
    for (Map.Entry<String, ?> change : new TreeMap<>(changes).entrySet()) {
      chain = chain.compose(v -> apply(tx, change.getKey(), change.getValue()));
    }
    JsonObject detail = new JsonObject().put("set", new io.vertx.core.json.JsonArray(changes.entrySet().stream()
        .filter(e -> e.getValue() != null).map(Map.Entry::getKey).sorted().toList()))
        .put("cleared", new io.vertx.core.json.JsonArray(changes.entrySet().stream()
            .filter(e -> e.getValue() == null).map(Map.Entry::getKey).sorted().toList()));
    return chain.compose(v -> tx.preparedQuery(INSERT_AUDIT).execute(Tuple.of(actor, "settings.updated", detail)))
        .mapEmpty();
  }

  private Future<Void> apply(SqlClient tx, String name, Object value) {
    if (value == null) {
      return tx.preparedQuery(DELETE).execute(Tuple.of(name)).mapEmpty();
    }
    if (value instanceof Boolean flag) {
      return tx.preparedQuery(UPSERT_SWITCH).execute(Tuple.of(name, flag)).mapEmpty();
    }
    SecretBox.Sealed sealed = box.seal((String) value, context(name));
    return tx.preparedQuery(UPSERT).execute(Tuple.of(name, sealed.keyId(), Buffer.buffer(sealed.bytes()))).mapEmpty();
  }

  private static String context(String name) {
    return "setting:" + name;
  }
}
