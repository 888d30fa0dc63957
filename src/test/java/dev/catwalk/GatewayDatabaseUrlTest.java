package dev.catwalk;

import dev.catwalk.config.CatwalkConfig;
import dev.catwalk.db.DatabaseUrl;
import dev.catwalk.http.HealthRoutes;
import dev.catwalk.testsupport.TestConfig;
import dev.catwalk.testsupport.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** "What must just work" #1: the same database as a Fly-style URL and as a SQLAlchemy URL both migrate and serve. */
class GatewayDatabaseUrlTest {

  private static Vertx vertx;
  private static DatabaseUrl database;

  @BeforeAll
  static void setUp() {
    vertx = Vertx.vertx();
    database = TestDatabase.create(vertx, GatewayDatabaseUrlTest.class);
  }

  @AfterAll
  static void tearDown() {
    TestDatabase.drop(vertx, database);
    vertx.close().await();
  }

  @Test
  void flyStyleUrlMigratesAndServes() {
    assertServesReady(TestConfig.url("postgres", database, "disable"));
  }

  @Test
  void psycopgStyleUrlOfTheSameDatabaseMigratesAndServes() {
    assertServesReady(TestConfig.url("postgresql+psycopg", database, "disable"));
  }

  private static void assertServesReady(String url) {
    CatwalkConfig config = CatwalkConfig.from(TestConfig.raw(url), CatwalkConfig.Purpose.SERVE);
    Gateway gateway = Gateway.start(vertx, config).await();
    try {
      int status = WebClient.create(vertx).get(config.port(), "127.0.0.1", HealthRoutes.READY_PATH).send().await()
          .statusCode();
      assertThat(status).isEqualTo(200);
    } finally {
      gateway.close().await();
    }
  }
}
