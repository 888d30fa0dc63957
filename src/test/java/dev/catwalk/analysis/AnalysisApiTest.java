package dev.catwalk.analysis;

import dev.catwalk.config.ConfigKeys;
import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.FakeGitHub;
import dev.catwalk.testsupport.FakeOpenAi;
import dev.catwalk.testsupport.FixtureRepos;
import dev.catwalk.testsupport.GatewayHarness;
import dev.catwalk.testsupport.GatewayHarness.Reply;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /api/analyze} through a real gateway and Postgres against a fake GitHub API serving
 * the fixture repositories, and a fake OpenAI-compatible API for the LLM step.
 */
@Timeout(180)
class AnalysisApiTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.withDatabase();

  private static final String LLM_KEY = "sk-or-test-llm-key-0123456789";
  private static FakeGitHub github;
  private static FakeOpenAi openai;
  private static GatewayHarness gateway;

  @BeforeAll
  static void start() {
    github = FakeGitHub.start(resources.vertx());
    openai = FakeOpenAi.start(resources.vertx());
    gateway = GatewayHarness.start(resources, raw -> raw.put(ConfigKeys.GITHUB_API_URL, github.url())
        .put(ConfigKeys.LLM_BASE_URL, openai.baseUrl()).put(ConfigKeys.LLM_MODEL, "test-model"));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    openai.close();
    github.close();
  }

  @AfterEach
  void normal() {
    github.mode("normal");
    github.requireToken(null);
    gateway.admin(HttpMethod.PUT, "/api/settings", new JsonObject().putNull("githubToken").putNull("openrouterApiKey"));
  }

  private static Reply analyze(String url, String query) {
    return gateway.admin(HttpMethod.POST, "/api/analyze" + query, new JsonObject().put("repoUrl", url));
  }

  @Test
  void everyFixtureIsAnalyzedThroughTheApi() {
    for (FixtureRepos.Fixture fixture : FixtureRepos.all()) {
      Reply reply = analyze(fixture.url(), "?refresh=true");
      assertThat(reply.status()).as(fixture.url() + " " + reply.body()).isEqualTo(200);
      JsonObject answer = reply.json();
      JsonObject expected = fixture.expected();
      assertThat(answer.getString("commit")).isEqualTo(fixture.sha());
      assertThat(answer.getBoolean("cached")).isFalse();
      JsonObject recipe = answer.getJsonObject("recipe");
      if (expected.getString("runtime") == null) {
        assertThat(recipe).as(fixture.url()).isNull();
      } else {
        assertThat(recipe.getString("runtime")).as(fixture.url()).isEqualTo(expected.getString("runtime"));
        assertThat(recipe.getString("remote".equals(recipe.getString("runtime")) ? "url" : "package"))
            .isEqualTo(expected.getString("package"));
      }
      JsonObject schema = answer.getJsonObject("configSchema");
      assertThat(set(schema.getJsonArray("required"))).as(fixture.url()).isEqualTo(set(expected.getJsonArray("required")));
      assertThat(schema.getJsonObject("properties").fieldNames()).as(fixture.url())
          .containsAll(set(expected.getJsonArray("variables")));
      for (String name : schema.getJsonObject("properties").fieldNames()) {
        assertThat(answer.getJsonObject("sources").getJsonObject("configSchema.properties." + name)
            .getString("commit")).isEqualTo(fixture.sha());
      }
    }
  }

  @Test
  void aMonorepoSubfolderIsAnalyzedOnItsOwnAndSourcesNameItsPaths() {
    Reply reply = analyze("https://github.com/mono/toolbox/tree/main/packages/github-tools", "?refresh=true");
    assertThat(reply.status()).isEqualTo(200);
    JsonObject answer = reply.json();
    assertThat(answer.getJsonObject("repository").getString("subfolder")).isEqualTo("packages/github-tools");
    assertThat(answer.getJsonObject("sources").getJsonObject("recipe.package").getString("path"))
        .isEqualTo("packages/github-tools/package.json");
    assertThat(answer.encode()).doesNotContain("SLACK_BOT_TOKEN");
  }

  @Test
  void aCachedAnswerCostsNoFileRequestsAndRefreshAnalyzesAgain() {
    assertThat(analyze("acme/weather-mcp", "?refresh=true").status()).isEqualTo(200);
    github.clearRequests();
    Reply cached = analyze("https://github.com/acme/weather-mcp", "");
    assertThat(cached.status()).isEqualTo(200);
    assertThat(cached.json().getBoolean("cached")).isTrue();
    assertThat(github.requests()).noneMatch(r -> r.contains("/contents")).hasSizeLessThanOrEqualTo(2);
    github.clearRequests();
    Reply fresh = analyze("https://github.com/acme/weather-mcp", "?refresh=true");
    assertThat(fresh.json().getBoolean("cached")).isFalse();
    assertThat(github.requests()).anyMatch(r -> r.contains("/contents/server.json"));
    assertThat(fresh.json().getJsonObject("recipe")).isEqualTo(cached.json().getJsonObject("recipe"));
  }

  @Test
  void badUrlsAndRefsAre400WithTheAcceptedForms() {
    for (String url : new String[] {"https://gitlab.com/a/b", "a/b/../c", "https://github.com/a/b/tree/main/../x",
        "not a url"}) {
      Reply reply = analyze(url, "");
      assertThat(reply.status()).as(url).isEqualTo(400);
      assertThat(reply.json().getString("detail")).contains("accepted forms");
    }
    Reply missing = gateway.admin(HttpMethod.POST, "/api/analyze", new JsonObject());
    assertThat(missing.status()).isEqualTo(400);
    Reply badRef = gateway.admin(HttpMethod.POST, "/api/analyze",
        new JsonObject().put("repoUrl", "acme/weather-mcp").put("ref", "../main"));
    assertThat(badRef.status()).isEqualTo(400);
    Reply noToken = gateway.send(HttpMethod.POST, "/api/analyze", new JsonObject().put("repoUrl", "acme/weather-mcp"),
        null);
    assertThat(noToken.status()).isEqualTo(401);
  }

  @Test
  void gitHubFailuresAreClearProblems() {
    Reply unknown = analyze("nobody/nothing-here", "?refresh=true");
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.json().getString("detail")).contains("nobody/nothing-here").contains("private");

    Reply unknownRef = gateway.admin(HttpMethod.POST, "/api/analyze",
        new JsonObject().put("repoUrl", "acme/weather-mcp").put("ref", "no-such-branch"));
    assertThat(unknownRef.status()).isEqualTo(404);
    assertThat(unknownRef.json().getString("detail")).contains("no-such-branch");

    github.requireToken("the-right-token");
    gateway.admin(HttpMethod.PUT, "/api/settings", new JsonObject().put("githubToken", "ghp_wrongTokenValue123"));
    Reply unauthorized = analyze("acme/weather-mcp", "?refresh=true");
    assertThat(unauthorized.status()).isEqualTo(401);
    assertThat(unauthorized.json().getString("detail")).contains("token").doesNotContain("ghp_wrongTokenValue123");
    gateway.admin(HttpMethod.PUT, "/api/settings", new JsonObject().put("githubToken", "the-right-token"));
    assertThat(analyze("acme/weather-mcp", "?refresh=true").status()).isEqualTo(200);
    gateway.admin(HttpMethod.PUT, "/api/settings", new JsonObject().putNull("githubToken"));

    github.mode("rate-limited");
    Reply limited = analyze("acme/weather-mcp", "?refresh=true");
    assertThat(limited.status()).isEqualTo(429);
    assertThat(limited.json().getString("detail")).contains("rate limit").contains("resets at").contains("GITHUB_TOKEN");

    github.mode("secondary-limit");
    Reply secondary = analyze("acme/weather-mcp", "?refresh=true");
    assertThat(secondary.status()).isEqualTo(429);
    assertThat(secondary.json().getString("detail")).contains("retry after 60 s");

    github.mode("silent");
    Reply timeout = analyze("acme/weather-mcp", "?refresh=true");
    assertThat(timeout.status()).isEqualTo(504);
    assertThat(timeout.json().getString("detail")).contains("GitHub did not answer");
    assertThat(gateway.seen()).noneMatch(s -> s.contains("ghp_wrongTokenValue123") || s.contains("the-right-token"));
  }

  @Test
  void aFileOverTheSizeLimitIsSkippedWithAWarning() {
    github.putFile("bare/nothing", ".env.example", "HUGE_VALUE=" + "x".repeat(600 * 1024) + "\n");
    Reply reply = analyze("bare/nothing", "?refresh=true");
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.json().getJsonArray("warnings").encode()).contains(".env.example").contains("over the limit");
    assertThat(github.requests()).noneMatch(r -> r.contains("/repos/bare/nothing/contents/.env.example"));
  }

  @Test
  void theLlmFillsGapsAndIsMarkedAsTheSource() {
    gateway.admin(HttpMethod.PUT, "/api/settings", new JsonObject().put("openrouterApiKey", LLM_KEY));
    openai.answer(200, """
        {"recipe": {"runtime": "pypi", "package": "toy-mcp-server", "args": []},
         "variables": [{"name": "TOY_API_KEY", "description": "API key of the toy service", "required": true,
                        "secret": true}]}
        """);
    Reply reply = analyze("bare/nothing", "?refresh=true");
    assertThat(reply.status()).isEqualTo(200);
    JsonObject answer = reply.json();
    assertThat(answer.getJsonObject("recipe").getString("package")).isEqualTo("toy-mcp-server");
    assertThat(answer.getJsonObject("sources").getJsonObject("recipe.runtime").getString("llm")).isEqualTo("test-model");
    assertThat(answer.getJsonObject("configSchema").getJsonObject("properties").getJsonObject("TOY_API_KEY")
        .getBoolean("writeOnly")).isTrue();
    JsonObject request = openai.requests().getLast();
    assertThat(request.getString("model")).isEqualTo("test-model");
    assertThat(request.getJsonObject("response_format").getString("type")).isEqualTo("json_schema");
    assertThat(openai.authorizations().getLast()).isEqualTo("Bearer " + LLM_KEY);
    assertThat(reply.body()).doesNotContain(LLM_KEY);

    openai.answer(200, """
        {"recipe": {"runtime": "npm", "package": "not-the-real-one"},
         "variables": [{"name": "ACME_WEATHER_API_KEY", "description": "LLM text", "required": false}]}
        """);
    github.putFile("acme/weather-mcp", "server.json", "{}");
    JsonObject untouched = analyze("acme/weather-mcp", "?refresh=true").json();
    assertThat(untouched.getJsonObject("recipe").getString("package")).isEqualTo("@acme/weather-mcp");
    assertThat(untouched.getJsonObject("configSchema").getJsonArray("required")).contains("ACME_WEATHER_API_KEY");
    assertThat(untouched.getJsonObject("configSchema").getJsonObject("properties").getJsonObject("ACME_WEATHER_API_KEY")
        .getString("description")).isEqualTo("LLM text");
    assertThat(untouched.getJsonObject("sources").getJsonObject("configSchema.properties.ACME_WEATHER_API_KEY.required")
        .getString("path")).isEqualTo("README.md");
    github.putFile("acme/weather-mcp", "server.json", readFixture("acme__weather-mcp", "server.json"));
  }

  @Test
  void badOrMissingLlmAnswersDegradeToTheDeterministicAnswerWithAWarning() {
    gateway.admin(HttpMethod.PUT, "/api/settings", new JsonObject().put("openrouterApiKey", LLM_KEY));
    for (Object[] script : new Object[][] {{200, "this is not JSON"}, {200, "{\"recipe\": {\"runtime\": \"rpm\"}}"},
        {500, ""}, {200, "{\"recipe\": {\"runtime\": \"command\", \"command\": \"\"}, \"variables\": []}"}}) {
      openai.answer((Integer) script[0], (String) script[1]);
      Reply reply = analyze("bare/nothing", "?refresh=true");
      assertThat(reply.status()).as(String.valueOf(script[1])).isEqualTo(200);
      assertThat(reply.json().getValue("recipe")).isNull();
      assertThat(reply.json().getJsonArray("warnings").encode()).as(String.valueOf(script[1])).containsPattern("LLM");
      assertThat(reply.body()).doesNotContain(LLM_KEY);
    }
  }

  @Test
  void everyAnswerIsAcceptedByTheDeploymentsApiAsItIs() {
    for (FixtureRepos.Fixture fixture : FixtureRepos.all()) {
      JsonObject answer = analyze(fixture.url(), "").json();
      if (answer.getValue("recipe") == null) {
        continue;
      }
      JsonObject schema = answer.getJsonObject("configSchema");
      String name = ("an-" + fixture.owner() + "-" + fixture.repo()).toLowerCase(Locale.ROOT);
      Reply created = gateway.admin(HttpMethod.POST, "/api/deployments", new JsonObject().put("name", name)
          .put("recipe", answer.getJsonObject("recipe")).put("configSchema", schema).put("config", values(schema)));
      String runtime = answer.getJsonObject("recipe").getString("runtime");
      if (runtime.equals("pypi") || runtime.equals("oci")) {
        assertThat(created.status()).as(name + " " + created.body()).isIn(201, 422);
        if (created.status() == 422) {
          assertThat(created.json().getString("detail")).contains("cannot run here");
        }
      } else {
        assertThat(created.status()).as(name + " " + created.body()).isEqualTo(201);
      }
    }
  }

  private static JsonObject values(JsonObject schema) {
    JsonObject values = new JsonObject();
    for (Object item : schema.getJsonArray("required")) {
      JsonObject property = schema.getJsonObject("properties").getJsonObject((String) item);
      Object value = property.containsKey("enum") ? property.getJsonArray("enum").getValue(0)
          : switch (property.getString("type")) {
            case "number", "integer" -> 1;
            case "boolean" -> true;
            default -> "test-value-0123456789";
          };
      values.put((String) item, value);
    }
    return values;
  }

  private static String readFixture(String name, String path) {
    try {
      return java.nio.file.Files.readString(FixtureRepos.named(name).root().resolve(path));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static Set<String> set(JsonArray array) {
    Set<String> names = new HashSet<>();
    array.forEach(item -> names.add(String.valueOf(item)));
    return names;
  }
}
