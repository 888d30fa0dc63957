package dev.catwalk.config;

/**
 * Every configuration key Catwalk reads. Defaults live in {@code conf/config.yaml} (only there), grouped
 * in sections; an environment variable of the same name overrides the file (Fly secrets and {@code [env]}
 * arrive that way). {@code docs/configuration.md} has one row per key.
 */
public final class ConfigKeys {

  /** TCP port the gateway listens on; 1–65535, default 8080. */
  public static final String PORT = "PORT";
  /** Address the gateway binds; default 127.0.0.1 (use 0.0.0.0 or :: in containers). */
  public static final String HOST = "HOST";
  /** Postgres URL in any accepted form; unset on a developer machine means "find a local database". */
  public static final String DATABASE_URL = "DATABASE_URL";
  /** Optional separate URL for migrations (a direct connection where DATABASE_URL goes through pgbouncer). */
  public static final String MIGRATION_DATABASE_URL = "CATWALK_MIGRATION_DATABASE_URL";
  /** {@code auto} (detect from host/port), {@code true} or {@code false}: the database is behind pgbouncer. */
  public static final String DB_PGBOUNCER = "CATWALK_DB_PGBOUNCER";
  /** Maximum connections in the gateway's Postgres pool. */
  public static final String DB_POOL_SIZE = "CATWALK_DB_POOL_SIZE";
  /** Whether {@code serve} applies pending migrations before it starts serving. */
  public static final String MIGRATE_ON_START = "CATWALK_MIGRATE_ON_START";
  /** Base64 of 32 random bytes: the AES-256-GCM key for secrets at rest. Secret. */
  public static final String ENCRYPTION_KEY = "CATWALK_ENCRYPTION_KEY";
  /** The previous encryption key, for reading values written before a rotation. Secret. */
  public static final String ENCRYPTION_KEY_PREVIOUS = "CATWALK_ENCRYPTION_KEY_PREVIOUS";
  /** Bearer token for the admin REST API; at least 16 characters. Secret. */
  public static final String ADMIN_TOKEN = "CATWALK_ADMIN_TOKEN";
  /** Public base URL clients use to reach this gateway (for the MCP URLs it hands out). */
  public static final String PUBLIC_URL = "CATWALK_PUBLIC_URL";
  /** Seconds that in-flight requests get to finish after SIGTERM before the process exits. */
  public static final String SHUTDOWN_TIMEOUT = "CATWALK_SHUTDOWN_TIMEOUT";
  /** Number of HTTP verticle instances; 0 means one per core. */
  public static final String HTTP_INSTANCES = "CATWALK_HTTP_INSTANCES";
  /** Largest REST request body in bytes (the MCP endpoint has {@link #MCP_MAX_BODY_BYTES}). */
  public static final String API_MAX_BODY_BYTES = "CATWALK_API_MAX_BODY_BYTES";
  /** Directory for local state on a developer machine (generated development secrets). */
  public static final String HOME = "CATWALK_HOME";

