package dev.catwalk.http;

import dev.catwalk.db.Database;
import dev.catwalk.db.DatabaseUrl;
import dev.catwalk.db.Migrations;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code GET /health/live} (200 while the process serves) and {@code GET /health/ready} (200 only
 * when Postgres answers and every migration this build carries is applied; 503 otherwise, with a
 * JSON body naming the failing check). Neither reveals connection details.
 */
public final class HealthRoutes {

  /** Liveness path (Fly restarts Machines that fail it). */
  public static final String LIVE_PATH = "/health/live";
  /** Readiness path (Fly's load balancer and deploy checks use it). */
  public static final String READY_PATH = "/health/ready";
  /** Name of the database check in the readiness body. */
  public static final String DATABASE_CHECK = "database";
  /** Name of the migrations check in the readiness body. */
  public static final String MIGRATIONS_CHECK = "migrations";

  private static final long CHECK_TIMEOUT_MILLIS = 3_000;
  private static final String APPLIED_VERSION =
      "SELECT 1 FROM " + Migrations.HISTORY_TABLE + " WHERE success AND version = $1";

  private final Pool pool;
  private final DatabaseUrl url;
  private final Migrations migrations;
  private final AtomicReference<String> expectedVersion = new AtomicReference<>();

  public HealthRoutes(Vertx vertx, Pool pool, DatabaseUrl url) {
    this.pool = pool;
    this.url = url;
    this.migrations = new Migrations(vertx, url);
  }

  /** Mounts both endpoints on {@code router}. */
  public void mount(Vertx vertx, Router router) {
    HealthChecks live = HealthChecks.create(vertx).register("process", promise -> promise.complete(Status.OK()));
    HealthChecks ready = HealthChecks.create(vertx)
        .register(DATABASE_CHECK, CHECK_TIMEOUT_MILLIS, this::checkDatabase)
        .register(MIGRATIONS_CHECK, CHECK_TIMEOUT_MILLIS * 3, this::checkMigrations);
    router.get(LIVE_PATH).handler(HealthCheckHandler.createWithHealthChecks(live));
    router.get(READY_PATH).handler(HealthCheckHandler.createWithHealthChecks(ready));
  }

  private void checkDatabase(Promise<Status> promise) {
    Database.ping(pool, url, CHECK_TIMEOUT_MILLIS)
        .map(v -> Status.OK())
        .otherwise(e -> Status.KO(new JsonObject().put("reason", "the database does not answer")))
        .onComplete(promise);
  }

  private void checkMigrations(Promise<Status> promise) {
    expectedVersion()
        .compose(this::isApplied)
        .otherwise(e -> Status.KO(new JsonObject().put("reason", "the migration state cannot be read")))
        .onComplete(promise);
  }

  private Future<Status> isApplied(String version) {
    if (version.isEmpty()) {
      return Future.succeededFuture(Status.OK());
    }
    return pool.preparedQuery(APPLIED_VERSION).execute(Tuple.of(version))
        .map(rows -> rows.size() > 0 ? Status.OK()
            : Status.KO(new JsonObject().put("reason", "migrations pending").put("expected", version)));
  }

  private Future<String> expectedVersion() {
    String known = expectedVersion.get();
    if (known != null) {
      return Future.succeededFuture(known);
    }
    return migrations.latestVersion().onSuccess(expectedVersion::set);
  }
}
