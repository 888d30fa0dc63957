package dev.catwalk.console;

import dev.catwalk.catalog.CatalogIds;
import dev.catwalk.config.ConfigKeys;
import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.GatewayHarness;
import dev.catwalk.testsupport.browser.PageClient;
import dev.catwalk.testsupport.browser.PageClient.Page;
import dev.catwalk.testsupport.catalog.FakeRegistry;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.jsoup.nodes.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The catalog in the console against the fake MCP Registry: search, an entry's generated form, the server's
 * 400 next to the field, a secret typed before an error kept server-side (never sent back), deploy.
 */
class ConsoleCatalogPagesTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.withDatabase();

  private static final String SECRET = "weather-key-never-shown";
  private static Path bin;
  private static FakeRegistry registry;
  private static GatewayHarness gateway;

  @BeforeAll
  static void start() throws Exception {
    bin = Files.createTempDirectory("catwalk-console-bin");
    Path npx = bin.resolve("npx");
    Files.writeString(npx, "#!/bin/sh\nexit 0\n");
    assertThat(npx.toFile().setExecutable(true)).isTrue();
    registry = FakeRegistry.withFixtures(resources.vertx());
    gateway = GatewayHarness.start(resources, raw -> raw.put(ConfigKeys.LOCAL_PATH, bin.toString())
        .put(ConfigKeys.REGISTRY_URL, registry.url()).put(ConfigKeys.GLAMA_ENABLED, false));
    for (String[] account : new String[][] {{"cat", "admin"}, {"mo", "member"}}) {
      assertThat(gateway.admin(HttpMethod.POST, "/api/accounts", new JsonObject().put("username", account[0])
          .put("password", "password of " + account[0]).put("role", account[1])).status()).isEqualTo(201);
    }
    GatewayHarness.eventually(() -> gateway.admin(HttpMethod.GET, "/api/catalog?q=weather", null).body()
        .contains("io.github.acme/weather"), "registry synced", Duration.ofSeconds(60));
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
    registry.close();
  }

  private static URI url(String path) {
    return URI.create("http://127.0.0.1:" + gateway.port() + path);
  }

  private static Page signIn(PageClient client, String user, String path) {
    return SignIn.as(client, gateway.port(), user, "password of " + user, path);
  }

  @Test
  void searchOpenAnEntryFixTheFormAndDeploy() {
    PageClient client = new PageClient();
    signIn(client, "cat", "/catalog");
    Page results = client.get(url("/catalog?q=weather"));
    assertThat(results.status()).as(results.body()).isEqualTo(200);
    String id = CatalogIds.entryId("registry", "io.github.acme/weather").toString();
    assertThat(results.document().select("#results a").eachAttr("href")).contains("/catalog/" + id);

    Page entry = client.get(url("/catalog/" + id));
    assertThat(entry.status()).as(entry.body()).isEqualTo(200);
    Document doc = entry.document();
    assertThat(doc.selectFirst("#cfg-ACME_WEATHER_API_KEY").attr("type")).isEqualTo("password");
    assertThat(doc.selectFirst("#cfg-ACME_WEATHER_API_KEY").hasAttr("required")).isTrue();
    assertThat(doc.selectFirst("dl.recipe").text()).contains("@acme/weather-mcp");

    Page missing = client.submit(entry, "form.config-form", Map.of("name", "wx"), null);
    assertThat(missing.status()).isEqualTo(400);
    assertThat(missing.document().selectFirst("#cfg-ACME_WEATHER_API_KEY-error").text()).isEqualTo("required");
    assertThat(missing.document().selectFirst("#name").attr("value")).isEqualTo("wx");

    Page badName = client.submit(missing, "form.config-form", Map.of("name", "Not A Name",
        "cfg.ACME_WEATHER_API_KEY", SECRET), null);
    assertThat(badName.status()).isEqualTo(400);
    assertThat(badName.document().selectFirst("#name-error").text()).isNotBlank();
    assertThat(badName.body()).doesNotContain(SECRET);
    assertThat(badName.document().selectFirst("#cfg-ACME_WEATHER_API_KEY").attr("placeholder"))
        .as("the typed secret is kept on the server").isEqualTo("set — type to replace");
    assertThat(gateway.admin(HttpMethod.GET, "/api/deployments", null).json().getInteger("total")).isZero();

    Page deployed = client.submit(badName, "form.config-form", Map.of("name", "wx"), null);
    assertThat(deployed.status()).as(deployed.body()).isEqualTo(201);
    assertThat(deployed.document().select("h1").text()).isEqualTo("wx");
    assertThat(deployed.document().selectFirst("#access-token").attr("value")).isNotBlank();
    assertThat(deployed.body()).doesNotContain(SECRET);
    JsonObject stored = gateway.admin(HttpMethod.GET, "/api/deployments", null).json().getJsonArray("items").getJsonObject(0);
    assertThat(stored.getJsonObject("recipe").getString("package")).isEqualTo("@acme/weather-mcp");
    assertThat(stored.getJsonArray("secrets").encode()).contains("ACME_WEATHER_API_KEY");
  }

  @Test
  void anEntryThatCannotRunHereSaysWhyAndAMemberOnlySearches() {
    PageClient admin = new PageClient();
    signIn(admin, "cat", "/catalog");
    Page kube = admin.get(url("/catalog/" + CatalogIds.entryId("registry", "io.github.docktools/kube-inspector")));
    assertThat(kube.document().select("p.warning").text()).contains("Cannot run here").contains("docker");

    PageClient member = new PageClient();
    Page search = signIn(member, "mo", "/catalog");
    assertThat(search.status()).isEqualTo(200);
    assertThat(search.document().select("#results a")).isEmpty();
    assertThat(member.get(url("/catalog/" + CatalogIds.entryId("registry", "io.github.acme/weather"))).status())
        .isEqualTo(403);
  }
}
