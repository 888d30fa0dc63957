package dev.catwalk;

import dev.catwalk.admin.AdminRoutes;
import dev.catwalk.admin.AdminVerticle;
import dev.catwalk.analysis.AnalysisRepository;
import dev.catwalk.analysis.AnalysisRoutes;
import dev.catwalk.analysis.AnalysisVerticle;
import dev.catwalk.catalog.CatalogRepository;
import dev.catwalk.catalog.CatalogRoutes;
import dev.catwalk.catalog.CatalogVerticle;
import dev.catwalk.config.CatwalkConfig;
import dev.catwalk.config.SettingsRepository;
import dev.catwalk.config.SettingsRoutes;
import dev.catwalk.config.SettingsVerticle;
import dev.catwalk.crypto.KeyCanary;
import dev.catwalk.crypto.KnownSecrets;
import dev.catwalk.crypto.SecretBox;
import dev.catwalk.db.Database;
import dev.catwalk.db.DatabaseLookup;
import dev.catwalk.db.DatabaseUrl;
import dev.catwalk.db.Migrations;
import dev.catwalk.deploy.Backend;
import dev.catwalk.deploy.DeploymentLogBook;
import dev.catwalk.deploy.DeploymentLogs;
import dev.catwalk.deploy.LifecycleOptions;
import dev.catwalk.deploy.DeploymentRepository;
import dev.catwalk.deploy.DeploymentRoutes;
import dev.catwalk.deploy.DeploymentSessions;
import dev.catwalk.deploy.DeploymentVerticle;
import dev.catwalk.deploy.LocalBackend;
import dev.catwalk.deploy.RemoteUpstreams;
import dev.catwalk.deploy.fly.FlyBackend;
import dev.catwalk.deploy.fly.FlyMachinesClient;
import dev.catwalk.fleet.FleetLocks;
import dev.catwalk.fleet.ReplicaId;
import dev.catwalk.http.AdminAuth;
import dev.catwalk.http.HealthRoutes;
import dev.catwalk.http.HttpVerticle;
import dev.catwalk.http.OpenApiRoute;
import dev.catwalk.http.PortInUseException;
import dev.catwalk.mcp.HttpUpstream;
import dev.catwalk.mcp.McpEndpoint;
import dev.catwalk.mcp.RelayOptions;
import dev.catwalk.oauth.OAuthBearer;
import dev.catwalk.oauth.OAuthRoutes;
import dev.catwalk.sandbox.Sandbox;
import dev.catwalk.sandbox.SessionDirectories;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The running gateway ({@code catwalk serve}): resolves the database, checks the encryption key against the
 * database's key canary ({@link KeyCanary}; a wrong key stops here, nothing written), migrates it, opens the pool,
 * deploys the admin, deployment, analysis and catalog verticles, then the HTTP verticles (REST API, MCP endpoint,
 * health). {@link #close()} shuts down in the reverse order.
 */
public final class Gateway {

  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
  /** The MCP endpoint of deployments; {@code :deploymentId} is the deployment id. */
  public static final String MCP_PATH = "/api/mcp/:" + DeploymentSessions.PATH_PARAM;

  private final Vertx vertx;
  private final CatwalkConfig config;
  private final Pool pool;
  private final McpEndpoint endpoint;
  private final List<String> verticles;
  private final Components components;
  private final DatabaseLookup.Found database;

  private Gateway(Vertx vertx, CatwalkConfig config, Pool pool, McpEndpoint endpoint, List<String> verticles,
                  Components components, DatabaseLookup.Found database) {
    this.vertx = vertx;
    this.config = config;
    this.pool = pool;
    this.endpoint = endpoint;
    this.verticles = verticles;
    this.components = components;
    this.database = database;
  }

  /** Starts a gateway; the future completes once it accepts HTTP requests. */
  public static Future<Gateway> start(Vertx vertx, CatwalkConfig config) {
    return vertx.executeBlocking(() -> requirePortsFree(config), false).compose(v -> resolveDatabase(vertx, config))
        .compose(database -> start(vertx, config.withDatabase(database.url()), database));
  }

  /** On a resolved database: the key check (writing nothing), migrations, the sandbox, then the components. */
  private static Future<Gateway> start(Vertx vertx, CatwalkConfig config, DatabaseLookup.Found database) {
    SecretBox box = new SecretBox(config.encryptionKey(), config.previousEncryptionKey());
    KeyCanary canary = new KeyCanary(box, config.databaseUrl().location());
    return checkKey(vertx, config, canary)
        .compose(v -> migrateIfEnabled(vertx, config))
        .compose(resolved -> sandbox(vertx, resolved).compose(sandbox -> new Components(vertx, resolved, database, sandbox,
            box, canary).deploy()))
        .recover(e -> database.release().get().transform(ar -> Future.failedFuture(e)));
  }

  /**
   * The configured encryption key against the database's key canary, before anything is written (migrations
   * included): a wrong key stops the start with {@link dev.catwalk.crypto.KeyMismatchException}.
   */
  private static Future<Void> checkKey(Vertx vertx, CatwalkConfig config, KeyCanary canary) {
    Pool pool = Database.pool(vertx, config.databaseUrl(), 1);
    return canary.verify(pool)
        .recover(e -> Future.failedFuture(e instanceof dev.catwalk.crypto.KeyMismatchException ? e
            : dev.catwalk.db.DatabaseException.explain("connecting to", config.databaseUrl(), e)))
        .eventually(pool::close);
  }

  /** The configuration in force, with the database actually used. */
  public CatwalkConfig config() {
    return config;
  }

  /** This gateway's replica id (see {@link ReplicaId}). */
  public String replica() {
    return components.replica;
  }

  /** The shared Postgres pool. */
  public Pool pool() {
    return pool;
  }

  /** The MCP endpoint of deployments (its open sessions). */
  public McpEndpoint mcpEndpoint() {
    return endpoint;
  }

  /** The HTTP routes as mounted (every HTTP verticle instance mounts the same), for tests and diagnostics. */
  public List<Route> routes() {
    Router router = components.router;
    return router == null ? List.of() : List.copyOf(router.getRoutes());
  }

  /** Stops accepting requests, lets in-flight ones finish (bounded by the shutdown timeout), ends sessions, closes the pool. */
  public Future<Void> close() {
    Future<Void> chain = vertx.undeploy(verticles.getLast()).eventually(endpoint::close);
    for (String id : verticles.subList(0, verticles.size() - 1).reversed()) {
      chain = chain.eventually(() -> vertx.undeploy(id));
    }
    return chain.eventually(components.oauth::close).eventually(pool::close).eventually(() -> database.release().get())
        .onComplete(ar -> LOG.info("gateway stopped"));
  }

  /** Says which setting and port are taken before anything starts (a race with another process is mapped the same way). */
  private static Void requirePortsFree(CatwalkConfig config) {
    PortInUseException.requireFree(dev.catwalk.config.ConfigKeys.PORT, config.host(), config.port());
    PortInUseException.requireFree(dev.catwalk.config.ConfigKeys.ADMIN_PORT, "127.0.0.1", config.serve().adminPort());
    return null;
  }

  private static Future<DatabaseLookup.Found> resolveDatabase(Vertx vertx, CatwalkConfig config) {
    return config.databaseUrl() != null
        ? Future.succeededFuture(DatabaseLookup.Found.external(config.databaseUrl(), "DATABASE_URL"))
        : DatabaseLookup.forServe(vertx, config.home()).resolve();
  }

  /**
   * The local backend's sandbox, checked before anything starts (bubblewrap missing: the gateway does not
   * start unless {@code CATWALK_LOCAL_SANDBOX=off}); and the session directories of gateways that were killed.
   */
  private static Future<Sandbox> sandbox(Vertx vertx, CatwalkConfig config) {
    return vertx.executeBlocking(() -> {
      SessionDirectories.removeStale();
      CatwalkConfig.ServeOptions serve = config.serve();
      Sandbox sandbox = Sandbox.create(serve.localSandbox(), toolPath(), serve.sandboxBinds(),
          config.home().resolve("sandbox"), List.of(config.home()), List.of(Path.of(System.getProperty("user.home"))));
      if (sandbox.enabled()) {
        LOG.info("local MCP servers run sandboxed ({})", sandbox.describe());
      } else {
        LOG.warn("""
            !!! CATWALK_LOCAL_SANDBOX=off: local MCP servers run WITHOUT A SANDBOX, as this gateway's user. \
            Any server can read this user's files and other servers' processes. Use this only where every \
            deployed server is trusted (see docs/security.md).""");
      }
      return sandbox;
    }, false);
  }

  /** Where bubblewrap and prlimit are looked up: the gateway's own {@code PATH}, then the system's. */
  private static String toolPath() {
    return java.util.Objects.requireNonNullElse(System.getenv("PATH"), "") + java.io.File.pathSeparator + "/usr/bin";
  }

  private static Future<CatwalkConfig> migrateIfEnabled(Vertx vertx, CatwalkConfig config) {
    if (!config.migrateOnStart()) {
      return Future.succeededFuture(config);
    }
    return new Migrations(vertx, config.migrationDatabaseUrl()).migrate()
        .onSuccess(result -> LOG.info("database schema at version {} ({} migrations applied now)",
            result.targetSchemaVersion == null ? "unchanged" : result.targetSchemaVersion, result.migrationsExecuted))
        .map(config);
  }

  /** The objects of one gateway and the order they start in. */
  private static final class Components {
    private final Vertx vertx;
    private final CatwalkConfig config;
    private final Pool pool;
    private final SecretBox box;
    private final KeyCanary canary;
    private final DeploymentRepository deployments;
    private final SettingsRepository settings;
    private final DeploymentLogs logs;
    private final Map<String, Backend> backends;
    private final McpEndpoint endpoint;
    private final HealthRoutes health;
    private final OAuthRoutes oauth;
    private final String replica = ReplicaId.of(System.getenv());
    private final List<String> started = new ArrayList<>();
    private final DatabaseLookup.Found database;
    private OpenApiRoute openApi;
    private volatile Router router;

    Components(Vertx vertx, CatwalkConfig config, DatabaseLookup.Found database, Sandbox sandbox, SecretBox box,
               KeyCanary canary) {
      this.vertx = vertx;
      this.config = config;
      this.database = database;
      this.pool = Database.pool(vertx, config.databaseUrl(), config.poolSize());
      this.box = box;
      this.canary = canary;
      this.deployments = new DeploymentRepository(pool);
      this.settings = new SettingsRepository(pool, box, config.serve().settingsFromEnv(), Map.of(
          "catalogRegistryEnabled", config.serve().catalog().registryEnabled(),
          "catalogGlamaEnabled", config.serve().catalog().glamaEnabled()));
      CatwalkConfig.ServeOptions serve = config.serve();
      LifecycleOptions lifecycle = serve.deployments();
      this.logs = new DeploymentLogs(vertx.eventBus(), new KnownSecrets(config.secretValues()));
      RemoteUpstreams remotes = (url, headers) -> new HttpUpstream(vertx,
          new HttpUpstream.Spec(url, headers, lifecycle.remoteConnectTimeout(), RelayOptions.MAX_MESSAGE_BYTES));
      Map<String, Backend> available = new java.util.LinkedHashMap<>();
      RemoteUpstreams publicRemotes = lifecycle.allowPrivateUpstreams() ? remotes : (url, headers) -> new HttpUpstream(vertx,
          new HttpUpstream.Spec(url, headers, lifecycle.remoteConnectTimeout(), RelayOptions.MAX_MESSAGE_BYTES),
          dev.catwalk.deploy.PublicAddresses::isPublic);
      available.put(LocalBackend.NAME, new LocalBackend(vertx, lifecycle.localPath(), lifecycle.allowPrivateUpstreams(),
          publicRemotes, sandbox));
      if (serve.fly().configured()) {
        FlyMachinesClient machines = new FlyMachinesClient(vertx, serve.fly().apiUrl(), this::flyToken,
            serve.fly().timing().apiAttempts(), serve.fly().timing().apiBackoff());
        available.put(FlyBackend.NAME, new FlyBackend(vertx, serve.fly(), machines, remotes));
      }
      this.backends = Map.copyOf(available);
      RelayOptions relay = config.relay().withDnsRebindingProtection(config.bindsLoopback())
          .withAllowedOrigins(serve.allowedOrigins());
      this.endpoint = new McpEndpoint(vertx, relay,
          new DeploymentSessions(vertx, deployments, box, backends, logs, new dev.catwalk.oauth.Resources(config.publicUrl()),
              lifecycle.limitDefaults()), serve.admission());
      this.oauth = new OAuthRoutes(vertx, pool, config.publicUrl(), deployments, serve.oauth(),
          grant -> endpoint.endSessions(session -> OAuthBearer.credentialId(grant).equals(session.credentialId())));
      this.health = new HealthRoutes(vertx, pool, config.databaseUrl());
    }

    /**
     * The replica's advisory locks, on a direct session.
     */
    private FleetLocks fleetLocks() {
      return new FleetLocks(vertx, directDatabase().toPgConnectOptions(), replica);
    }

    /** Where the replica's long-lived sessions (advisory locks, LISTEN) connect: the migration URL. */
    private DatabaseUrl directDatabase() {
      DatabaseUrl direct = config.migrationDatabaseUrl();
      if (direct.pgbouncer()) {
        LOG.warn("the reconciler lock and fleet notifications need a direct database session, but {} is a"
            + " transaction-pooling proxy: set {} to the direct URL", direct.location(),
            dev.catwalk.config.ConfigKeys.MIGRATION_DATABASE_URL);
      }
      return direct;
    }

    private Future<String> flyToken() {
      String configured = config.serve().fly().apiToken();
      if (configured != null) {
        return Future.succeededFuture(configured);
      }
      return settings.value("flyApiToken").map(token -> token.orElseThrow(() -> new Backend.ProvisioningException(
          "no Fly API token: set CATWALK_FLY_API_TOKEN, FLY_API_TOKEN or the flyApiToken setting")));
    }

    Future<Gateway> deploy() {
      return canary.establish(pool)
          .compose(v -> OpenApiRoute.load(vertx, config.publicUrl()))
          .onSuccess(route -> openApi = route)
          .compose(route -> vertx.deployVerticle(new AdminVerticle(endpoint, pool, box, config.adminToken(),
              config.serve().adminPort())))
          .onSuccess(started::add)
          .compose(id -> vertx.deployVerticle(oauth.adminVerticle()))
          .onSuccess(started::add)
          .compose(id -> vertx.deployVerticle(new SettingsVerticle(settings)))
          .onSuccess(started::add)
          .compose(id -> vertx.deployVerticle(new DeploymentLogBook(config.serve().deployments().logLines())))
          .onSuccess(started::add)
          .compose(id -> vertx.deployVerticle(new DeploymentVerticle(deployments, box, backends, logs,
              config.publicUrl(), config.serve().deployments().reconcileInterval(),
              config.serve().deployments().provisionWait(), config.serve().deployments().limitDefaults(),
              fleetLocks(), replica)))
          .onSuccess(started::add)
          .compose(id -> vertx.deployVerticle(new AnalysisVerticle(config.serve().analysis(), settings,
              new AnalysisRepository(pool))))
          .onSuccess(started::add)
          .compose(id -> vertx.deployVerticle(new CatalogVerticle(
              CatalogVerticle.Options.defaults(config.serve().catalog()), new CatalogRepository(pool), settings,
              backends)))
          .onSuccess(started::add)
          .compose(id -> vertx.deployVerticle(() -> new HttpVerticle(config.host(), config.port(),
              config.shutdownTimeout(), this::mountRoutes), new DeploymentOptions().setInstances(config.httpInstances())))
          .recover(e -> Future.failedFuture(PortInUseException.isBindFailure(e)
              ? new PortInUseException(dev.catwalk.config.ConfigKeys.PORT, config.host(), config.port()) : e))
          .onSuccess(started::add)
          .onSuccess(id -> LOG.info("Catwalk listening on {}:{} (public URL {})", config.host(), config.port(),
              config.publicUrl()))
          .map(id -> new Gateway(vertx, config, pool, endpoint, List.copyOf(started), this, database))
          .recover(e -> undeployStarted().transform(ar -> Future.failedFuture(e)));
    }

    private Future<Void> undeployStarted() {
      Future<Void> chain = Future.succeededFuture();
      for (String id : started.reversed()) {
        chain = chain.eventually(() -> vertx.undeploy(id));
      }
      return chain.eventually(endpoint::close).eventually(oauth::close).eventually(pool::close);
    }

    private void mountRoutes(Router router) {
      health.mount(vertx, router);
      oauth.mountPublic(router);
      new dev.catwalk.console.ConsoleRoutes(vertx, oauth).mount(router);
      oauth.mountBeforeMcp(router, MCP_PATH);
      openApi.mount(router); // public documentation: before the admin token
      endpoint.mount(router, MCP_PATH);
      String api = "^/api/(?!mcp/).*";
      router.routeWithRegex(api).handler(new AdminAuth(config.adminToken()));
      router.routeWithRegex(api).handler(BodyHandler.create(false).setBodyLimit(config.serve().apiMaxBodyBytes()));
      DeploymentRoutes.mount(vertx, router);
      AnalysisRoutes.mount(vertx, router);
      CatalogRoutes.mount(vertx, router);
      SettingsRoutes.mount(vertx, router);
      AdminRoutes.mount(vertx, router);
      OAuthRoutes.mountAdmin(vertx, router);
      this.router = router;
    }
  }
}
