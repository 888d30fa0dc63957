package dev.catwalk;

import dev.catwalk.config.CatwalkConfig;
import dev.catwalk.db.Database;
import dev.catwalk.db.DatabaseUrl;
import dev.catwalk.db.LocalDatabase;
import dev.catwalk.db.Migrations;
import dev.catwalk.http.HealthRoutes;
import dev.catwalk.http.HttpVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running gateway ({@code catwalk serve}): resolves the database, migrates it, opens the pool
 * and deploys the verticles. {@link #close()} shuts down in the reverse order.
 */
public final class Gateway {

  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

  private final Vertx vertx;
  private final CatwalkConfig config;
  private final Pool pool;
  private final String httpDeployment;

  private Gateway(Vertx vertx, CatwalkConfig config, Pool pool, String httpDeployment) {
    this.vertx = vertx;
    this.config = config;
    this.pool = pool;
    this.httpDeployment = httpDeployment;
  }

  /** Starts a gateway; the future completes once it accepts HTTP requests. */
  public static Future<Gateway> start(Vertx vertx, CatwalkConfig config) {
    return resolveDatabase(vertx, config)
        .compose(database -> migrateIfEnabled(vertx, config.withDatabase(database)))
        .compose(resolved -> deploy(vertx, resolved));
  }

  /** The configuration in force, with the database actually used. */
  public CatwalkConfig config() {
    return config;
  }

  /** The shared Postgres pool. */
  public Pool pool() {
    return pool;
  }

  /** Stops accepting requests, lets in-flight ones finish (bounded by the shutdown timeout), closes the pool. */
  public Future<Void> close() {
    return vertx.undeploy(httpDeployment)
        .eventually(pool::close)
        .onComplete(ar -> LOG.info("gateway stopped"));
  }

  private static Future<DatabaseUrl> resolveDatabase(Vertx vertx, CatwalkConfig config) {
    return config.databaseUrl() != null ? Future.succeededFuture(config.databaseUrl())
        : LocalDatabase.standard(vertx).resolve();
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

  private static Future<Gateway> deploy(Vertx vertx, CatwalkConfig config) {
    Pool pool = Database.pool(vertx, config.databaseUrl(), config.poolSize());
    HealthRoutes health = new HealthRoutes(vertx, pool, config.databaseUrl());
    return vertx.deployVerticle(
            () -> new HttpVerticle(config.host(), config.port(), config.shutdownTimeout(),
                router -> mountRoutes(vertx, router, health)),
            new DeploymentOptions().setInstances(config.httpInstances()))
        .onSuccess(id -> LOG.info("Catwalk listening on {}:{} (public URL {})", config.host(), config.port(),
            config.publicUrl()))
        .map(id -> new Gateway(vertx, config, pool, id))
        .onFailure(e -> pool.close());
  }

  private static void mountRoutes(Vertx vertx, Router router, HealthRoutes health) {
    health.mount(vertx, router);
  }
}