  /** Loopback TCP port of the admin event-bus bridge used by {@code catwalk admin}; 0 turns it off. */
  public static final String ADMIN_PORT = "CATWALK_ADMIN_PORT";
  /** {@code PATH} for local MCP server processes (and where their runtimes npx, uvx, docker are looked up). */
  public static final String LOCAL_PATH = "CATWALK_LOCAL_PATH";
  /**
   * {@code on} (default): local MCP servers run inside bubblewrap, and {@code serve} refuses to start the local
   * backend without it; {@code off}: they run as plain child processes of the gateway's user (a loud warning).
   */
  public static final String LOCAL_SANDBOX = "CATWALK_LOCAL_SANDBOX";
  /** Comma-separated host paths every sandboxed server may read (runtimes or files outside {@code /usr}). */
  public static final String SANDBOX_BIND = "CATWALK_SANDBOX_BIND";
  /** Whether remote MCP server URLs may point at loopback or private addresses (off: no SSRF through Catwalk). */
  public static final String ALLOW_PRIVATE_UPSTREAMS = "CATWALK_ALLOW_PRIVATE_UPSTREAMS";
  /** Comma-separated browser origins allowed on the MCP endpoint besides loopback ones ({@code *}: any). */
  public static final String ALLOWED_ORIGINS = "CATWALK_ALLOWED_ORIGINS";
  /** Seconds between reconciliations of deployments with their backends. */
  public static final String RECONCILE_INTERVAL = "CATWALK_RECONCILE_INTERVAL";
  /** Seconds a create or update waits for provisioning before it answers (the deployment goes on starting). */
  public static final String PROVISION_WAIT = "CATWALK_PROVISION_WAIT";
  /** Log lines kept per deployment (the newest). */
  public static final String DEPLOYMENT_LOG_LINES = "CATWALK_DEPLOYMENT_LOG_LINES";
  /** Default of a deployment's {@code limits.maxSessions}: its open sessions on this node at most. */
  public static final String DEPLOYMENT_MAX_SESSIONS = "CATWALK_DEPLOYMENT_MAX_SESSIONS";
  /** Default of a deployment's {@code limits.maxSessionsPerToken}: open sessions of one access token at most. */
  public static final String DEPLOYMENT_MAX_SESSIONS_PER_TOKEN = "CATWALK_DEPLOYMENT_MAX_SESSIONS_PER_TOKEN";
  /** Seconds a connection to a remote MCP server or a Fly runner may take to open. */
  public static final String REMOTE_CONNECT_TIMEOUT = "CATWALK_REMOTE_CONNECT_TIMEOUT";
  /** Seconds a GitHub API request of an analysis may take. */
  public static final String GITHUB_TIMEOUT = "CATWALK_GITHUB_TIMEOUT";
  /** Seconds the analysis LLM step may take. */
  public static final String LLM_TIMEOUT = "CATWALK_LLM_TIMEOUT";
  /** GitHub API calls one analysis may make. */
  public static final String ANALYSIS_MAX_API_CALLS = "CATWALK_ANALYSIS_MAX_API_CALLS";
  /** Largest repository file an analysis reads, in bytes. */
  public static final String ANALYSIS_MAX_FILE_BYTES = "CATWALK_ANALYSIS_MAX_FILE_BYTES";
  /** Base URL of the GitHub REST API used by repository analysis ({@code https://HOST/api/v3} for GitHub Enterprise). */
  public static final String GITHUB_API_URL = "CATWALK_GITHUB_API_URL";
  /** Comma-separated hosts accepted in repository URLs besides github.com (GitHub Enterprise). */
  public static final String GITHUB_HOSTS = "CATWALK_GITHUB_HOSTS";
  /** Base URL of the OpenAI-compatible chat completions API of the optional analysis LLM step. */
  public static final String LLM_BASE_URL = "CATWALK_LLM_BASE_URL";
  /** Model of the analysis LLM step; the step runs only when this and the {@code openrouterApiKey} setting are set. */
  public static final String LLM_MODEL = "CATWALK_LLM_MODEL";
  /** OpenRouter API key for repository analysis (setting {@code openrouterApiKey}); wins over the stored one. Secret. */
  public static final String OPENROUTER_API_KEY = "OPENROUTER_API_KEY";
  /** Fly.io API token for the fly backend (setting {@code flyApiToken}); wins over the stored one. Secret. */
  public static final String FLY_API_TOKEN = "FLY_API_TOKEN";
  /** GitHub token for repository analysis (setting {@code githubToken}); wins over the stored one. Secret. */
  public static final String GITHUB_TOKEN = "GITHUB_TOKEN";

  /** Setting names (as in {@code /api/settings}) and the environment variable that overrides each. */
  public static final java.util.Map<String, String> SETTINGS = java.util.Collections.unmodifiableMap(
      new java.util.LinkedHashMap<>(java.util.Map.of("openrouterApiKey", OPENROUTER_API_KEY,
          "flyApiToken", FLY_API_TOKEN, "githubToken", GITHUB_TOKEN)));

