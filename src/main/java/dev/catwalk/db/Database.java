package dev.catwalk.db;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Tuple;

import java.util.concurrent.TimeUnit;

/** Creates the reactive Postgres pool and checks that a database answers. */
public final class Database {

  /** Connect timeout when the URL sets none. */
  public static final int DEFAULT_CONNECT_TIMEOUT_MILLIS = 5_000;

  private Database() {
  }

  /** A pool for {@code url}; connections are opened lazily. */
  public static Pool pool(Vertx vertx, DatabaseUrl url, int maxSize) {
    return PgBuilder.pool()
        .with(new PoolOptions()
            .setMaxSize(maxSize)
            .setConnectionTimeout(url.connectTimeoutMillis(DEFAULT_CONNECT_TIMEOUT_MILLIS) * 2)
            .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS)
            .setIdleTimeout(300).setIdleTimeoutUnit(TimeUnit.SECONDS)
            .setMaxLifetime(600).setMaxLifetimeUnit(TimeUnit.SECONDS))
        .with(new NetClientOptions().setConnectTimeout(url.connectTimeoutMillis(DEFAULT_CONNECT_TIMEOUT_MILLIS)))
        .connectingTo(url.toPgConnectOptions())
        .using(vertx)
        .build();
  }

  /** Runs {@code SELECT 1}; fails with an explained {@link DatabaseException}. */
  public static Future<Void> ping(Pool pool, DatabaseUrl url, long timeoutMillis) {
    return pool.query("SELECT 1").execute()
        .timeout(timeoutMillis, TimeUnit.MILLISECONDS)
        .<Void>mapEmpty()
        .recover(e -> Future.failedFuture(DatabaseException.explain("connecting to", url, e)));
  }

  /**
   * Creates database {@code name} on the server {@code admin} points at, unless it exists.
   * Names are restricted to lower-case letters, digits and underscores.
   */
  public static Future<DatabaseUrl> ensureDatabase(Vertx vertx, DatabaseUrl admin, String name) {
    requireSafeName(name);
    Pool pool = pool(vertx, admin, 1);
    return pool.preparedQuery("SELECT 1 FROM pg_database WHERE datname = $1").execute(Tuple.of(name))
        .compose(rows -> rows.size() > 0 ? Future.<Void>succeededFuture() : createDatabase(pool, name))
        .map(v -> admin.withDatabase(name))
        .recover(e -> Future.failedFuture(DatabaseException.explain("creating database " + name + " on", admin, e)))
        .eventually(pool::close);
  }

  private static Future<Void> createDatabase(Pool pool, String name) {
    return pool.query("CREATE DATABASE " + name).execute().<Void>mapEmpty()
        .recover(e -> alreadyCreatedConcurrently(e) ? Future.succeededFuture() : Future.failedFuture(e));
  }

  private static boolean alreadyCreatedConcurrently(Throwable e) {
    return e.getMessage() != null && e.getMessage().contains("already exists");
  }

  private static void requireSafeName(String name) {
    if (!name.matches("[a-z_][a-z0-9_]{0,62}")) {
      throw new IllegalArgumentException("unsafe database name: " + name);
    }
  }
}
