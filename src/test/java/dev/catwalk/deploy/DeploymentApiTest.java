package dev.catwalk.deploy;

import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.GatewayHarness;
import dev.catwalk.testsupport.GatewayHarness.Reply;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The deployments REST API against a real gateway and Postgres: the happy path, and every kind of
 * bad input answered with a problem that leaves the stored data exactly as it was.
 */
@Timeout(120)
class DeploymentApiTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.withDatabase();

  private static GatewayHarness gateway;

  private static final JsonObject SCHEMA = new JsonObject()
      .put("type", "object")
      .put("required", new JsonArray().add("API_KEY").add("REGION"))
      .put("properties", new JsonObject()
          .put("API_KEY", new JsonObject().put("type", "string").put("writeOnly", true).put("minLength", 8))
          .put("REGION", new JsonObject().put("type", "string").put("enum", new JsonArray().add("eu").add("us")))
          .put("RETRIES", new JsonObject().put("type", "integer").put("minimum", 0))
          .put("PROJECT", new JsonObject().put("type", "string").put("pattern", "^[a-z]+$")));

  @BeforeAll
  static void start() {
    gateway = GatewayHarness.start(resources);
  }

  @AfterAll
  static void stop() {
    gateway.close();
  }

  @Test
  void createShowsTheTokenOnceAndNeverASecretValue() {
    JsonObject created = gateway.createFixtureDeployment("api-happy", SCHEMA,
        new JsonObject().put("API_KEY", "k-123456789").put("REGION", "eu").put("RETRIES", 3));

    assertThat(created.getString("status")).isEqualTo("running");
    assertThat(created.getString("accessToken")).startsWith("cwk_").hasSize(47);
    assertThat(created.getString("mcpUrl")).endsWith("/api/mcp/" + created.getString("id"));
    assertThat(created.getJsonObject("config").getMap()).containsOnlyKeys("REGION", "RETRIES");
    assertThat(created.getJsonArray("secrets")).containsExactly(new JsonObject().put("name", "API_KEY").put("set", true));
    assertThat(created.encode()).doesNotContain("k-123456789");

    Reply shown = gateway.admin(HttpMethod.GET, "/api/deployments/" + created.getString("id"), null);
    assertThat(shown.status()).isEqualTo(200);
    assertThat(shown.body()).doesNotContain("k-123456789").doesNotContain(created.getString("accessToken"));
    assertThat(shown.json().getJsonArray("tokens")).hasSize(1);
    assertThat(shown.json().getJsonArray("tokens").getJsonObject(0).getString("prefix"))
        .isEqualTo(created.getString("accessToken").substring(0, 10));

    Reply list = gateway.admin(HttpMethod.GET, "/api/deployments?limit=1&offset=0", null);
    assertThat(list.json().getInteger("limit")).isEqualTo(1);
    assertThat(list.json().getLong("total")).isGreaterThanOrEqualTo(1);
    assertThat(list.body()).doesNotContain("k-123456789");
  }

  @Test
  void patchChangesNameAndValuesAndKeepsUntouchedSecrets() {
    JsonObject created = gateway.createFixtureDeployment("api-patch", SCHEMA,
        new JsonObject().put("API_KEY", "k-abcdefgh").put("REGION", "eu"));
    String path = "/api/deployments/" + created.getString("id");

    Reply patched = gateway.admin(HttpMethod.PATCH, path, new JsonObject().put("name", "api-patched")
        .put("config", new JsonObject().put("REGION", "us").put("RETRIES", 5)));

    assertThat(patched.status()).as(patched.body()).isEqualTo(200);
    assertThat(patched.json().getString("name")).isEqualTo("api-patched");
    assertThat(patched.json().getJsonObject("config")).isEqualTo(new JsonObject().put("REGION", "us").put("RETRIES", 5));
    assertThat(patched.json().getJsonArray("secrets")).hasSize(1);
    assertThat(patched.json().getLong("version")).isGreaterThan(created.getLong("version"));

    Reply cleared = gateway.admin(HttpMethod.PATCH, path, new JsonObject().put("config",
        new JsonObject().putNull("RETRIES")));
    assertThat(cleared.json().getJsonObject("config")).isEqualTo(new JsonObject().put("REGION", "us"));

    Reply nullConfig = gateway.admin(HttpMethod.PATCH, path, new JsonObject().putNull("config"));
    assertThat(nullConfig.status()).as(nullConfig.body()).isEqualTo(200);
    assertThat(nullConfig.json().getJsonObject("config")).isEqualTo(new JsonObject().put("REGION", "us"));

    Reply removingRequired = gateway.admin(HttpMethod.PATCH, path, new JsonObject().put("config",
        new JsonObject().putNull("API_KEY")));
    assertThat(removingRequired.status()).isEqualTo(400);
    assertThat(removingRequired.json().getString("detail")).contains("API_KEY");
    assertThat(gateway.admin(HttpMethod.GET, path, null).json().getJsonArray("secrets")).hasSize(1);
  }

  @Test
  void badInputIsRefusedAndChangesNothing() {
    JsonObject existing = gateway.createFixtureDeployment("api-existing", SCHEMA,
        new JsonObject().put("API_KEY", "k-existing").put("REGION", "eu"));
    JsonObject other = gateway.createFixtureDeployment("api-other", SCHEMA, valid());
    String before = snapshot();

    assertProblem(400, "unknown field", body("api-bad", valid()).put("owner", "me"));
    assertProblem(400, "RETRIES", body("api-bad", valid().put("RETRIES", "three")));
    assertProblem(400, ": required", body("api-bad", new JsonObject().put("REGION", "eu")));
    assertProblem(400, "REGION", body("api-bad", valid().put("REGION", "mars")));
    assertProblem(400, "PROJECT", body("api-bad", valid().put("PROJECT", "'; DROP TABLE deployments; --")));
    assertProblem(400, "config: unknown field \"OTHER\" (allowed: ", body("api-bad", valid().put("OTHER", "x")));
    assertProblem(400, "name", body("x".repeat(64), valid()));
    assertProblem(400, "name", body("Not_URL_Safe", valid()));
    assertProblem(400, "name", body("'; DROP TABLE deployments; --", valid()));
    assertProblem(400, "name", body("api-bad", valid()).put("name", 42));
    assertProblem(409, "already exists", body("api-existing", valid()));
    assertProblem(400, "recipe.runtime", body("api-bad", valid()).put("recipe", new JsonObject().put("runtime", "rpm")));
    assertProblem(400, "recipe.args", body("api-bad", valid()).put("recipe", new JsonObject()
        .put("runtime", "command").put("command", "/bin/true").put("args", "not-a-list")));
    assertProblem(422, "was not found", body("api-bad", valid()).put("recipe", new JsonObject()
        .put("runtime", "command").put("command", "catwalk-no-such-program-4711")));
    assertProblem(400, "backend", body("api-bad", valid()).put("backend", "moon"));
    assertProblem(400, "configSchema", body("api-bad", valid()).put("configSchema", new JsonObject()
        .put("type", "object").put("properties", new JsonObject().put("BAD NAME", new JsonObject()))));
    Reply notJson = gateway.admin(HttpMethod.POST, "/api/deployments", Buffer.buffer("{not json"));
    assertThat(notJson.status()).isEqualTo(400);
    assertThat(notJson.headers().get("Content-Type")).isEqualTo("application/problem+json");
    Reply huge = gateway.admin(HttpMethod.POST, "/api/deployments",
        Buffer.buffer("{\"name\":\"" + "a".repeat(2 * 1024 * 1024) + "\"}"));
    assertThat(huge.status()).isEqualTo(413);
    String existingPath = "/api/deployments/" + existing.getString("id");
    assertProblem(400, "unknown field", gateway.admin(HttpMethod.PATCH, existingPath,
        new JsonObject().put("recipe", new JsonObject())));
    assertProblem(400, "REGION", gateway.admin(HttpMethod.PATCH, existingPath,
        new JsonObject().put("name", "api-renamed").put("config", new JsonObject().put("REGION", "mars"))));
    assertProblem(409, "already exists", gateway.admin(HttpMethod.PATCH, "/api/deployments/" + other.getString("id"),
        new JsonObject().put("name", "api-existing")));
    assertProblem(400, "label", gateway.admin(HttpMethod.POST, existingPath + "/tokens",
        new JsonObject().put("label", 7)));
    assertProblem(404, "token", gateway.admin(HttpMethod.DELETE, existingPath + "/tokens/"
        + java.util.UUID.randomUUID(), null));
    assertProblem(400, "unknown field", gateway.admin(HttpMethod.POST, "/api/admin/drain",
        new JsonObject().put("drian", true)));
    assertProblem(400, "true or false", gateway.admin(HttpMethod.POST, "/api/admin/drain",
        new JsonObject().put("drain", "yes")));

    assertThat(snapshot()).isEqualTo(before);
  }

  @Test
  void unknownPathsAre404AndWrongMethods405() {
    Reply unknown = gateway.admin(HttpMethod.GET, "/api/nothing-here", null);
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.headers().get("Content-Type")).isEqualTo("application/problem+json");
    Reply wrongMethod = gateway.admin(HttpMethod.PUT, "/api/deployments", new JsonObject());
    assertThat(wrongMethod.status()).isEqualTo(405);
    assertThat(wrongMethod.json().getString("detail")).contains("PUT");
  }

  @Test
  void requestsWithoutTheAdminTokenAreRefused() {
    for (String authorization : new String[] {null, "Bearer wrong-token-wrong-token", "Basic abc"}) {
      Reply reply = gateway.send(HttpMethod.GET, "/api/deployments", null, authorization);
      assertThat(reply.status()).isEqualTo(401);
      assertThat(reply.headers().get("WWW-Authenticate")).startsWith("Bearer realm=");
      assertThat(reply.headers().get("Content-Type")).isEqualTo("application/problem+json");
    }
    assertThat(gateway.send(HttpMethod.POST, "/api/deployments", valid(), null).status()).isEqualTo(401);
  }

  @Test
  void unknownAndDeletedDeploymentsAre404() {
    JsonObject created = gateway.createFixtureDeployment("api-deleted", SCHEMA, valid());
    String path = "/api/deployments/" + created.getString("id");

    assertThat(gateway.admin(HttpMethod.DELETE, path, null).status()).isEqualTo(200);

    assertThat(gateway.admin(HttpMethod.GET, path, null).status()).isEqualTo(404);
    assertThat(gateway.admin(HttpMethod.DELETE, path, null).status()).isEqualTo(404);
    assertThat(gateway.admin(HttpMethod.PATCH, path, new JsonObject().put("name", "x1")).status()).isEqualTo(404);
    assertThat(gateway.admin(HttpMethod.GET, "/api/deployments/not-a-uuid", null).status()).isEqualTo(404);
    assertThat(gateway.admin(HttpMethod.GET, "/api/deployments/00000000-0000-0000-0000-000000000000", null).status())
        .isEqualTo(404);
    assertThat(gateway.createFixtureDeployment("api-deleted", SCHEMA, valid()).getString("name"))
        .as("the name of a deleted deployment is free again").isEqualTo("api-deleted");
  }

  @Test
  void stopRestartAndLogsFollowTheStateMachine() {
    List<JsonObject> facts = new java.util.concurrent.CopyOnWriteArrayList<>();
    io.vertx.core.eventbus.MessageConsumer<JsonObject> statuses = resources.vertx().eventBus()
        .consumer(dev.catwalk.Addresses.DEPLOYMENTS_STATUS, fact -> facts.add(fact.body()));
    statuses.completion().await();
    JsonObject created = gateway.createFixtureDeployment("api-lifecycle", SCHEMA, valid());
    String path = "/api/deployments/" + created.getString("id");

    Reply stopped = gateway.admin(HttpMethod.POST, path + "/stop", null);
    assertThat(stopped.json().getString("status")).isEqualTo("stopped");
    assertThat(stopped.json().getString("desiredState")).isEqualTo("stopped");
    Reply restarted = gateway.admin(HttpMethod.POST, path + "/restart", null);
    assertThat(restarted.json().getString("status")).isEqualTo("running");

    JsonObject logs = gateway.admin(HttpMethod.GET, path + "/logs", null).json();
    List<String> actions = logs.getJsonArray("events").stream().map(e -> ((JsonObject) e).getString("action")).toList();
    assertThat(actions).contains("deployment.created", "status.provisioning", "status.running", "desired.stopped",
        "status.stopped", "desired.running");
    assertThat(logs.getJsonArray("lines").stream().map(l -> ((JsonObject) l).getString("text")).toList())
        .contains("deployment created", "status stopped: stopped by request", "status running");
    statuses.unregister().await();
    assertThat(facts.stream().filter(fact -> fact.getString("id").equals(created.getString("id")))
        .map(fact -> fact.getString("status") + (fact.getString("reason") == null ? "" : ": " + fact.getString("reason"))))
        .as("catwalk.deployments.status is published on each change, in order")
        .containsExactly("provisioning", "running", "stopped: stopped by request", "provisioning", "running");
  }

  private static JsonObject valid() {
    return new JsonObject().put("API_KEY", "k-12345678").put("REGION", "eu");
  }

  private static JsonObject body(String name, JsonObject config) {
    return GatewayHarness.fixtureDeployment(name, SCHEMA, config);
  }

  private static void assertProblem(int status, String detail, Reply reply) {
    assertThat(reply.status()).as(reply.body()).isEqualTo(status);
    assertThat(reply.headers().get("Content-Type")).isEqualTo("application/problem+json");
    assertThat(reply.json().getString("detail")).containsIgnoringCase(detail);
  }

  private static void assertProblem(int status, String detail, JsonObject body) {
    assertProblem(status, detail, gateway.admin(HttpMethod.POST, "/api/deployments", body));
  }

  /** Every stored row that a refused request could have touched. */
  private static String snapshot() {
    Pool pool = gateway.gateway().pool();
    StringBuilder out = new StringBuilder();
    for (String table : List.of("deployments", "deployment_secrets", "access_tokens")) {
      pool.query("SELECT * FROM " + table + " ORDER BY 1, 2").execute().await()
          .forEach(row -> out.append(table).append(row.deepToString()).append('\n'));
    }
    return out.toString();
  }
}