  /** Base URL of the Fly Machines API ({@code http://_api.internal:4280} from inside Fly). */
  public static final String FLY_API_URL = "CATWALK_FLY_API_URL";
  /** Fly API token for the fly backend (an org token: it creates apps); wins over the {@code flyApiToken} setting. Secret. */
  public static final String FLY_API_TOKEN_OVERRIDE = "CATWALK_FLY_API_TOKEN";
  /** Fly organization slug the fly backend creates apps in; the fly backend is offered once this and the image are set. */
  public static final String FLY_ORG = "CATWALK_FLY_ORG";
  /** Fly region for new Machines (empty: near the API's caller). */
  public static final String FLY_REGION = "CATWALK_FLY_REGION";
  /** The runner image Machines boot (see deploy/runner). */
  public static final String FLY_IMAGE = "CATWALK_FLY_IMAGE";
  /** Machine size: {@code CPU_KIND:CPUS:MEMORY_MB}, e.g. {@code shared:1:512}. */
  public static final String FLY_GUEST = "CATWALK_FLY_GUEST";
  /** How the gateway reaches a Machine's runner; {@code {machine_id}}, {@code {app}}, {@code {private_ip}} are filled in. */
  public static final String FLY_MACHINE_URL = "CATWALK_FLY_MACHINE_URL";
  /** Port the runner listens on inside each Machine. */
  public static final String FLY_RUNNER_PORT = "CATWALK_FLY_RUNNER_PORT";
  /** Prefix of the per-deployment Fly app names (the rest is the deployment id's first 12 hex digits). */
  public static final String FLY_APP_PREFIX = "CATWALK_FLY_APP_PREFIX";
  /** Seconds a new or updated Machine may take to reach {@code started} before its deployment fails. */
  public static final String FLY_BOOT_TIMEOUT = "CATWALK_FLY_BOOT_TIMEOUT";
  /** Seconds a started Machine's runner may take to answer {@code /health} before its deployment fails. */
  public static final String FLY_HEALTH_TIMEOUT = "CATWALK_FLY_HEALTH_TIMEOUT";
  /** Longest single Machines API {@code wait} call, 1–60 s; the Machine's state is checked between calls. */
  public static final String FLY_WAIT_WINDOW = "CATWALK_FLY_WAIT_WINDOW";
  /** Milliseconds between {@code /health} requests to a booting runner. */
  public static final String FLY_POLL_MILLIS = "CATWALK_FLY_POLL_MILLIS";
  /** Tries per Machines API request that is safe to repeat (408, 429, 5xx, no answer). */
  public static final String FLY_API_ATTEMPTS = "CATWALK_FLY_API_ATTEMPTS";
  /** Milliseconds before the first retry of a Machines API request; doubled per retry, {@code Retry-After} wins. */
  public static final String FLY_API_BACKOFF_MILLIS = "CATWALK_FLY_API_BACKOFF_MILLIS";

  /** MCP relay: open sessions at most on this node; more get 503 with Retry-After. */
  public static final String MCP_MAX_SESSIONS = "CATWALK_MCP_MAX_SESSIONS";
  /** MCP relay: largest POST body in bytes; larger gets 413. */
  public static final String MCP_MAX_BODY_BYTES = "CATWALK_MCP_MAX_BODY_BYTES";
  /** MCP relay: seconds a request may wait for the server's answer before it gets a JSON-RPC error. */
  public static final String MCP_REQUEST_TIMEOUT = "CATWALK_MCP_REQUEST_TIMEOUT";
  /** MCP relay: seconds without traffic after which a session and its server process are ended. */
  public static final String MCP_IDLE_TIMEOUT = "CATWALK_MCP_IDLE_TIMEOUT";
  /** MCP relay: seconds a client has, after the answer to initialize, to send anything more before its session ends. */
  public static final String MCP_HANDSHAKE_TIMEOUT = "CATWALK_MCP_HANDSHAKE_TIMEOUT";
  /** MCP relay: seconds between keep-alive comments on open event streams. */
  public static final String MCP_KEEP_ALIVE = "CATWALK_MCP_KEEP_ALIVE";
  /** MCP relay: events kept per stream for resumption with Last-Event-ID. */
  public static final String MCP_REPLAY_EVENTS = "CATWALK_MCP_REPLAY_EVENTS";
  /** MCP relay: server messages kept while no stream can carry them. */
  public static final String MCP_PENDING_MESSAGES = "CATWALK_MCP_PENDING_MESSAGES";
  /** MCP sessions (serve): percent of {@link #MCP_MAX_SESSIONS} one deployment may hold, whatever its own limits. */
  public static final String MCP_DEPLOYMENT_SHARE = "CATWALK_MCP_DEPLOYMENT_SHARE";
  /** MCP sessions (serve): initialize requests one access token may send at once before the rate applies. */
  public static final String MCP_INITIALIZE_BURST = "CATWALK_MCP_INITIALIZE_BURST";
  /** MCP sessions (serve): sustained initialize requests per minute and access token (more get 429). */
  public static final String MCP_INITIALIZE_PER_MINUTE = "CATWALK_MCP_INITIALIZE_PER_MINUTE";
  /** The MCP relay's keys, in documentation order. */
  public static final java.util.List<String> MCP = java.util.List.of(MCP_MAX_SESSIONS, MCP_MAX_BODY_BYTES,
      MCP_REQUEST_TIMEOUT, MCP_IDLE_TIMEOUT, MCP_HANDSHAKE_TIMEOUT, MCP_KEEP_ALIVE, MCP_REPLAY_EVENTS,
      MCP_PENDING_MESSAGES);

