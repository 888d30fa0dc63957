package dev.catwalk;

import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.config.CatwalkConfig;
import dev.catwalk.db.DatabaseUrl;
import dev.catwalk.http.HealthRoutes;
import dev.catwalk.testsupport.TestConfig;
import dev.catwalk.testsupport.TestDatabase;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** "What must just work" #1: the same database as a Fly-style URL and as a SQLAlchemy URL both migrate and serve. */
class GatewayDatabaseUrlTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.withDatabase();


  @Test
  void flyStyleUrlMigratesAndServes() {
    assertServesReady(TestConfig.url("postgres", resources.database(), "disable"));
  }

  @Test
  void psycopgStyleUrlOfTheSameDatabaseMigratesAndServes() {
    assertServesReady(TestConfig.url("postgresql+psycopg", resources.database(), "disable"));
  }

  private static void assertServesReady(String url) {
    CatwalkConfig config = CatwalkConfig.from(TestConfig.raw(url), CatwalkConfig.Purpose.SERVE);
    Gateway gateway = Gateway.start(resources.vertx(), config).await();
    try {
      int status = WebClient.create(resources.vertx()).get(config.port(), "127.0.0.1", HealthRoutes.READY_PATH).send().await()
          .statusCode();
      assertThat(status).isEqualTo(200);
    } finally {
      gateway.close().await();
    }
  }
}
