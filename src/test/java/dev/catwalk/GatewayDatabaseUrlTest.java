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

/**
 * "What must just work" #1: the same database as a Fly-style URL, as a SQLAlchemy URL and as libpq
 * key=value settings all migrate (Flyway over JDBC) and serve (the reactive pool).
 */
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

  @Test
  void libpqKeyValueSettingsOfTheSameDatabaseMigrateAndServe() {
    DatabaseUrl database = resources.database();
    String password = database.password().replace("\\", "\\\\").replace("'", "\\'");
    assertServesReady("host=" + database.host() + " port = " + database.port() + " dbname='" + database.database()
        + "' user=" + database.user() + " password='" + password + "' sslmode=disable");
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
