package dev.catwalk.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Reads the raw configuration with {@code vertx-config}: {@code conf/config.yaml} (from the working
 * directory, else the copy inside the jar), then the environment variables named in
 * {@link ConfigKeys#ALL}, then explicit overrides (tests and command-line options), later sources winning.
 * The file groups its keys in sections ({@code http:}, {@code mcp:}, …); a key is named the same in
 * every source, so the raw configuration is flat: {@link #flatten} lifts the sections' keys.
 */
public final class ConfigLoader {

  /** Location of the defaults file, relative to the working directory or the class path. */
  public static final String DEFAULTS_FILE = "conf/config.yaml";

  private ConfigLoader() {
  }

  /** Reads and merges every source; the result is still unchecked (see {@link CatwalkConfig#from}). */
  public static Future<JsonObject> loadRaw(Vertx vertx, JsonObject overrides) {
    ConfigStoreOptions file = new ConfigStoreOptions()
        .setType("file").setFormat("yaml").setOptional(false)
        .setConfig(new JsonObject().put("path", DEFAULTS_FILE));
    ConfigStoreOptions env = new ConfigStoreOptions()
        .setType("env")
        .setConfig(new JsonObject().put("raw-data", true).put("keys", new JsonArray(ConfigKeys.ALL)));
    ConfigStoreOptions explicit = new ConfigStoreOptions()
        .setType("json").setConfig(overrides == null ? new JsonObject() : overrides);
    ConfigRetriever retriever = ConfigRetriever.create(vertx,
        new ConfigRetrieverOptions().setScanPeriod(-1).addStore(file).addStore(env).addStore(explicit));
    return retriever.getConfig().eventually(retriever::close).map(ConfigLoader::flatten);
  }

  /**
   * The keys of every section (an object at the top level) lifted to the top level, where a key given
   * at the top level (an environment variable, an override) wins.
   *
   * @throws ConfigException when two sections name the same key
   */
  public static JsonObject flatten(JsonObject merged) {
    JsonObject flat = new JsonObject();
    java.util.List<String> problems = new java.util.ArrayList<>();
    merged.forEach(entry -> {
      if (entry.getValue() instanceof JsonObject section) {
        section.forEach(leaf -> {
          if (flat.containsKey(leaf.getKey())) {
            problems.add(leaf.getKey() + ": set in two sections of " + DEFAULTS_FILE);
          }
          flat.put(leaf.getKey(), leaf.getValue());
        });
      }
    });
    merged.forEach(entry -> {
      if (!(entry.getValue() instanceof JsonObject)) {
        flat.put(entry.getKey(), entry.getValue());
      }
    });
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return flat;
  }
}
