package dev.catwalk.cli;

import dev.catwalk.config.CatwalkConfig;
import dev.catwalk.db.Migrations;
import io.vertx.core.Vertx;
import org.flywaydb.core.api.output.MigrateResult;
import picocli.CommandLine.Command;

/** {@code catwalk migrate}: applies pending migrations and exits (Fly's {@code release_command}). */
@Command(name = "migrate", mixinStandardHelpOptions = true,
    description = "Apply pending database migrations to DATABASE_URL and exit.")
public final class MigrateCommand extends Bootstrap {

  @Override
  protected CatwalkConfig.Purpose purpose() {
    return CatwalkConfig.Purpose.MIGRATE;
  }

  @Override
  protected int run(Vertx vertx, CatwalkConfig config) {
    if (config.migrationDatabaseUrl() == null) {
      System.err.println("catwalk: migrate needs DATABASE_URL (or CATWALK_MIGRATION_DATABASE_URL)");
      return ExitCodes.USAGE;
    }
    MigrateResult result = new Migrations(vertx, config.migrationDatabaseUrl()).migrate().await();
    System.out.println("migrated " + config.migrationDatabaseUrl().location() + ": " + result.migrationsExecuted
        + " migration(s) applied, schema version " + (result.targetSchemaVersion == null
        ? result.initialSchemaVersion : result.targetSchemaVersion));
    return 0;
  }
}
