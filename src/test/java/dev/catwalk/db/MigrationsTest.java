package dev.catwalk.db;

import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.TestDatabase;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class MigrationsTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.withDatabase();


  @Test
  void createsTheSchemaOnceAndIsIdempotent() {
    Migrations migrations = new Migrations(resources.vertx(), resources.database());

    MigrateResult first = migrations.migrate().await();
    MigrateResult second = migrations.migrate().await();

    assertThat(first.migrationsExecuted).isGreaterThanOrEqualTo(1);
    assertThat(second.migrationsExecuted).isZero();
    assertThat(migrations.latestVersion().await()).isEqualTo(first.targetSchemaVersion);
    assertThat(tables()).contains("deployments", "deployment_secrets", "access_tokens", "analyses", "settings",
        "audit_events");
  }

  private List<String> tables() {
    Pool pool = Database.pool(resources.vertx(), resources.database(), 1);
    try {
      List<String> names = new ArrayList<>();
      for (Row row : pool.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
          .execute().await()) {
        names.add(row.getString(0));
      }
      return names;
    } finally {
      pool.close().await();
    }
  }
}
