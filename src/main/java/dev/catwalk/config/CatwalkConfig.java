package dev.catwalk.config;

import dev.catwalk.analysis.AnalysisVerticle;
import dev.catwalk.catalog.CatalogOptions;
import dev.catwalk.db.DatabaseUrl;
import dev.catwalk.db.InvalidDatabaseUrlException;
import dev.catwalk.deploy.LifecycleOptions;
import dev.catwalk.deploy.fly.FlyOptions;
import dev.catwalk.deploy.fly.FlyTiming;
import dev.catwalk.mcp.RelayOptions;
import dev.catwalk.oauth.ClientMetadataDocuments;
import dev.catwalk.oauth.OAuthOptions;
import io.netty.util.NetUtil;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Catwalk's configuration, read once and checked as a whole: {@link #from} reports every problem
 * in one {@link ConfigException} and never echoes a secret value.
 *
 * @param port               HTTP port
 * @param host               bind address
 * @param databaseUrl        the database, or null when none is configured (a developer machine)
 * @param migrationDatabaseUrl database for migrations; the same as {@code databaseUrl} unless set apart
 * @param poolSize           maximum Postgres connections
 * @param migrateOnStart     whether {@code serve} migrates before serving
 * @param encryptionKey      32-byte AES key, or null where the command needs none
 * @param previousEncryptionKey the key before the last rotation, or null
 * @param adminToken         admin bearer token, or null where the command needs none
 * @param publicUrl          base URL clients use, without a trailing slash
 * @param shutdownTimeout    grace period for in-flight requests on SIGTERM
 * @param httpInstances      HTTP verticle instances
 * @param home               directory for local developer state
 * @param serve              what only the gateway's deployments, sessions and admin channel need
 * @param relay              the MCP relay's limits ({@code CATWALK_MCP_*}; origins and DNS-rebinding protection
 *                           are set by the command that serves)
 */
