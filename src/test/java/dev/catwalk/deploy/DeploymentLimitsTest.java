package dev.catwalk.deploy;

import dev.catwalk.config.ConfigKeys;
import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.GatewayHarness;
import dev.catwalk.testsupport.GatewayHarness.Reply;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A deployment's {@code limits} object on the REST API against a real gateway and Postgres: given at
 * creation and changed by PATCH (a JSON merge: {@code null} restores a key's default), stored as given,
 * shown in full (the gateway's defaults filling the keys not set) by create, get and list; and every
 * bad value refused with a problem naming the field, leaving the stored limits as they were.
 */
@Timeout(120)
class DeploymentLimitsTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.withDatabase();

  private static GatewayHarness gateway;

  @BeforeAll
  static void start() {
    gateway = GatewayHarness.start(resources, raw -> raw.put(ConfigKeys.DEPLOYMENT_MAX_SESSIONS, 7)
        .put(ConfigKeys.DEPLOYMENT_MAX_SESSIONS_PER_TOKEN, 4));
  }

  @AfterAll
  static void stop() {
    gateway.close();
  }

  @Test
  void limitsGivenAtCreationAreStoredAndShownWithTheDefaultsForTheRest() {
    JsonObject body = GatewayHarness.fixtureDeployment("limits-given", null, new JsonObject())
        .put("limits", new JsonObject().put("maxSessions", 3).put("maxSessionsPerToken", 2));

    Reply created = gateway.admin(HttpMethod.POST, "/api/deployments", body);

    assertThat(created.status()).as(created.body()).isEqualTo(201);
    String id = created.json().getString("id");
    JsonObject expected = new JsonObject().put("maxSessions", 3).put("maxSessionsPerToken", 2).put("memoryMb", 2048)
        .put("processes", 512).put("openFiles", 1024).put("network", true);
    assertThat(created.json().getJsonObject("limits")).isEqualTo(expected);
    assertThat(gateway.admin(HttpMethod.GET, "/api/deployments/" + id, null).json().getJsonObject("limits"))
        .isEqualTo(expected);
    JsonArray items = gateway.admin(HttpMethod.GET, "/api/deployments?limit=200", null).json().getJsonArray("items");
    assertThat(items.stream().map(JsonObject.class::cast).filter(d -> d.getString("id").equals(id)).findFirst()
        .orElseThrow().getJsonObject("limits")).isEqualTo(expected);
    assertThat(stored(id)).as("only what was given is stored").isEqualTo(new JsonObject().put("maxSessions", 3)
        .put("maxSessionsPerToken", 2));
  }

  @Test
  void withoutLimitsTheConfiguredDefaultsApply() {
    JsonObject created = gateway.createFixtureDeployment("limits-default", null, new JsonObject());

    assertThat(created.getJsonObject("limits").getInteger("maxSessions")).isEqualTo(7);
    assertThat(created.getJsonObject("limits").getInteger("maxSessionsPerToken")).isEqualTo(4);
    assertThat(stored(created.getString("id"))).isEqualTo(new JsonObject());
  }

  @Test
  void aPerTokenDefaultAboveAGivenDeploymentCapIsShownAsTheCap() {
    Reply created = gateway.admin(HttpMethod.POST, "/api/deployments", GatewayHarness.fixtureDeployment(
        "limits-small", null, new JsonObject()).put("limits", new JsonObject().put("maxSessions", 3)));

    assertThat(created.status()).as(created.body()).isEqualTo(201);
    assertThat(created.json().getJsonObject("limits").getInteger("maxSessions")).isEqualTo(3);
    assertThat(created.json().getJsonObject("limits").getInteger("maxSessionsPerToken")).isEqualTo(3);
  }

  @Test
  void patchMergesLimitsAndNullRestoresTheDefault() {
    JsonObject created = gateway.createFixtureDeployment("limits-patch", null, new JsonObject());
    String path = "/api/deployments/" + created.getString("id");

    Reply first = gateway.admin(HttpMethod.PATCH, path, new JsonObject().put("limits", new JsonObject()
        .put("maxSessions", 5).put("maxSessionsPerToken", 1)));
    Reply second = gateway.admin(HttpMethod.PATCH, path, new JsonObject().put("limits", new JsonObject()
        .put("maxSessions", 6)));

    assertThat(first.status()).as(first.body()).isEqualTo(200);
    assertThat(second.status()).as(second.body()).isEqualTo(200);
    assertThat(second.json().getJsonObject("limits").getInteger("maxSessions")).isEqualTo(6);
    assertThat(second.json().getJsonObject("limits").getInteger("maxSessionsPerToken")).as("kept").isEqualTo(1);
    assertThat(second.json().getLong("version")).isGreaterThan(created.getLong("version"));
    assertThat(stored(created.getString("id"))).isEqualTo(new JsonObject().put("maxSessions", 6)
        .put("maxSessionsPerToken", 1));

    Reply reset = gateway.admin(HttpMethod.PATCH, path, new JsonObject().put("limits", new JsonObject()
        .putNull("maxSessionsPerToken")));
    assertThat(reset.status()).as(reset.body()).isEqualTo(200);
    assertThat(reset.json().getJsonObject("limits").getInteger("maxSessionsPerToken")).isEqualTo(4);
    assertThat(stored(created.getString("id"))).isEqualTo(new JsonObject().put("maxSessions", 6));

    Reply all = gateway.admin(HttpMethod.PATCH, path, new JsonObject().putNull("limits"));
    assertThat(all.status()).as(all.body()).isEqualTo(200);
    assertThat(all.json().getJsonObject("limits").getInteger("maxSessions")).isEqualTo(7);
    assertThat(stored(created.getString("id"))).isEqualTo(new JsonObject());

    JsonArray events = gateway.admin(HttpMethod.GET, path + "/logs", null).json().getJsonArray("events");
    assertThat(events.stream().map(JsonObject.class::cast).filter(e -> e.getString("action")
        .equals("deployment.updated")).map(e -> e.getJsonObject("detail").getJsonArray("fields")))
        .allSatisfy(fields -> assertThat(fields.getList()).contains("limits"));
  }

  @Test
  void badLimitsAreRefusedNamingTheFieldOnCreate() {
    List<Object[]> cases = List.of(
        new Object[] {new JsonObject().put("maxSessions", -1), "limits.maxSessions"},
        new Object[] {new JsonObject().put("maxSessions", 0), "limits.maxSessions"},
        new Object[] {new JsonObject().put("maxSessions", "3"), "limits.maxSessions"},
        new Object[] {new JsonObject().put("maxSessions", 1.5), "limits.maxSessions"},
        new Object[] {new JsonObject().put("maxSessions", true), "limits.maxSessions"},
        new Object[] {new JsonObject().put("maxSessions", 10_000_000_000L), "limits.maxSessions"},
        new Object[] {new JsonObject().put("maxSessionsPerToken", 0), "limits.maxSessionsPerToken"},
        new Object[] {new JsonObject().put("maxSessions", 2).put("maxSessionsPerToken", 3),
            "limits.maxSessionsPerToken"},
        new Object[] {new JsonObject().put("maxSesions", 3), "limits: unknown field \"maxSesions\""},
        new Object[] {new JsonObject().put("memoryMb", 1), "limits.memoryMb"},
        new Object[] {new JsonObject().put("network", "no"), "limits.network"},
        new Object[] {"3", "limits: must be an object"},
        new Object[] {new JsonArray().add(3), "limits: must be an object"});
    for (Object[] c : cases) {
      String name = "limits-bad-" + UUID.randomUUID().toString().substring(0, 8);
      Reply reply = gateway.admin(HttpMethod.POST, "/api/deployments",
          GatewayHarness.fixtureDeployment(name, null, new JsonObject()).put("limits", c[0]));

      assertThat(reply.status()).as("%s: %s", c[0], reply.body()).isEqualTo(400);
      assertThat(reply.headers().get("Content-Type")).startsWith("application/problem+json");
      assertThat(reply.json().getString("detail")).as("%s", c[0]).contains((String) c[1]);
      assertThat(gateway.admin(HttpMethod.GET, "/api/deployments?limit=200", null).json().getJsonArray("items")
          .stream().map(JsonObject.class::cast).map(d -> d.getString("name"))).as("nothing stored").doesNotContain(name);
    }
  }

  @Test
  void badLimitsAreRefusedOnPatchAndChangeNothing() {
    JsonObject created = gateway.createFixtureDeployment("limits-patch-bad", null, new JsonObject());
    String path = "/api/deployments/" + created.getString("id");
    assertThat(gateway.admin(HttpMethod.PATCH, path, new JsonObject().put("limits", new JsonObject()
        .put("maxSessionsPerToken", 2))).status()).isEqualTo(200);

    Reply negative = gateway.admin(HttpMethod.PATCH, path, new JsonObject().put("limits", new JsonObject()
        .put("maxSessions", -5)));
    Reply belowPerToken = gateway.admin(HttpMethod.PATCH, path, new JsonObject().put("limits", new JsonObject()
        .put("maxSessions", 1)));
    Reply unknown = gateway.admin(HttpMethod.PATCH, path, new JsonObject().put("limits", new JsonObject()
        .put("rate", 1)));

    assertThat(negative.status()).isEqualTo(400);
    assertThat(negative.json().getString("detail")).contains("limits.maxSessions");
    assertThat(belowPerToken.status()).isEqualTo(400);
    assertThat(belowPerToken.json().getString("detail")).contains("limits.maxSessionsPerToken");
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.json().getString("detail")).contains("limits: unknown field \"rate\"");
    assertThat(stored(created.getString("id"))).isEqualTo(new JsonObject().put("maxSessionsPerToken", 2));
  }

  @Test
  void sandboxLimitsGivenInTheApiReachTheServer() {
    String script = "echo \"open files: $(ulimit -n)\" >&2; while IFS= read -r line; do"
        + " printf '{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\\n'; done";
    Reply created = gateway.admin(HttpMethod.POST, "/api/deployments", new JsonObject().put("name", "limits-sandbox")
        .put("recipe", new JsonObject().put("runtime", "command").put("command", "sh")
            .put("args", new JsonArray().add("-c").add(script)))
        .put("limits", new JsonObject().put("openFiles", 77)));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    String id = created.json().getString("id");

    assertThat(gateway.mcpInitialize(id, created.json().getString("accessToken")).status()).isEqualTo(200);

    GatewayHarness.eventually(() -> gateway.admin(HttpMethod.GET, "/api/deployments/" + id + "/logs", null).json()
        .getJsonArray("lines").stream().map(JsonObject.class::cast)
        .anyMatch(line -> "stderr".equals(line.getString("source")) && "open files: 77".equals(line.getString("text"))),
        "the server's open-file limit in its log");
  }

  private static JsonObject stored(String id) {
    return (JsonObject) gateway.gateway().pool().preparedQuery("SELECT limits FROM deployments WHERE id = $1")
        .execute(Tuple.of(UUID.fromString(id))).await().iterator().next().getValue("limits");
  }
}
