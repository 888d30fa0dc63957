package dev.catwalk.db;

import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.TestConfig;
import dev.catwalk.testsupport.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The database lookup when DATABASE_URL is unset: the local server step against the real test server, and the failure. */
class LocalDatabaseTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.vertxOnly();

  @Test
  void usesAndCreatesTheDatabaseOnALocalServer() {
    DatabaseUrl admin = TestDatabase.admin();
    String name = "cw_local_" + UUID.randomUUID().toString().substring(0, 8);
    LocalDatabase local = new LocalDatabase(resources.vertx(), admin.host(), admin.port(), name);
    try {
      DatabaseUrl resolved = local.attempt().await().url();

      assertThat(resolved.database()).isEqualTo(name);
      assertThat(resolved.sslMode()).isEqualTo("disable");
      assertThat(local.attempt().await().url().database()).as("a second start reuses it").isEqualTo(name);
      new Migrations(resources.vertx(), resolved).migrate().await();
    } finally {
      TestDatabase.drop(resources.vertx(), admin, name);
    }
  }

  @Test
  void withNothingAvailableTheFailureNamesEachStepAndHowToSetTheUrl() {
    int closedPort = TestConfig.freePort();
    DatabaseLookup lookup = new DatabaseLookup("DATABASE_URL",
        List.of(new LocalDatabase(resources.vertx(), "127.0.0.1", closedPort, "catwalk")));

    assertThatThrownBy(() -> lookup.resolve().await())
        .isInstanceOf(DatabaseException.class)
        .hasMessageContaining("DATABASE_URL is not set")
        .hasMessageContaining("a local Postgres on 127.0.0.1:" + closedPort + ": nothing answers there")
        .hasMessageContaining("export DATABASE_URL=postgres://");
  }
}
