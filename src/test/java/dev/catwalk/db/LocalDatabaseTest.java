package dev.catwalk.db;

import dev.catwalk.testsupport.TestConfig;
import dev.catwalk.testsupport.TestDatabase;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The developer-machine fallback when DATABASE_URL is unset, against the real test server. */
class LocalDatabaseTest {

  private static Vertx vertx;

  @BeforeAll
  static void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void tearDown() {
    vertx.close().await();
  }

  @Test
  void usesAndCreatesTheDatabaseOnALocalServer() {
    DatabaseUrl admin = TestDatabase.admin();
    String name = "cw_local_" + UUID.randomUUID().toString().substring(0, 8);
    LocalDatabase local = new LocalDatabase(vertx, admin.host(), admin.port(), name, () -> false);
    try {
      DatabaseUrl resolved = local.resolve().await();

      assertThat(resolved.database()).isEqualTo(name);
      assertThat(resolved.sslMode()).isEqualTo("disable");
      assertThat(local.resolve().await().database()).as("a second start reuses it").isEqualTo(name);
      new Migrations(vertx, resolved).migrate().await();
    } finally {
      Database.dropDatabase(vertx, admin, name).await();
    }
  }

  @Test
  void withoutAServerOrDockerSaysHowToPointCatwalkAtADatabase() {
    int closedPort = TestConfig.freePort();
    LocalDatabase local = new LocalDatabase(vertx, "127.0.0.1", closedPort, "catwalk", () -> false);

    assertThatThrownBy(() -> local.resolve().await())
        .isInstanceOf(DatabaseException.class)
        .hasMessageContaining("DATABASE_URL is not set")
        .hasMessageContaining("no Docker engine")
        .hasMessageContaining("export DATABASE_URL=postgres://");
  }
}
