package dev.catwalk.testsupport;

import dev.catwalk.config.CatwalkConfig;
import dev.catwalk.config.ConfigKeys;
import dev.catwalk.db.DatabaseUrl;
import dev.catwalk.mcp.RelayOptions;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.Base64;

/** Configuration for gateways started inside tests: a free port, fixed test secrets, a given database. */
public final class TestConfig {

  /** The admin token of test gateways. */
  public static final String ADMIN_TOKEN = "test-admin-token-0123456789abcdef";
  /** The encryption key of test gateways (32 bytes). */
  public static final String ENCRYPTION_KEY = Base64.getEncoder().encodeToString(new byte[32]);

  private TestConfig() {
  }

  /** Raw configuration as the loader would produce it (the defaults of conf/config.yaml), for a gateway on {@code database}. */
  public static JsonObject raw(String databaseUrl) {
    return defaults()
        .put(ConfigKeys.PORT, freePort())
        .put(ConfigKeys.HOST, "127.0.0.1")
        .put(ConfigKeys.DATABASE_URL, databaseUrl)
        .put(ConfigKeys.DB_PGBOUNCER, "auto")
        .put(ConfigKeys.DB_POOL_SIZE, 4)
        .put(ConfigKeys.MIGRATE_ON_START, true)
        .put(ConfigKeys.ENCRYPTION_KEY, ENCRYPTION_KEY)
        .put(ConfigKeys.ADMIN_TOKEN, ADMIN_TOKEN)
        .put(ConfigKeys.SHUTDOWN_TIMEOUT, 5)
        .put(ConfigKeys.HTTP_INSTANCES, 2)
        .put(ConfigKeys.ADMIN_PORT, 0)
        .put(ConfigKeys.ALLOW_PRIVATE_UPSTREAMS, true)
        .put(ConfigKeys.RECONCILE_INTERVAL, 30)
        // No catalog source on the internet: a test that needs one points it at a fake on 127.0.0.1.
        .put(ConfigKeys.REGISTRY_URL, "")
        .put(ConfigKeys.GLAMA_API_URL, "")
        // The fly backend's waits, short: the fake Machines API answers at once and boots in a second.
        .put(ConfigKeys.FLY_BOOT_TIMEOUT, 60)
        .put(ConfigKeys.FLY_HEALTH_TIMEOUT, 60)
        .put(ConfigKeys.FLY_WAIT_WINDOW, 1)
        .put(ConfigKeys.FLY_POLL_MILLIS, 50)
        .put(ConfigKeys.FLY_API_ATTEMPTS, 5)
        .put(ConfigKeys.FLY_API_BACKOFF_MILLIS, 20);
  }

  /** The defaults in {@code conf/config.yaml}, as the configuration loader reads them. */
  public static JsonObject defaults() {
    try (java.io.InputStream in = java.nio.file.Files.newInputStream(java.nio.file.Path.of("conf/config.yaml"))) {
      java.util.Map<String, Object> values = new org.yaml.snakeyaml.Yaml().load(in);
      return dev.catwalk.config.ConfigLoader.flatten(new JsonObject(values));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The MCP relay limits of the defaults, as {@code serve} and {@code runner} read them. */
  public static RelayOptions relayOptions() {
    return CatwalkConfig.relayOptions(defaults());
  }

  /** A checked configuration for a gateway on {@code database}. */
  public static CatwalkConfig forDatabase(DatabaseUrl database) {
    return CatwalkConfig.from(raw(libpqUrl(database, "disable")), CatwalkConfig.Purpose.SERVE);
  }

  /** {@code database} written as a libpq URL with the given sslmode. */
  public static String libpqUrl(DatabaseUrl database, String sslMode) {
    return url("postgres", database, sslMode);
  }

  /** {@code database} written with any scheme ({@code postgresql+psycopg}, ...). */
  public static String url(String scheme, DatabaseUrl database, String sslMode) {
    String auth = database.user() + (database.password().isEmpty() ? "" : ":" + database.password()) + "@";
    return scheme + "://" + auth + database.host() + ":" + database.port() + "/" + database.database()
        + "?sslmode=" + sslMode;
  }

  /** A TCP port that was free a moment ago. */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
