package dev.catwalk.db;

import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.TestConfig;
import dev.catwalk.testsupport.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The developer-machine fallback when DATABASE_URL is unset, against the real test server. */
class LocalDatabaseTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.vertxOnly();


  @Test
  void usesAndCreatesTheDatabaseOnALocalServer() {
    DatabaseUrl admin = TestDatabase.admin();
    String name = "cw_local_" + UUID.randomUUID().toString().substring(0, 8);
    LocalDatabase local = new LocalDatabase(resources.vertx(), admin.host(), admin.port(), name, () -> false);
    try {
      DatabaseUrl resolved = local.resolve().await();

      assertThat(resolved.database()).isEqualTo(name);
      assertThat(resolved.sslMode()).isEqualTo("disable");
      assertThat(local.resolve().await().database()).as("a second start reuses it").isEqualTo(name);
      new Migrations(resources.vertx(), resolved).migrate().await();
    } finally {
      TestDatabase.drop(resources.vertx(), admin, name);
    }
  }

  @Test
  void withoutAServerOrDockerSaysHowToPointCatwalkAtADatabase() {
    int closedPort = TestConfig.freePort();
    LocalDatabase local = new LocalDatabase(resources.vertx(), "127.0.0.1", closedPort, "catwalk", () -> false);

    assertThatThrownBy(() -> local.resolve().await())
        .isInstanceOf(DatabaseException.class)
        .hasMessageContaining("DATABASE_URL is not set")
        .hasMessageContaining("no Docker engine")
        .hasMessageContaining("export DATABASE_URL=postgres://");
  }
}