public record CatwalkConfig(int port, String host, DatabaseUrl databaseUrl, DatabaseUrl migrationDatabaseUrl,
                            int poolSize, boolean migrateOnStart, byte[] encryptionKey,
                            byte[] previousEncryptionKey, String adminToken, String publicUrl,
                            Duration shutdownTimeout, int httpInstances, Path home, ServeOptions serve,
                            RelayOptions relay) {

  /** What the running command needs from the configuration. */
  public enum Purpose {
    /** The gateway: everything, secrets included. */
    SERVE,
    /** Migrations only: a database. */
    MIGRATE,
    /** {@code catwalk admin}: the admin token and the admin channel's port. */
    ADMIN
  }

  private static final int MIN_ADMIN_TOKEN_LENGTH = 16;

  /**
   * Checks and converts the merged raw configuration.
   *
   * @throws ConfigException listing every problem found
   */
  public static CatwalkConfig from(JsonObject raw, Purpose purpose) {
    return new Reader(raw).read(purpose);
  }

  /**
   * Only the MCP relay's limits ({@code catwalk runner} reads nothing else: its environment is the
   * server's, whatever it holds).
   *
   * @throws ConfigException listing every problem found
   */
  public static RelayOptions relayOptions(JsonObject raw) {
    Reader reader = new Reader(raw);
    RelayOptions relay = reader.relayOptions();
    reader.failOnProblems();
    return relay;
  }

  /** {@code CATWALK_HOME} when unset: {@code .catwalk} in the user's home ({@code $HOME}, else the account's). */
  public static Path defaultHome() {
    String home = System.getenv("HOME");
    return Path.of(home == null || home.isBlank() ? System.getProperty("user.home") : home, ".catwalk");
  }

  /** True when the bind address is a loopback address (a developer machine or a sidecar). */
  public boolean bindsLoopback() {
    return isLoopback(host);
  }

  /**
   * True when {@code host} is this machine's loopback: {@code localhost}, an IPv4 literal in 127.0.0.0/8 or the
   * IPv6 literal {@code ::1} (with or without brackets). A name that merely starts with {@code 127.} is not
   * (DNS rebinding: {@code 127.0.0.1.nip.io} resolves wherever its owner likes).
   */
  public static boolean isLoopback(String host) {
    if (host == null) {
      return false;
    }
    String h = host.strip().toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    if (h.equals("localhost")) {
      return true;
    }
    if (NetUtil.isValidIpV4Address(h)) {
      return h.startsWith("127.");
    }
    byte[] v6 = NetUtil.isValidIpV6Address(h) && !h.contains(".") ? NetUtil.createByteArrayFromIpAddressString(h) : null;
    return v6 != null && v6.length == 16 && java.util.Arrays.equals(v6, IPV6_LOOPBACK);
  }

  private static final byte[] IPV6_LOOPBACK = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

  /**
   * The gateway's own secret values in clear (admin token, encryption keys as configured, database passwords,
   * API tokens from the environment): what logs must never show.
   */
  public List<String> secretValues() {
    List<String> values = new ArrayList<>();
    values.add(adminToken);
    for (byte[] key : new byte[][] {encryptionKey, previousEncryptionKey}) {
      if (key != null) {
        values.add(Base64.getEncoder().encodeToString(key));
      }
    }
    for (DatabaseUrl database : new DatabaseUrl[] {databaseUrl, migrationDatabaseUrl}) {
      if (database != null) {
        values.add(database.password());
      }
    }
    if (serve != null) {
      values.addAll(serve.settingsFromEnv().values());
      values.add(serve.fly().apiToken());
    }
    return values.stream().filter(v -> v != null && !v.isEmpty()).distinct().toList();
  }

  /**
   * This configuration with the database actually used (after resolving a developer database); a migration
   * URL given apart is kept when {@code database} is the configured one.
   */
  public CatwalkConfig withDatabase(DatabaseUrl database) {
    DatabaseUrl migrations = database.equals(databaseUrl) && migrationDatabaseUrl != null ? migrationDatabaseUrl
        : database;
    return new CatwalkConfig(port, host, database, migrations, poolSize, migrateOnStart, encryptionKey,
        previousEncryptionKey, adminToken, publicUrl, shutdownTimeout, httpInstances, home, serve, relay);
  }

  /**
   * Settings of the running gateway beyond HTTP and the database, one record per section, each next to
   * the code that uses it.
   *
   * @param adminPort          loopback TCP port of the admin event-bus bridge ({@code catwalk admin}); 0 turns it off
   * @param allowedOrigins     browser origins allowed on the MCP endpoint besides loopback ones
   * @param settingsFromEnv    settings given in the environment (they win over stored ones), by setting name
   * @param apiMaxBodyBytes    largest REST request body
   * @param deployments        the deployments' lifecycle and the local backend
   * @param fly                the fly backend's settings
   * @param analysis           repository analysis: GitHub, the optional LLM step, their limits
   * @param catalog            the catalog's sources and sync intervals
   * @param localSandbox       {@code on} or {@code off}: whether local MCP servers run inside bubblewrap
   * @param sandboxBinds       host paths every sandboxed server may read
   * @param admission          the share of the node's sessions one deployment may hold, the initialize rate per token
   * @param oauth              the built-in OAuth authorization server
   */
  public record ServeOptions(int adminPort, List<String> allowedOrigins, java.util.Map<String, String> settingsFromEnv,
                             int apiMaxBodyBytes, LifecycleOptions deployments, FlyOptions fly,
                             AnalysisVerticle.Options analysis, CatalogOptions catalog, String localSandbox,
                             List<String> sandboxBinds, dev.catwalk.mcp.AdmissionOptions admission,
                             OAuthOptions oauth) {
    public ServeOptions {
      allowedOrigins = List.copyOf(allowedOrigins);
      settingsFromEnv = java.util.Map.copyOf(settingsFromEnv);
      sandboxBinds = List.copyOf(sandboxBinds);
    }
  }

  @Override
  public String toString() {
    return "CatwalkConfig[port=" + port + ", host=" + host + ", database="
        + (databaseUrl == null ? "(local)" : databaseUrl.masked()) + ", publicUrl=" + publicUrl + "]";
  }

  /** Reads one raw configuration, collecting problems instead of stopping at the first. */
  private static final class Reader {
    private final JsonObject raw;
    private final List<String> problems = new ArrayList<>();

    Reader(JsonObject raw) {
      this.raw = raw;
    }

    CatwalkConfig read(Purpose purpose) {
      int port = integer(ConfigKeys.PORT, 0, 65535);
      String host = required(ConfigKeys.HOST);
      String pgbouncer = required(ConfigKeys.DB_PGBOUNCER);
      if (!List.of("auto", "true", "false").contains(pgbouncer.toLowerCase(Locale.ROOT))) {
        problems.add(ConfigKeys.DB_PGBOUNCER + ": '" + pgbouncer + "' is not one of auto, true, false");
      }
      DatabaseUrl database = database(ConfigKeys.DATABASE_URL, pgbouncer);
      DatabaseUrl migrationDatabase = database(ConfigKeys.MIGRATION_DATABASE_URL, pgbouncer);
      int poolSize = integer(ConfigKeys.DB_POOL_SIZE, 1, 1000);
      boolean migrateOnStart = bool(ConfigKeys.MIGRATE_ON_START);
      byte[] key = aesKey(ConfigKeys.ENCRYPTION_KEY, purpose == Purpose.SERVE);
      byte[] previousKey = aesKey(ConfigKeys.ENCRYPTION_KEY_PREVIOUS, false);
      String adminToken = adminToken(purpose);
      String publicUrl = publicUrl(host, port);
      int shutdownSeconds = integer(ConfigKeys.SHUTDOWN_TIMEOUT, 0, 3600);
      int instances = integer(ConfigKeys.HTTP_INSTANCES, 0, 256);
      Path home = Path.of(text(ConfigKeys.HOME, defaultHome().toString()));
      ServeOptions serve = serveOptions();
      RelayOptions relay = relayOptions();
      failOnProblems();
      return new CatwalkConfig(port, host, database, migrationDatabase != null ? migrationDatabase : database,
          poolSize, migrateOnStart, key, previousKey, adminToken, publicUrl, Duration.ofSeconds(shutdownSeconds),
          instances == 0 ? Runtime.getRuntime().availableProcessors() : instances, home, serve, relay);
    }

    void failOnProblems() {
      if (!problems.isEmpty()) {
        throw new ConfigException(problems);
      }
    }

    RelayOptions relayOptions() {
      return new RelayOptions(integer(ConfigKeys.MCP_MAX_SESSIONS, 1, 1_000_000),
          integer(ConfigKeys.MCP_MAX_BODY_BYTES, 1024, RelayOptions.MAX_MESSAGE_BYTES),
          seconds(ConfigKeys.MCP_REQUEST_TIMEOUT, 1, 86_400), seconds(ConfigKeys.MCP_IDLE_TIMEOUT, 1, 604_800),
          seconds(ConfigKeys.MCP_KEEP_ALIVE, 1, 3600), integer(ConfigKeys.MCP_REPLAY_EVENTS, 0, 100_000),
          integer(ConfigKeys.MCP_PENDING_MESSAGES, 0, 100_000), List.of(), false,
          seconds(ConfigKeys.MCP_HANDSHAKE_TIMEOUT, 1, 3600));
    }

    private Duration seconds(String key, int min, int max) {
      return Duration.ofSeconds(integer(key, min, max));
    }

    private ServeOptions serveOptions() {
      int adminPort = integer(ConfigKeys.ADMIN_PORT, 0, 65535);
      java.util.Map<String, String> settings = new java.util.LinkedHashMap<>();
      ConfigKeys.SETTINGS.forEach((setting, key) -> {
        String value = text(key, "");
        if (!value.isEmpty()) {
          settings.put(setting, value);
        }
      });
      List<String> origins = java.util.Arrays.stream(text(ConfigKeys.ALLOWED_ORIGINS, "").split(","))
          .map(String::strip).filter(o -> !o.isEmpty()).toList();
      return new ServeOptions(adminPort, origins, settings, integer(ConfigKeys.API_MAX_BODY_BYTES, 1024, 1 << 30),
          deploymentOptions(), flyOptions(), analysisOptions(), catalogOptions(), localSandbox(),
          list(ConfigKeys.SANDBOX_BIND), new dev.catwalk.mcp.AdmissionOptions(integer(ConfigKeys.MCP_DEPLOYMENT_SHARE, 1,
          100), integer(ConfigKeys.MCP_INITIALIZE_BURST, 1, 100_000),
          integer(ConfigKeys.MCP_INITIALIZE_PER_MINUTE, 1, 1_000_000)), oauthOptions());
    }

    private OAuthOptions oauthOptions() {
      String caFile = text(ConfigKeys.OAUTH_CIMD_CA_FILE, "");
      if (!caFile.isEmpty() && !java.nio.file.Files.isReadable(Path.of(caFile))) {
        problems.add(ConfigKeys.OAUTH_CIMD_CA_FILE + ": '" + caFile + "' is not a readable file");
      }
      return new OAuthOptions(seconds(ConfigKeys.OAUTH_ACCESS_TOKEN_TTL, 1, 86_400),
          seconds(ConfigKeys.OAUTH_REFRESH_TOKEN_TTL, 1, 31_536_000), seconds(ConfigKeys.OAUTH_CODE_TTL, 1, 600),
          new ClientMetadataDocuments.Options(bool(ConfigKeys.OAUTH_CIMD_ENABLED),
              seconds(ConfigKeys.OAUTH_CIMD_TIMEOUT, 1, 60), seconds(ConfigKeys.OAUTH_CIMD_CACHE_TTL, 0, 86_400),
              bool(ConfigKeys.OAUTH_CIMD_ALLOW_PRIVATE), caFile.isEmpty() ? null : caFile));
    }

    private LifecycleOptions deploymentOptions() {
      String localPath = text(ConfigKeys.LOCAL_PATH, java.util.Objects.requireNonNullElse(System.getenv("PATH"), ""));
      return new LifecycleOptions(localPath, bool(ConfigKeys.ALLOW_PRIVATE_UPSTREAMS),
          seconds(ConfigKeys.RECONCILE_INTERVAL, 1, 86_400), seconds(ConfigKeys.PROVISION_WAIT, 1, 3600),
          integer(ConfigKeys.DEPLOYMENT_LOG_LINES, 1, 100_000), seconds(ConfigKeys.REMOTE_CONNECT_TIMEOUT, 1, 600),
          new dev.catwalk.deploy.DeploymentLimits.Defaults(
              integer(ConfigKeys.DEPLOYMENT_MAX_SESSIONS, 1, dev.catwalk.deploy.DeploymentLimits.MAX),
              integer(ConfigKeys.DEPLOYMENT_MAX_SESSIONS_PER_TOKEN, 1, dev.catwalk.deploy.DeploymentLimits.MAX)));
    }

    private AnalysisVerticle.Options analysisOptions() {
      java.util.Set<String> githubHosts = java.util.Arrays.stream(text(ConfigKeys.GITHUB_HOSTS, "").split(","))
          .map(h -> h.strip().toLowerCase(Locale.ROOT)).filter(h -> !h.isEmpty())
          .collect(java.util.stream.Collectors.toCollection(java.util.LinkedHashSet::new));
      String model = text(ConfigKeys.LLM_MODEL, "");
      return new AnalysisVerticle.Options(httpUrl(ConfigKeys.GITHUB_API_URL), githubHosts,
          httpUrl(ConfigKeys.LLM_BASE_URL), model.isEmpty() ? null : model, seconds(ConfigKeys.GITHUB_TIMEOUT, 1, 600),
          seconds(ConfigKeys.LLM_TIMEOUT, 1, 3600), integer(ConfigKeys.ANALYSIS_MAX_API_CALLS, 1, 10_000),
          integer(ConfigKeys.ANALYSIS_MAX_FILE_BYTES, 1024, 64 * 1024 * 1024));
    }

    private String localSandbox() {
      String value = switch (required(ConfigKeys.LOCAL_SANDBOX).toLowerCase(Locale.ROOT)) {
        case "true" -> "on";
        case "false" -> "off";
        case String other -> other;
      };
      if (!List.of("on", "off").contains(value)) {
        problems.add(ConfigKeys.LOCAL_SANDBOX + ": '" + value + "' is not on or off");
        return "on";
      }
      return value;
    }

    private List<String> list(String key) {
      return java.util.Arrays.stream(text(key, "").split(",")).map(String::strip).filter(v -> !v.isEmpty()).toList();
    }

    private CatalogOptions catalogOptions() {
      String registry = text(ConfigKeys.REGISTRY_URL, "");
      String glama = text(ConfigKeys.GLAMA_API_URL, "");
      return new CatalogOptions(registry.isEmpty() ? null : httpUrl(ConfigKeys.REGISTRY_URL),
          bool(ConfigKeys.REGISTRY_ENABLED), glama.isEmpty() ? null : httpUrl(ConfigKeys.GLAMA_API_URL),
          bool(ConfigKeys.GLAMA_ENABLED), seconds(ConfigKeys.CATALOG_SYNC_INTERVAL, 1, 604_800),
          seconds(ConfigKeys.GLAMA_SYNC_INTERVAL, 1, 604_800));
    }

    private String httpUrl(String key) {
      String value = required(key);
      try {
        URI uri = new URI(value);
        if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null
            && uri.getUserInfo() == null) {
          return value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
        }
      } catch (URISyntaxException e) {
        // reported below
      }
      problems.add(key + ": not an http(s) URL without user info (the value is not shown: it may hold a secret)");
      return null;
    }

    private FlyOptions flyOptions() {
      String apiUrl = required(ConfigKeys.FLY_API_URL);
      if (!apiUrl.startsWith("http://") && !apiUrl.startsWith("https://")) {
        problems.add(ConfigKeys.FLY_API_URL + ": '" + apiUrl + "' is not an http(s) URL");
      }
      String guest = required(ConfigKeys.FLY_GUEST);
      String[] parts = guest.split(":");
      int cpus = 1;
      int memory = 512;
      if (parts.length != 3 || !List.of("shared", "performance").contains(parts[0])
          || !parts[1].matches("[1-9][0-9]?") || !parts[2].matches("[1-9][0-9]{2,5}")
          || Integer.parseInt(parts[2]) % 256 != 0) {
        problems.add(ConfigKeys.FLY_GUEST + ": '" + guest + "' is not CPU_KIND:CPUS:MEMORY_MB (e.g. shared:1:512;"
            + " memory a multiple of 256)");
        parts = new String[] {"shared", "1", "512"};
      } else {
        cpus = Integer.parseInt(parts[1]);
        memory = Integer.parseInt(parts[2]);
      }
      int runnerPort = integer(ConfigKeys.FLY_RUNNER_PORT, 1, 65535);
      String machineUrl = text(ConfigKeys.FLY_MACHINE_URL, "http://{machine_id}.vm.{app}.internal:" + runnerPort + "/mcp");
      String prefix = required(ConfigKeys.FLY_APP_PREFIX);
      if (!prefix.matches("[a-z][a-z0-9-]{0,30}")) {
        problems.add(ConfigKeys.FLY_APP_PREFIX + ": lower-case letters, digits and hyphens, starting with a letter");
      }
      String org = nullIfEmpty(text(ConfigKeys.FLY_ORG, ""));
      String image = nullIfEmpty(text(ConfigKeys.FLY_IMAGE, ""));
      return new FlyOptions(apiUrl.replaceAll("/+$", ""), nullIfEmpty(text(ConfigKeys.FLY_API_TOKEN_OVERRIDE, "")),
          org, nullIfEmpty(text(ConfigKeys.FLY_REGION, "")), image, parts[0], cpus, memory, machineUrl, runnerPort,
          prefix, org != null && image != null ? flyTiming() : null);
    }

    private FlyTiming flyTiming() {
      return new FlyTiming(Duration.ofSeconds(integer(ConfigKeys.FLY_BOOT_TIMEOUT, 1, 3600)),
          Duration.ofSeconds(integer(ConfigKeys.FLY_HEALTH_TIMEOUT, 1, 3600)),
          Duration.ofSeconds(integer(ConfigKeys.FLY_WAIT_WINDOW, 1, 60)),
          Duration.ofMillis(integer(ConfigKeys.FLY_POLL_MILLIS, 10, 60_000)),
          integer(ConfigKeys.FLY_API_ATTEMPTS, 1, 20),
          Duration.ofMillis(integer(ConfigKeys.FLY_API_BACKOFF_MILLIS, 1, 60_000)));
    }

    private static String nullIfEmpty(String value) {
      return value.isEmpty() ? null : value;
    }

    private String required(String key) {
      String value = text(key, "");
      if (value.isEmpty()) {
        problems.add(key + ": missing");
      }
      return value;
    }

    private String text(String key, String fallback) {
      Object value = raw.getValue(key);
      String text = value == null ? "" : String.valueOf(value).strip();
      return text.isEmpty() ? fallback : text;
    }

    private int integer(String key, int min, int max) {
      String value = text(key, "");
      if (value.isEmpty()) {
        problems.add(key + ": missing");
        return min;
      }
      try {
        int number = Integer.parseInt(value);
        if (number >= min && number <= max) {
          return number;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      problems.add(key + ": '" + value + "' is not a whole number from " + min + " to " + max);
      return min;
    }

    private boolean bool(String key) {
      String value = text(key, "").toLowerCase(Locale.ROOT);
      return switch (value) {
        case "true", "yes", "on", "1" -> true;
        case "false", "no", "off", "0" -> false;
        default -> {
          problems.add(key + ": '" + value + "' is not true or false");
          yield false;
        }
      };
    }

    private DatabaseUrl database(String key, String pgbouncer) {
      String url = text(key, "");
      if (url.isEmpty()) {
        return null;
      }
      try {
        return DatabaseUrl.parse(url, pgbouncer);
      } catch (InvalidDatabaseUrlException e) {
        problems.add(key + ": " + e.getMessage().replace("\n", "\n    "));
        return null;
      }
    }

    private byte[] aesKey(String key, boolean required) {
      String value = text(key, "");
      if (value.isEmpty()) {
        if (required) {
          problems.add(key + ": missing (generate one with: openssl rand -base64 32)");
        }
        return null;
      }
      try {
        byte[] bytes = Base64.getDecoder().decode(value);
        if (bytes.length == 32) {
          return bytes;
        }
        problems.add(key + ": must be base64 of exactly 32 bytes, got " + bytes.length + " bytes");
      } catch (IllegalArgumentException e) {
        problems.add(key + ": is not valid base64 (generate one with: openssl rand -base64 32)");
      }
      return null;
    }

    private String adminToken(Purpose purpose) {
      String value = text(ConfigKeys.ADMIN_TOKEN, "");
      if (value.isEmpty()) {
        if (purpose == Purpose.SERVE) {
          problems.add(ConfigKeys.ADMIN_TOKEN + ": missing (generate one with: openssl rand -hex 32)");
        } else if (purpose == Purpose.ADMIN) {
          problems.add(ConfigKeys.ADMIN_TOKEN + ": missing (set it to the running gateway's admin token)");
        }
        return null;
      }
      if (value.length() < MIN_ADMIN_TOKEN_LENGTH) {
        problems.add(ConfigKeys.ADMIN_TOKEN + ": too short (at least " + MIN_ADMIN_TOKEN_LENGTH + " characters)");
      }
      return value;
    }

    private String publicUrl(String host, int port) {
      String fallback = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
      String value = text(ConfigKeys.PUBLIC_URL, fallback);
      try {
        URI uri = new URI(value);
        if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
          return value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
        }
      } catch (URISyntaxException e) {
        // reported below
      }
      problems.add(ConfigKeys.PUBLIC_URL + ": '" + value + "' is not an http(s) URL");
      return fallback;
    }
  }
}