  /** OAuth: seconds an access token of the built-in authorization server is good. */
  public static final String OAUTH_ACCESS_TOKEN_TTL = "CATWALK_OAUTH_ACCESS_TOKEN_TTL";
  /** OAuth: seconds a refresh token is good (each use rotates it: the new one is good this long again). */
  public static final String OAUTH_REFRESH_TOKEN_TTL = "CATWALK_OAUTH_REFRESH_TOKEN_TTL";
  /** OAuth: seconds an authorization code is good. */
  public static final String OAUTH_CODE_TTL = "CATWALK_OAUTH_CODE_TTL";
  /** OAuth: whether {@code https} client ids name client ID metadata documents that the gateway fetches. */
  public static final String OAUTH_CIMD_ENABLED = "CATWALK_OAUTH_CIMD_ENABLED";
  /** OAuth: seconds a fetch of a client ID metadata document may take. */
  public static final String OAUTH_CIMD_TIMEOUT = "CATWALK_OAUTH_CIMD_TIMEOUT";
  /** OAuth: longest time in seconds a fetched client ID metadata document is used before it is fetched again. */
  public static final String OAUTH_CIMD_CACHE_TTL = "CATWALK_OAUTH_CIMD_CACHE_TTL";
  /** OAuth: whether client ID metadata documents may be fetched from loopback, private or other non-public addresses. */
  public static final String OAUTH_CIMD_ALLOW_PRIVATE = "CATWALK_OAUTH_CIMD_ALLOW_PRIVATE";
  /** OAuth: PEM file of CA certificates trusted, instead of the JVM's, for fetching client ID metadata documents. */
  public static final String OAUTH_CIMD_CA_FILE = "CATWALK_OAUTH_CIMD_CA_FILE";
  /** The OAuth keys, in documentation order. */
  public static final java.util.List<String> OAUTH = java.util.List.of(OAUTH_ACCESS_TOKEN_TTL,
      OAUTH_REFRESH_TOKEN_TTL, OAUTH_CODE_TTL, OAUTH_CIMD_ENABLED, OAUTH_CIMD_TIMEOUT,
      OAUTH_CIMD_CACHE_TTL, OAUTH_CIMD_ALLOW_PRIVATE, OAUTH_CIMD_CA_FILE);

