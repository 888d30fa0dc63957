package dev.catwalk.db;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.output.MigrateResult;

import java.util.Arrays;
import java.util.Objects;

/**
 * Flyway migrations from {@code src/main/resources/db/migration}. Every call runs Flyway's JDBC
 * work on a worker thread, never on an event loop.
 */
public final class Migrations {

  /** Where the migration scripts live on the class path. */
  public static final String LOCATION = "classpath:db/migration";
  /** Flyway's history table, read by the readiness check. */
  public static final String HISTORY_TABLE = "flyway_schema_history";

  private final Vertx vertx;
  private final DatabaseUrl url;

  public Migrations(Vertx vertx, DatabaseUrl url) {
    this.vertx = Objects.requireNonNull(vertx);
    this.url = Objects.requireNonNull(url);
  }

  /** Applies pending migrations; fails with a {@link DatabaseException} that explains why. */
  public Future<MigrateResult> migrate() {
    return vertx.<MigrateResult>executeBlocking(() -> flyway().migrate(), false)
        .recover(e -> Future.failedFuture(DatabaseException.explain("migrating", url, e)));
  }

  /** The newest migration version this build carries (what a current database must have applied). */
  public Future<String> latestVersion() {
    return vertx.executeBlocking(() -> Arrays.stream(flyway().info().all())
        .map(MigrationInfo::getVersion)
        .filter(Objects::nonNull)
        .max(MigrationVersion::compareTo)
        .map(MigrationVersion::getVersion)
        .orElse(""), false);
  }

  private Flyway flyway() {
    return Flyway.configure()
        .dataSource(url.jdbcUrl(), url.user(), url.password())
        .locations(LOCATION)
        .table(HISTORY_TABLE)
        .cleanDisabled(true)
        // Helpers hold reserved numbers (V3, V4, V6…) that can land after a higher one was applied: apply them
        // out of order instead of failing validation on databases that already have the higher version.
        .outOfOrder(true)
        .connectRetries(0)
        .loggers("slf4j")
        .load();
  }
}
