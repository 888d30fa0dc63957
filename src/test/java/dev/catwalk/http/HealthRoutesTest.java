package dev.catwalk.http;

import dev.catwalk.Gateway;
import dev.catwalk.error.Problem;
import dev.catwalk.config.CatwalkConfig;
import dev.catwalk.db.DatabaseUrl;
import dev.catwalk.testsupport.TcpProxy;
import dev.catwalk.testsupport.TestConfig;
import dev.catwalk.testsupport.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code serve} against the real database, reached through a proxy the test can cut. */
class HealthRoutesTest {

  private static Vertx vertx;
  private static DatabaseUrl database;
  private static TcpProxy proxy;
  private static Gateway gateway;
  private static WebClient client;

  @BeforeAll
  static void setUp() {
    vertx = Vertx.vertx();
    database = TestDatabase.create(vertx, HealthRoutesTest.class);
    proxy = TcpProxy.start(vertx, database.host(), database.port());
    DatabaseUrl viaProxy = new DatabaseUrl("127.0.0.1", proxy.port(), database.database(), database.user(),
        database.password(), "disable", null, "catwalk", 1, false, java.util.List.of());
    CatwalkConfig config = TestConfig.forDatabase(viaProxy);
    gateway = Gateway.start(vertx, config).await();
    client = WebClient.create(vertx);
  }

  @AfterAll
  static void tearDown() {
    gateway.close().await();
    proxy.close();
    TestDatabase.drop(vertx, database);
    vertx.close().await();
  }

  @Test
  void readyAndLiveWhileTheDatabaseAnswersThenNotReadyWhenItVanishes() {
    HttpResponse<Buffer> ready = get(HealthRoutes.READY_PATH);
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.bodyAsJsonObject().getString("outcome")).isEqualTo("UP");

    proxy.cut();
    try {
      HttpResponse<Buffer> down = get(HealthRoutes.READY_PATH);
      HttpResponse<Buffer> live = get(HealthRoutes.LIVE_PATH);

      assertThat(down.statusCode()).isEqualTo(503);
      JsonObject databaseCheck = check(down.bodyAsJsonObject(), HealthRoutes.DATABASE_CHECK);
      assertThat(databaseCheck.getString("status")).isEqualTo("DOWN");
      assertThat(down.bodyAsString())
          .doesNotContain(String.valueOf(proxy.port()))
          .doesNotContain("127.0.0.1")
          .doesNotContain(database.database())
          .doesNotContain(database.user() + "@");
      assertThat(live.statusCode()).as("liveness does not depend on the database").isEqualTo(200);
    } finally {
      proxy.restore();
    }
    assertThat(get(HealthRoutes.READY_PATH).statusCode()).as("ready again once the database is back").isEqualTo(200);
  }

  @Test
  void notReadyWhileMigrationsArePending() {
    DatabaseUrl empty = TestDatabase.create(vertx, HealthRoutesTest.class);
    Gateway noMigrations = Gateway.start(vertx, unmigrated(empty)).await();
    try {
      HttpResponse<Buffer> ready = client.get(noMigrations.config().port(), "127.0.0.1", HealthRoutes.READY_PATH)
          .send().await();

      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(check(ready.bodyAsJsonObject(), HealthRoutes.MIGRATIONS_CHECK).getString("status")).isEqualTo("DOWN");
      assertThat(check(ready.bodyAsJsonObject(), HealthRoutes.DATABASE_CHECK).getString("status")).isEqualTo("UP");
    } finally {
      noMigrations.close().await();
      TestDatabase.drop(vertx, empty);
    }
  }

  @Test
  void unknownPathsGetProblemJson() {
    HttpResponse<Buffer> response = get("/no/such/thing");

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.getHeader("Content-Type")).isEqualTo(Problem.CONTENT_TYPE);
    assertThat(response.bodyAsJsonObject().getInteger("status")).isEqualTo(404);
  }

  private static CatwalkConfig unmigrated(DatabaseUrl empty) {
    JsonObject raw = TestConfig.raw(TestConfig.libpqUrl(empty, "disable")).put("CATWALK_MIGRATE_ON_START", false);
    return CatwalkConfig.from(raw, CatwalkConfig.Purpose.SERVE);
  }

  private static JsonObject check(JsonObject body, String id) {
    return body.getJsonArray("checks").stream().map(JsonObject.class::cast)
        .filter(c -> id.equals(c.getString("id"))).findFirst().orElseThrow();
  }

  private static HttpResponse<Buffer> get(String path) {
    return client.get(gateway.config().port(), "127.0.0.1", path).send().await();
  }
}