  /** Base URL of the official MCP Registry or a sub-registry with its API, without the API version. */
  public static final String REGISTRY_URL = "CATWALK_REGISTRY_URL";
  /** Whether the catalog mirrors the registry (the {@code catalogRegistryEnabled} setting overrides it). */
  public static final String REGISTRY_ENABLED = "CATWALK_REGISTRY_ENABLED";
  /** Base URL of Glama's MCP directory API ({@code /v1/servers} is appended). */
  public static final String GLAMA_API_URL = "CATWALK_GLAMA_API_URL";
  /** Whether the catalog mirrors Glama's directory (the {@code catalogGlamaEnabled} setting overrides it). */
  public static final String GLAMA_ENABLED = "CATWALK_GLAMA_ENABLED";
  /** Seconds between the catalog's syncs of the registry (changes since the last one). */
  public static final String CATALOG_SYNC_INTERVAL = "CATWALK_CATALOG_SYNC_INTERVAL";
  /** Seconds between the catalog's full crawls of Glama's directory (it offers no changes-since query). */
  public static final String GLAMA_SYNC_INTERVAL = "CATWALK_GLAMA_SYNC_INTERVAL";

  /** Switches in {@code /api/settings} (plain booleans; a stored value wins) and the key that gives each default. */
  public static final java.util.Map<String, String> SWITCHES = java.util.Collections.unmodifiableMap(
      new java.util.LinkedHashMap<>(java.util.Map.of("catalogRegistryEnabled", REGISTRY_ENABLED,
          "catalogGlamaEnabled", GLAMA_ENABLED)));

  /** Keys whose values are never printed. */
  public static final java.util.Set<String> SECRETS =
      java.util.Set.of(ENCRYPTION_KEY, ENCRYPTION_KEY_PREVIOUS, ADMIN_TOKEN, DATABASE_URL, MIGRATION_DATABASE_URL,
          OPENROUTER_API_KEY, FLY_API_TOKEN, GITHUB_TOKEN, FLY_API_TOKEN_OVERRIDE);

  /** All keys, in documentation order; the environment store reads only these. */
  public static final java.util.List<String> ALL = java.util.stream.Stream.concat(java.util.stream.Stream.of(PORT, HOST,
      DATABASE_URL, MIGRATION_DATABASE_URL,
      DB_PGBOUNCER, DB_POOL_SIZE, MIGRATE_ON_START, ENCRYPTION_KEY, ENCRYPTION_KEY_PREVIOUS, ADMIN_TOKEN, PUBLIC_URL,
      SHUTDOWN_TIMEOUT, HTTP_INSTANCES, API_MAX_BODY_BYTES, HOME, ADMIN_PORT, LOCAL_PATH, LOCAL_SANDBOX, SANDBOX_BIND, ALLOW_PRIVATE_UPSTREAMS,
      ALLOWED_ORIGINS, RECONCILE_INTERVAL, PROVISION_WAIT, DEPLOYMENT_LOG_LINES, DEPLOYMENT_MAX_SESSIONS,
      DEPLOYMENT_MAX_SESSIONS_PER_TOKEN, REMOTE_CONNECT_TIMEOUT,
      OPENROUTER_API_KEY, FLY_API_TOKEN, GITHUB_TOKEN, FLY_API_URL, FLY_API_TOKEN_OVERRIDE, FLY_ORG, FLY_REGION,
      FLY_IMAGE, FLY_GUEST, FLY_MACHINE_URL, FLY_RUNNER_PORT, FLY_APP_PREFIX, GITHUB_API_URL, GITHUB_HOSTS, LLM_BASE_URL,
      LLM_MODEL, GITHUB_TIMEOUT, LLM_TIMEOUT, ANALYSIS_MAX_API_CALLS, ANALYSIS_MAX_FILE_BYTES, FLY_BOOT_TIMEOUT, FLY_HEALTH_TIMEOUT, FLY_WAIT_WINDOW, FLY_POLL_MILLIS, FLY_API_ATTEMPTS,
      FLY_API_BACKOFF_MILLIS,
      REGISTRY_URL, REGISTRY_ENABLED, GLAMA_API_URL, GLAMA_ENABLED, CATALOG_SYNC_INTERVAL, GLAMA_SYNC_INTERVAL),
      java.util.stream.Stream.of(MCP.stream(), java.util.stream.Stream.of(MCP_DEPLOYMENT_SHARE, MCP_INITIALIZE_BURST,
          MCP_INITIALIZE_PER_MINUTE), OAUTH.stream()).flatMap(s -> s)).toList();

  private ConfigKeys() {
  }
}
