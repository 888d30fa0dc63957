package dev.catwalk.catalog;

import dev.catwalk.config.ConfigKeys;
import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.FakeGitHub;
import dev.catwalk.testsupport.GatewayHarness;
import dev.catwalk.testsupport.catalog.FakeGlama;
import dev.catwalk.testsupport.catalog.FakeRegistry;
import dev.catwalk.testsupport.fly.FakeFlyMachines;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The catalog through the gateway's REST API, with the fake registry, the fake Glama, the fake GitHub
 * (for the repository analysis) and both backends configured (local with stand-ins for npx and uvx but no
 * docker; fly with the fake Machines API): search, entry details with the derived recipe and form, which
 * backend can run what and why not, completion by the repository analysis, the settings switches, a sync
 * on demand, and deployments made from entries (the errors first, then one that is stored, pinned to its
 * version).
 */
@Timeout(180)
class CatalogApiTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.withDatabase();

  @TempDir
  static Path bin;

  private static FakeRegistry registry;
  private static FakeGlama glama;
  private static FakeGitHub github;
  private static FakeFlyMachines fly;
  private static GatewayHarness gateway;

  @BeforeAll
  static void start() throws Exception {
    for (String program : List.of("npx", "uvx")) {
      Path file = bin.resolve(program);
      Files.writeString(file, "#!/bin/sh\nexit 0\n");
      assertThat(file.toFile().setExecutable(true)).isTrue();
    }
    registry = FakeRegistry.withFixtures(resources.vertx());
    glama = FakeGlama.withFixtures(resources.vertx());
    github = FakeGitHub.start(resources.vertx());
    fly = new FakeFlyMachines().start(resources.vertx());
    gateway = GatewayHarness.start(resources, raw -> raw.put(ConfigKeys.LOCAL_PATH, bin.toString())
        .put(ConfigKeys.REGISTRY_URL, registry.url()).put(ConfigKeys.GLAMA_API_URL, glama.url())
        .put(ConfigKeys.GITHUB_API_URL, github.url())
        .put(ConfigKeys.FLY_API_URL, fly.url()).put(ConfigKeys.FLY_API_TOKEN_OVERRIDE, fly.token())
        .put(ConfigKeys.FLY_ORG, "catwalk-test-org").put(ConfigKeys.FLY_IMAGE, "registry.fly.io/catwalk-runner:test"));
    awaitSynced("registry");
    awaitSynced("glama");
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
    registry.close();
    glama.close();
    github.close();
    fly.close();
  }

  private static JsonObject status(String source) {
    GatewayHarness.Reply reply = gateway.admin(HttpMethod.GET, "/api/catalog/status", null);
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    for (Object item : reply.json().getJsonArray("sources")) {
      if (source.equals(((JsonObject) item).getString("source"))) {
        return (JsonObject) item;
      }
    }
    throw new AssertionError("no source " + source);
  }

  private static void awaitSynced(String source) {
    GatewayHarness.eventually(() -> status(source).getString("lastSuccessAt") != null
        && !"syncing".equals(status(source).getString("state")), source + " synced", Duration.ofSeconds(60));
  }

  private static String id(String source, String name) {
    return CatalogIds.entryId(source, name).toString();
  }

  private static JsonObject get(String path) {
    GatewayHarness.Reply reply = gateway.admin(HttpMethod.GET, path, null);
    assertThat(reply.status()).as(path + ": " + reply.body()).isEqualTo(200);
    return reply.json();
  }

  private static JsonObject item(JsonObject page, String name) {
    for (Object item : page.getJsonArray("items")) {
      if (name.equals(((JsonObject) item).getString("name"))) {
        return (JsonObject) item;
      }
    }
    throw new AssertionError(name + " not in " + page.encode());
  }

  private static GatewayHarness.Reply deploy(JsonObject body) {
    return gateway.admin(HttpMethod.POST, "/api/deployments", body);
  }

  @Test
  void searchShowsEveryConfiguredBackendAndWhyItCannotRunAnEntry() {
    JsonObject page = get("/api/catalog?q=everything");
    assertThat(page.getJsonArray("items").getJsonObject(0).getString("name"))
        .isEqualTo("io.github.modelcontextprotocol/server-everything");
    JsonObject everything = item(page, "io.github.modelcontextprotocol/server-everything");
    assertThat(everything.getJsonObject("backends")).isEqualTo(new JsonObject()
        .put("local", new JsonObject().put("runnable", true).put("variant", "npm"))
        .put("fly", new JsonObject().put("runnable", true).put("variant", "npm")));
    assertThat(everything.getString("id")).isEqualTo(id("registry", "io.github.modelcontextprotocol/server-everything"));
    JsonObject search = item(get("/api/catalog?q=hosted"), "com.example.search/hosted-search");
    assertThat(search.getJsonObject("backends").getJsonObject("fly")).isEqualTo(new JsonObject()
        .put("runnable", false).put("reason", "streamable-http remote: a remote server already runs elsewhere; deploy"
            + " it with the local backend, which fronts it; sse remote: the server speaks the older HTTP+SSE"
            + " transport; Catwalk relays Streamable HTTP only"));
    assertThat(search.getJsonArray("remotes").getJsonObject(0)).isEqualTo(new JsonObject()
        .put("type", "streamable-http").put("url", "https://search.example.com/mcp"));
    assertThat(get("/api/catalog?backend=fly&limit=100").getJsonArray("items").stream()
        .map(i -> ((JsonObject) i).getString("name")).toList())
        .contains("io.github.acme/weather").doesNotContain("com.example.search/hosted-search");
    assertThat(page.getJsonArray("sources").stream().map(s -> ((JsonObject) s).getString("source")).toList())
        .containsExactly("registry", "glama");

    GatewayHarness.Reply badRuntime = gateway.admin(HttpMethod.GET, "/api/catalog?runtime=wasm", null);
    assertThat(badRuntime.status()).isEqualTo(400);
    assertThat(badRuntime.headers().get("Content-Type")).startsWith("application/problem+json");
    assertThat(gateway.admin(HttpMethod.GET, "/api/catalog?cursor=bad", null).status()).isEqualTo(400);
    assertThat(gateway.admin(HttpMethod.GET, "/api/catalog?limit=500", null).status()).isEqualTo(400);
    assertThat(gateway.send(HttpMethod.GET, "/api/catalog", null, null).status()).isEqualTo(401);
  }

  @Test
  void anEntryCarriesItsRecipeFormSourcesVariantsAndVersions() {
    JsonObject weather = get("/api/catalog/" + id("registry", "io.github.acme/weather"));
    assertThat(weather.getString("variant")).isEqualTo("npm");
    assertThat(weather.getJsonObject("recipe").getString("package")).isEqualTo("@acme/weather-mcp");
    assertThat(weather.getJsonObject("configSchema").getJsonArray("required").getList())
        .containsExactly("ACME_WEATHER_API_KEY");
    assertThat(weather.getJsonObject("sources").getJsonObject("configSchema.properties.ACME_WEATHER_API_KEY")
        .getString("pointer")).isEqualTo("/packages/0/environmentVariables/0");
    assertThat(weather.getString("icon")).isEqualTo("https://weather.acme.example/icon.png");
    JsonArray variants = weather.getJsonArray("variants");
    assertThat(variants.stream().map(v -> ((JsonObject) v).getString("id")).toList()).containsExactly("npm", "oci", "mcpb");
    JsonObject oci = variants.getJsonObject(1);
    assertThat(oci.getJsonObject("backends").getJsonObject("local").getString("reason"))
        .isEqualTo("docker is not installed on this host, so container images cannot run here");
    assertThat(oci.getJsonObject("backends").getJsonObject("fly").getString("reason"))
        .startsWith("container images are not run inside the runner image on Fly yet");
    assertThat(variants.getJsonObject(2).getJsonArray("problems").getJsonObject(0).getString("code"))
        .isEqualTo("unsupported-package");
    assertThat(weather.getJsonArray("versions").stream().map(v -> ((JsonObject) v).getString("version")).toList())
        .containsSubsequence("1.4.0", "1.3.0");
    assertThat(get("/api/catalog/" + id("registry", "io.github.acme/weather") + "?version=1.3.0")
        .getString("version")).isEqualTo("1.3.0");
    assertThat(gateway.admin(HttpMethod.GET, "/api/catalog/" + id("registry", "io.github.acme/weather")
        + "?version=9.9.9", null).status()).isEqualTo(404);
    assertThat(get("/api/catalog/" + id("registry", "com.example.crm/tenant-crm")).getJsonArray("inputs"))
        .as("where each field goes, for the form").containsExactly(
            new JsonObject().put("field", "tenant").put("use", "url").put("required", true),
            new JsonObject().put("field", "region").put("use", "url").put("required", false),
            new JsonObject().put("field", "X_API_KEY").put("use", "header").put("required", true),
            new JsonObject().put("field", "X_TRACE").put("use", "header").put("required", false));
    assertThat(gateway.admin(HttpMethod.GET, "/api/catalog/" + id("registry", "com.example/unknown"), null).status())
        .isEqualTo(404);
    assertThat(gateway.admin(HttpMethod.GET, "/api/catalog/not-an-id", null).status()).isEqualTo(404);
    GatewayHarness.Reply removed = gateway.admin(HttpMethod.GET, "/api/catalog/"
        + id("registry", "io.github.spam/everything-free-tokens"), null);
    assertThat(removed.status()).as("deleted before the first sync: never listed").isEqualTo(404);
  }

  @Test
  void entriesWithOnlyARepositoryAreCompletedByTheRepositoryAnalysis() {
    String explorer = id("glama", "pyco/postgres-explorer");
    assertThat(item(get("/api/catalog?q=tables"), "pyco/postgres-explorer").getJsonObject("backends")
        .getJsonObject("local").getValue("runnable")).isNull();
    github.clearRequests();
    JsonObject completed = get("/api/catalog/" + explorer);
    assertThat(github.requests()).isNotEmpty();
    assertThat(completed.getJsonObject("recipe").getString("runtime")).isEqualTo("pypi");
    assertThat(completed.getJsonObject("recipe").getString("package")).isEqualTo("postgres-explorer-mcp");
    assertThat(completed.getJsonObject("configSchema").getJsonObject("properties").fieldNames())
        .containsSequence("PG_DSN", "PG_READ_ONLY", "PG_STATEMENT_TIMEOUT")
        .contains("PG_EXPLORER_SCHEMA", "DATABASE_URL");
    JsonObject sources = completed.getJsonObject("sources");
    assertThat(sources.getJsonObject("configSchema.properties.PG_DSN").getJsonObject("analysis").getString("path"))
        .isNotBlank();
    assertThat(sources.getJsonObject("configSchema.properties.PG_EXPLORER_SCHEMA").getString("catalog"))
        .isEqualTo("glama");
    assertThat(completed.getJsonObject("backends").getJsonObject("local").getBoolean("runnable")).isTrue();
    assertThat(item(get("/api/catalog?q=tables"), "pyco/postgres-explorer").getBoolean("analyzed")).isTrue();

    github.clearRequests();
    get("/api/catalog/" + explorer);
    assertThat(github.requests()).as("the analysis is kept with the entry").isEmpty();
    get("/api/catalog/" + explorer + "?refresh=true");
    assertThat(github.requests()).isNotEmpty();

    JsonObject docker = get("/api/catalog/" + id("registry", "io.github.pyco/pg-inspect"));
    assertThat(docker.getJsonObject("recipe").getString("runtime")).isEqualTo("oci");
    assertThat(docker.getJsonObject("backends").getJsonObject("local").getString("reason"))
        .isEqualTo("repository: docker is not installed on this host, so container images cannot run here");

    JsonObject gitlab = get("/api/catalog/" + id("glama", "jotter/notes-helper"));
    assertThat(gitlab.getJsonArray("variants").getJsonObject(0).getJsonArray("problems").getJsonObject(0)
        .getString("message")).startsWith("the repository analysis failed:");
    assertThat(gitlab.getJsonObject("backends").getJsonObject("local").getBoolean("runnable")).isFalse();
  }

  @Test
  void theSourcesAreSwitchedThroughTheSettingsApi() {
    JsonObject settings = get("/api/settings");
    assertThat(settings.getJsonArray("settings").stream().map(s -> (JsonObject) s)
        .filter(s -> s.getString("name").equals("catalogGlamaEnabled")).findFirst().orElseThrow())
        .isEqualTo(new JsonObject().put("name", "catalogGlamaEnabled").put("set", true).put("source", "configuration")
            .put("environmentVariable", "CATWALK_GLAMA_ENABLED").put("value", true));
    assertThat(gateway.admin(HttpMethod.PUT, "/api/settings", new JsonObject().put("catalogGlamaEnabled", "no"))
        .status()).isEqualTo(400);
    try {
      GatewayHarness.Reply off = gateway.admin(HttpMethod.PUT, "/api/settings",
          new JsonObject().put("catalogGlamaEnabled", false));
      assertThat(off.status()).as(off.body()).isEqualTo(200);
      assertThat(off.body()).contains("\"name\":\"catalogGlamaEnabled\",\"set\":true,\"source\":\"database\"");
      assertThat(status("glama").getString("state")).isEqualTo("disabled");
      assertThat(get("/api/catalog?q=everything").getJsonArray("items").stream()
          .map(i -> ((JsonObject) i).getString("source")).toList()).doesNotContain("glama");
    } finally {
      assertThat(gateway.admin(HttpMethod.PUT, "/api/settings", new JsonObject().putNull("catalogGlamaEnabled"))
          .status()).isEqualTo(200);
    }
    awaitSynced("glama");
    assertThat(get("/api/catalog?q=everything").getJsonArray("items").stream()
        .map(i -> ((JsonObject) i).getString("source")).toList()).contains("glama");
  }

  @Test
  void aSyncCanBeStartedOnDemand() {
    long runs = status("registry").getLong("runs");
    GatewayHarness.Reply started = gateway.admin(HttpMethod.POST, "/api/catalog/sync",
        new JsonObject().put("source", "registry"));
    assertThat(started.status()).as(started.body()).isEqualTo(202);
    assertThat(started.json().getJsonArray("sources")).hasSize(2);
    GatewayHarness.eventually(() -> status("registry").getLong("runs") > runs, "the sync ran");
    assertThat(gateway.admin(HttpMethod.POST, "/api/catalog/sync", new JsonObject().put("source", "smithery"))
        .status()).isEqualTo(400);
    assertThat(gateway.admin(HttpMethod.POST, "/api/catalog/sync", new JsonObject().put("all", true)).status())
        .isEqualTo(400);
  }

  @Test
  void deploymentsFromEntriesThatCannotBeMadeAreRefusedAndNothingIsStored() {
    long before = get("/api/deployments").getLong("total");
    String weather = id("registry", "io.github.acme/weather");
    assertProblem(deploy(new JsonObject().put("catalogId", id("registry", "com.example/unknown"))), 404, "no catalog entry");
    assertProblem(deploy(new JsonObject().put("catalogId", id("registry", "io.github.leaky/vault-cli"))), 422,
        "io.github.leaky/vault-cli cannot run on the local backend: pypi package: the argument --vault-token passes a"
            + " secret on the command line");
    assertProblem(deploy(new JsonObject().put("catalogId", id("registry", "io.github.docktools/kube-inspector"))), 422,
        "cannot run on the local backend: oci package: docker is not installed on this host");
    assertProblem(deploy(new JsonObject().put("catalogId", weather)), 400,
        "config.ACME_WEATHER_API_KEY: required");
    assertProblem(deploy(new JsonObject().put("catalogId", weather).put("recipe", new JsonObject())), 400,
        "unknown field \"recipe\"");
    assertProblem(deploy(new JsonObject().put("name", "no-catalog").put("recipe", new JsonObject()
        .put("runtime", "npm").put("package", "@acme/weather-mcp")).put("catalog", new JsonObject())), 400,
        "unknown field \"catalog\"");
    assertProblem(deploy(new JsonObject().put("catalogId", weather).put("variant", "wasm")), 400,
        "variant: 'wasm' is not one of [npm, oci, mcpb]");
    assertProblem(deploy(new JsonObject().put("catalogId", weather).put("variant", "oci").put("backend", "fly")),
        422, "cannot run on the fly backend: container images are not run inside the runner image on Fly yet");
    assertProblem(deploy(new JsonObject().put("catalogId", weather).put("backend", "mars")), 400,
        "backend: 'mars' is not available");
    assertProblem(deploy(new JsonObject().put("catalogId", id("registry", "io.github.old/everything-legacy"))), 409,
        "deprecated: Use io.github.modelcontextprotocol/server-everything instead");
    assertProblem(deploy(new JsonObject().put("catalogId", id("registry", "io.github.spam/everything-free-tokens"))),
        404, "no catalog entry");
    assertProblem(deploy(new JsonObject().put("catalogId", id("registry", "com.example.crm/tenant-crm"))
        .put("config", new JsonObject().put("tenant", "acme").put("X_API_KEY", "k").put("region", "mars"))), 400,
        "config.region: must be one of \"eu\", \"us\"");
    assertThat(get("/api/deployments").getLong("total")).isEqualTo(before);
  }

  @Test
  void aDeploymentFromAnEntryIsPinnedToItsVersion() {
    String weather = id("registry", "io.github.acme/weather");
    GatewayHarness.Reply created = deploy(new JsonObject().put("catalogId", weather)
        .put("config", new JsonObject().put("ACME_WEATHER_API_KEY", "awk_live_secret").put("ACME_WEATHER_UNITS", "imperial")));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    JsonObject deployment = created.json();
    assertThat(deployment.getString("name")).isEqualTo("weather");
    assertThat(deployment.getString("status")).isEqualTo("running");
    assertThat(deployment.getJsonObject("recipe")).isEqualTo(new JsonObject().put("runtime", "npm")
        .put("transport", "stdio").put("package", "@acme/weather-mcp").put("version", "1.4.0")
        .put("args", new JsonArray().add("--log-format").add("json")));
    assertThat(deployment.getJsonObject("config")).isEqualTo(new JsonObject().put("ACME_WEATHER_UNITS", "imperial")
        .put("ACME_WEATHER_TIMEOUT_MS", 10000).put("ACME_WEATHER_REGION", "eu"));
    assertThat(deployment.getJsonArray("secrets")).containsExactly(new JsonObject().put("name", "ACME_WEATHER_API_KEY")
        .put("set", true));
    assertThat(created.body()).doesNotContain("awk_live_secret");
    JsonObject events = get("/api/deployments/" + deployment.getString("id") + "/logs");
    JsonObject createdEvent = events.getJsonArray("events").stream().map(e -> (JsonObject) e)
        .filter(e -> e.getString("action").equals("deployment.created")).findFirst().orElseThrow();
    assertThat(createdEvent.getJsonObject("detail").getJsonObject("catalog")).isEqualTo(new JsonObject()
        .put("id", weather).put("source", "registry").put("name", "io.github.acme/weather").put("version", "1.4.0")
        .put("variant", "npm"));

    assertProblem(deploy(new JsonObject().put("catalogId", weather)
        .put("config", new JsonObject().put("ACME_WEATHER_API_KEY", "k"))), 409, "a deployment named 'weather' already exists");

    JsonObject next = registry.server("io.github.acme/weather", "1.4.0").put("version", "1.5.0");
    next.getJsonArray("packages").getJsonObject(0).put("version", "1.5.0");
    registry.publish(next);
    long runs = status("registry").getLong("runs");
    gateway.admin(HttpMethod.POST, "/api/catalog/sync", new JsonObject().put("source", "registry"));
    GatewayHarness.eventually(() -> status("registry").getLong("runs") > runs, "the sync ran");
    assertThat(get("/api/catalog/" + weather).getString("version")).isEqualTo("1.5.0");
    assertThat(get("/api/deployments/" + deployment.getString("id")).getJsonObject("recipe").getString("version"))
        .as("pinned to the version it was made from").isEqualTo("1.4.0");
    GatewayHarness.Reply newer = deploy(new JsonObject().put("catalogId", weather).put("name", "weather-next")
        .put("config", new JsonObject().put("ACME_WEATHER_API_KEY", "k")));
    assertThat(newer.status()).as(newer.body()).isEqualTo(201);
    assertThat(newer.json().getJsonObject("recipe").getString("version")).isEqualTo("1.5.0");
    GatewayHarness.Reply older = deploy(new JsonObject().put("catalogId", weather).put("catalogVersion", "1.3.0")
        .put("name", "weather-old").put("config", new JsonObject().put("ACME_WEATHER_API_KEY", "k")));
    assertThat(older.status()).as(older.body()).isEqualTo(201);
    assertThat(older.json().getJsonObject("recipe").getString("version")).isEqualTo("1.3.0");
    assertThat(gateway.seen()).noneMatch(text -> text.contains("awk_live_secret"));
  }

  private static void assertProblem(GatewayHarness.Reply reply, int status, String detail) {
    assertThat(reply.status()).as(reply.body()).isEqualTo(status);
    assertThat(reply.headers().get("Content-Type")).startsWith("application/problem+json");
    assertThat(reply.json().getString("detail")).contains(detail);
  }
}
