package dev.catwalk.testsupport.catalog;

import dev.catwalk.testsupport.ClassResources;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The fake registry and the fake Glama behave as their published APIs say, so tests against them mean something. */
class FakeCatalogSourcesTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.vertxOnly();

  private static FakeRegistry registry;
  private static FakeGlama glama;
  private static WebClient client;

  @BeforeAll
  static void start() {
    registry = FakeRegistry.withFixtures(resources.vertx());
    glama = FakeGlama.withFixtures(resources.vertx());
    client = WebClient.create(resources.vertx());
  }

  @AfterAll
  static void stop() {
    registry.close();
    glama.close();
  }

  private static HttpResponse<Buffer> get(String url) {
    return client.getAbs(url).send().await();
  }

  @Test
  void registryPagesAlongItsNameAndVersionCursor() {
    List<String> seen = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      JsonObject page = get(registry.url() + "/v0.1/servers?limit=4" + (cursor == null ? "" : "&cursor=" + cursor))
          .bodyAsJsonObject();
      for (Object row : page.getJsonArray("servers")) {
        JsonObject server = ((JsonObject) row).getJsonObject("server");
        seen.add(server.getString("name") + ":" + server.getString("version"));
        assertThat(((JsonObject) row).getJsonObject("_meta").getJsonObject(FakeRegistry.OFFICIAL).fieldNames())
            .contains("status", "publishedAt", "updatedAt", "isLatest");
      }
      cursor = page.getJsonObject("metadata").getString("nextCursor");
      pages++;
    } while (cursor != null);
    assertThat(seen).hasSize(18).isSorted().doesNotHaveDuplicates()
        .doesNotContain("io.github.spam/everything-free-tokens:9.9.9");
    assertThat(pages).as("18 rows, 4 a page: the fifth page is not full").isEqualTo(5);
    JsonArray latest = get(registry.url() + "/v0.1/servers?limit=100&version=latest").bodyAsJsonObject()
        .getJsonArray("servers");
    assertThat(latest).hasSize(17);
    assertThat(get(registry.url() + "/v0.1/servers?limit=100&include_deleted=true").bodyAsJsonObject()
        .getJsonArray("servers")).hasSize(19);
    assertThat(get(registry.url() + "/v0.1/servers?search=weather").bodyAsJsonObject().getJsonArray("servers"))
        .hasSize(2);
  }

  @Test
  void registryDeltasAreStrictlyAfterAndIncludeDeletedRows() {
    JsonArray changed = get(registry.url() + "/v0.1/servers?updated_since=2026-01-10T10:00:00Z").bodyAsJsonObject()
        .getJsonArray("servers");
    assertThat(changed.stream().map(r -> ((JsonObject) r).getJsonObject("server").getString("name")).toList())
        .containsExactlyInAnyOrder("io.github.spam/everything-free-tokens", "io.github.pyco/pg-inspect",
            "io.github.leaky/vault-cli");
    assertThat(get(registry.url() + "/v0.1/servers?updated_since=yesterday").statusCode()).isEqualTo(400);
    assertThat(get(registry.url() + "/v0.1/servers?updated_since=2026-01-10T10:00:00Z&include_deleted=false")
        .statusCode()).isEqualTo(400);
    HttpResponse<Buffer> tooMany = get(registry.url() + "/v0.1/servers?limit=101");
    assertThat(tooMany.statusCode()).isEqualTo(422);
    assertThat(tooMany.getHeader("Content-Type")).isEqualTo("application/problem+json");
  }

  @Test
  void registryVersionsAndOneVersionByEncodedName() {
    String name = "io.github.acme%2Fweather";
    JsonObject versions = get(registry.url() + "/v0.1/servers/" + name + "/versions").bodyAsJsonObject();
    assertThat(versions.getJsonObject("metadata").getInteger("count")).isEqualTo(2);
    assertThat(versions.getJsonArray("servers").getJsonObject(0).getJsonObject("server").getString("version"))
        .as("newest first").isEqualTo("1.4.0");
    assertThat(get(registry.url() + "/v0.1/servers/" + name + "/versions/latest").bodyAsJsonObject()
        .getJsonObject("server").getString("version")).isEqualTo("1.4.0");
    assertThat(get(registry.url() + "/v0.1/servers/" + name + "/versions/1.3.0").statusCode()).isEqualTo(200);
    HttpResponse<Buffer> missing = get(registry.url() + "/v0.1/servers/com.example%2Fnone/versions");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.bodyAsJsonObject().getString("detail")).isEqualTo("Server not found");
    assertThat(get(registry.url() + "/v0/health").bodyAsJsonObject().getString("status")).isEqualTo("ok");
  }

  @Test
  void glamaPagesWithFirstAndAfterAndAnswersErrorsInItsShape() {
    JsonObject first = get(glama.url() + "/v1/servers?first=2").bodyAsJsonObject();
    assertThat(first.getJsonArray("servers")).hasSize(2);
    JsonObject info = first.getJsonObject("pageInfo");
    assertThat(info.getBoolean("hasNextPage")).isTrue();
    assertThat(info.getBoolean("hasPreviousPage")).isFalse();
    JsonObject second = get(glama.url() + "/v1/servers?first=2&after=" + info.getString("endCursor")).bodyAsJsonObject();
    assertThat(second.getJsonArray("servers").getJsonObject(0).getString("id")).isEqualTo("evsrch0003");
    assertThat(get(glama.url() + "/v1/servers?query=postgres").bodyAsJsonObject().getJsonArray("servers")).hasSize(1);
    assertThat(get(glama.url() + "/v1/servers/pyco/postgres-explorer").bodyAsJsonObject().getString("id"))
        .isEqualTo("pgxplr0002");
    HttpResponse<Buffer> bad = get(glama.url() + "/v1/servers?first=500");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.bodyAsJsonObject().getJsonObject("error").fieldNames()).containsExactlyInAnyOrder("code", "message",
        "id");
    assertThat(get(glama.url() + "/v1/servers?after=not-a-cursor").statusCode()).isEqualTo(400);
  }
}
