package dev.catwalk.deploy.fly;

import dev.catwalk.config.ConfigKeys;
import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.GatewayHarness;
import dev.catwalk.testsupport.GatewayHarness.Reply;
import dev.catwalk.testsupport.TestConfig;
import dev.catwalk.testsupport.fly.FakeFlyMachines;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The fly backend end to end against a fake Machines API that boots each Machine's
 * {@code init.cmd} (the runner) as a local process on its own loopback address: a deployment of the
 * SDK fixture server becomes {@code running}, the MCP Java SDK client reaches it through the gateway
 * and sees the secret, delete removes Machine and app, a PATCH updates the Machine in place (and a
 * secret removed from the configuration leaves the app), a restart that changes nothing leaves the
 * Machine alone; and the faults: 429 storms, an ambiguous 408 create, a Machine that cannot boot, a
 * Machine killed or destroyed behind the gateway's back, an API that is down. The gateway runs with the short Fly waits of {@link TestConfig#raw}.
 */
@Timeout(300)
class FlyBackendTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.withDatabase();

  private static final JsonObject SCHEMA = new JsonObject().put("type", "object").put("properties", new JsonObject()
      .put("FLY_SECRET", new JsonObject().put("type", "string").put("writeOnly", true))
      .put("FLY_MODE", new JsonObject().put("type", "string")));

  /** How long a Machine may take to boot the runner on a busy machine. */
  private static final Duration BOOT = Duration.ofSeconds(60);

  private static FakeFlyMachines fly;
  private static GatewayHarness gateway;
  private static int runnerPort;

  @BeforeAll
  static void start() {
    fly = new FakeFlyMachines().start(resources.vertx());
    runnerPort = TestConfig.freePort();
    gateway = GatewayHarness.start(resources, raw -> raw.put(ConfigKeys.FLY_API_URL, fly.url())
        .put(ConfigKeys.FLY_API_TOKEN_OVERRIDE, fly.token()).put(ConfigKeys.FLY_ORG, "catwalk-test-org")
        .put(ConfigKeys.FLY_IMAGE, "registry.fly.io/catwalk-runner:test")
        .put(ConfigKeys.FLY_RUNNER_PORT, runnerPort)
        .put(ConfigKeys.FLY_MACHINE_URL, "http://{private_ip}:" + runnerPort + "/mcp")
        .put(ConfigKeys.RECONCILE_INTERVAL, 1));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    fly.close();
  }

  @AfterEach
  void clearFaults() {
    fly.bootFailure(false);
    fly.down(false);
  }

  @Test
  void aDeploymentRunsOnItsOwnMachineAndIsGoneAfterDelete() {
    long started = System.nanoTime();
    JsonObject deployment = create("fly-e2e");
    long millisToRunning = (System.nanoTime() - started) / 1_000_000;
    System.out.println("fly deployment running after " + millisToRunning + " ms against the fake Machines API");
    assertThat(deployment.getString("status")).as(deployment.getString("statusReason", "")).isEqualTo("running");
    String id = deployment.getString("id");
    String app = "catwalk-" + id.replace("-", "").substring(0, 12);

    assertThat(fly.apps()).extracting(a -> a.getString("name")).contains(app);
    List<JsonObject> machines = live(app);
    assertThat(machines).hasSize(1);
    JsonObject config = machines.get(0).getJsonObject("config");
    assertThat(config.getJsonObject("init").getJsonArray("cmd")).startsWith("runner", "--port");
    assertThat(config.getJsonObject("env").encode()).contains("fly-mode").doesNotContain("fly-secret-value");
    assertThat(config.getJsonObject("metadata").getString(FlyBackend.DEPLOYMENT_KEY)).isEqualTo(id);
    assertThat(fly.secrets(app)).containsEntry("FLY_SECRET", "fly-secret-value").containsKey("CATWALK_RUNNER_TOKEN");

    try (McpSyncClient mcp = gateway.mcpClient(id, deployment.getString("accessToken"))) {
      assertThat(GatewayHarness.call(mcp, "get_env", Map.of("name", "FLY_SECRET"))).isEqualTo("fly-secret-value");
      assertThat(GatewayHarness.call(mcp, "get_env", Map.of("name", "FLY_MODE"))).isEqualTo("fly-mode");
      assertThat(GatewayHarness.call(mcp, "get_env", Map.of("name", "CATWALK_RUNNER_TOKEN"))).isEqualTo("(unset)");
      assertThat(mcp.listTools().tools()).extracting(McpSchema.Tool::name).contains("test_tool_with_progress");
    }
    assertThat(resumeThroughTheGateway(id, deployment.getString("accessToken"))).contains("\"result\"");
    JsonObject logs = gateway.admin(HttpMethod.GET, "/api/deployments/" + id + "/logs", null).json();
    assertThat(logs.getJsonArray("backendEvents")).isNotEmpty();

    assertThat(gateway.admin(HttpMethod.DELETE, "/api/deployments/" + id, null).status()).isEqualTo(200);
    assertThat(fly.apps()).extracting(a -> a.getString("name")).doesNotContain(app);
    GatewayHarness.eventually(() -> "destroyed".equals(fly.machine(machines.get(0).getString("id")).orElseThrow()
        .getString("state")), "the Machine is destroyed");
  }

  @Test
  void updatesStopAndOrphansGoThroughTheApi() {
    JsonObject deployment = create("fly-update");
    String id = deployment.getString("id");
    String app = app(deployment);
    JsonObject before = live(app).get(0);

    Reply patched = gateway.admin(HttpMethod.PATCH, "/api/deployments/" + id, new JsonObject().put("config",
        new JsonObject().put("FLY_MODE", "fly-mode-2").put("FLY_SECRET", "fly-secret-2")));
    assertThat(patched.status()).as(patched.body()).isEqualTo(200);
    assertThat(patched.json().getString("status")).isEqualTo("running");
    JsonObject after = live(app).get(0);
    assertThat(after.getString("id")).as("updated in place, not replaced").isEqualTo(before.getString("id"));
    assertThat(after.getString("instance_id")).isNotEqualTo(before.getString("instance_id"));
    assertThat(after.getJsonObject("config").getJsonObject("env").getString("FLY_MODE")).isEqualTo("fly-mode-2");
    assertThat(fly.secrets(app)).containsEntry("FLY_SECRET", "fly-secret-2");
    assertThat(fly.requests()).anyMatch(r -> r.method().equals("POST") && r.path().endsWith("/lease"));
    serves(id, deployment.getString("accessToken"), "FLY_SECRET", "fly-secret-2", "the updated Machine serves");

    Reply removed = gateway.admin(HttpMethod.PATCH, "/api/deployments/" + id, new JsonObject().put("config",
        new JsonObject().putNull("FLY_SECRET")));
    assertThat(removed.json().getString("status")).as(removed.body()).isEqualTo("running");
    GatewayHarness.eventually(() -> !fly.secrets(app).containsKey("FLY_SECRET"),
        "a secret removed from the configuration leaves the app", BOOT);
    assertThat(fly.secrets(app)).containsKey(FlyBackend.RUNNER_TOKEN_SECRET);
    serves(id, deployment.getString("accessToken"), "FLY_SECRET", "(unset)", "the server no longer sees it");

    JsonObject stopped = gateway.admin(HttpMethod.POST, "/api/deployments/" + id + "/stop", null).json();
    assertThat(stopped.getString("status")).isEqualTo("stopped");
    GatewayHarness.eventually(() -> "stopped".equals(live(app).get(0).getString("state")), "the Machine stops");

    WebClient api = WebClient.create(resources.vertx());
    String orphan = "catwalk-0rphan0000000";
    api.postAbs(fly.url() + "/v1/apps").putHeader("Authorization", "Bearer " + fly.token())
        .sendJsonObject(new JsonObject().put("app_name", orphan).put("org_slug", "catwalk-test-org")).await();
    api.postAbs(fly.url() + "/v1/apps/" + orphan + "/machines").putHeader("Authorization", "Bearer " + fly.token())
        .sendJsonObject(new JsonObject().put("config", new JsonObject().put("image", "registry.fly.io/catwalk-runner:test")
            .put("init", new JsonObject().put("cmd", new io.vertx.core.json.JsonArray().add("--version")))
            .put("metadata", new JsonObject().put(FlyBackend.DEPLOYMENT_KEY, java.util.UUID.randomUUID().toString()))))
        .await();
    GatewayHarness.eventually(() -> fly.apps().stream().noneMatch(a -> a.getString("name").equals(orphan)),
        "reconciliation removes the app of a deployment that does not exist", java.time.Duration.ofSeconds(30));
    assertThat(fly.apps()).extracting(a -> a.getString("name")).contains(app);
  }

  @Test
  void rateLimitStormsAndAnAmbiguousCreateStillMakeExactlyOneMachine() {
    fly.failNext("POST", "/v1/apps/[^/]+/machines", 429, 2);
    fly.failNext("GET", "/v1/apps/[^/]+/machines", 503, 1);
    JsonObject stormy = create("fly-storm");
    assertThat(stormy.getString("status")).as(stormy.getString("statusReason", "")).isEqualTo("running");
    assertThat(live(app(stormy))).hasSize(1);

    fly.ambiguousNextCreate();
    JsonObject ambiguous = create("fly-ambiguous");
    assertThat(ambiguous.getString("status")).as(ambiguous.getString("statusReason", "")).isEqualTo("running");
    assertThat(live(app(ambiguous))).as("the 408 create did create; no second Machine").hasSize(1);
    assertThat(fly.requests().stream().filter(r -> r.method().equals("POST") && r.path().equals("/v1/apps/"
        + app(ambiguous) + "/machines")).count()).isEqualTo(1);
  }

  @Test
  void aMachineThatCannotBootFailsTheDeploymentWithItsReason() {
    fly.bootFailure(true);
    JsonObject failed = create("fly-noboot");
    assertThat(failed.getString("status")).isEqualTo("failed");
    assertThat(failed.getString("statusReason")).contains("did not start").contains("exited with code 1");
    HttpResponse<Buffer> session = post(WebClient.create(resources.vertx()), "/api/mcp/" + failed.getString("id"),
        null, failed.getString("accessToken"), initialize());
    assertThat(session.statusCode()).isEqualTo(503);

    fly.bootFailure(false);
    JsonObject restarted = gateway.admin(HttpMethod.POST, "/api/deployments/" + failed.getString("id") + "/restart",
        null).json();
    assertThat(restarted.getString("status")).as(restarted.getString("statusReason", "")).isEqualTo("running");
    assertThat(live(app(failed))).hasSize(1);
  }

  @Test
  void machinesLostBehindTheGatewaysBackAreRepaired() {
    JsonObject deployment = create("fly-repair");
    String id = deployment.getString("id");
    String app = app(deployment);
    McpSyncClient mcp = gateway.mcpClient(id, deployment.getString("accessToken"));
    assertThat(GatewayHarness.call(mcp, "echo", Map.of("message", "before"))).isEqualTo("before");

    String first = live(app).get(0).getString("id");
    String version = live(app).get(0).getString("instance_id");
    fly.kill(first);
    assertThatThrownBy(() -> GatewayHarness.call(mcp, "echo", Map.of("message", "lost")))
        .as("the runner session died with the Machine").isNotNull();
    mcp.close();
    GatewayHarness.eventually(() -> runnerAnswers(fly.machine(first).orElseThrow()),
        "the Machine's restart policy brings the runner back", BOOT);
    serves(id, deployment.getString("accessToken"), "FLY_MODE", "fly-mode", "a new session works");
    Reply restarted = gateway.admin(HttpMethod.POST, "/api/deployments/" + id + "/restart", null);
    assertThat(restarted.json().getString("status")).as(restarted.body()).isEqualTo("running");
    assertThat(fly.machine(first).orElseThrow().getString("instance_id"))
        .as("provisioning that changes nothing leaves the Machine as it is: no update, no reboot").isEqualTo(version);

    WebClient.create(resources.vertx()).deleteAbs(fly.url() + "/v1/apps/" + app + "/machines/" + first + "?force=true")
        .putHeader("Authorization", "Bearer " + fly.token()).send().await();
    GatewayHarness.eventually(() -> live(app).stream()
        .anyMatch(m -> !m.getString("id").equals(first) && runnerAnswers(m)), "reconciliation replaces it", BOOT);
    assertThat(live(app)).hasSize(1);
    serves(id, deployment.getString("accessToken"), "FLY_MODE", "fly-mode", "the new Machine serves");
  }

  /** Whether the Machine is started and its runner answers {@code /health} (a restarted runner takes a moment). */
  private static boolean runnerAnswers(JsonObject machine) {
    try {
      return "started".equals(machine.getString("state")) && WebClient.create(resources.vertx())
          .get(runnerPort, machine.getString("private_ip"), "/health").timeout(2_000).send().await().statusCode() == 200;
    } catch (Exception e) {
      return false;
    }
  }

  /**
   * Waits until a new SDK session sees {@code name = value}: the gateway answers a provisioning that
   * outlasts its wait with the status it had, so a reply alone does not say the new Machine is up.
   */
  private static void serves(String id, String token, String name, String value, String what) {
    GatewayHarness.eventually(() -> {
      try {
        return value.equals(env(id, token, name));
      } catch (RuntimeException e) {
        return false;
      }
    }, what, BOOT);
  }

  /** A variable as the deployment's server sees it, through a new SDK session. */
  private static String env(String id, String token, String name) {
    try (McpSyncClient mcp = gateway.mcpClient(id, token)) {
      return GatewayHarness.call(mcp, "get_env", Map.of("name", name));
    }
  }

  @Test
  void anApiThatIsDownFailsTheDeploymentAndReconciliationRecovers() {
    fly.down(true);
    JsonObject down = create("fly-down");
    assertThat(down.getString("status")).isEqualTo("failed");
    assertThat(down.getString("statusReason")).contains("could not be reached").doesNotContain(fly.token());
    fly.down(false);
    GatewayHarness.eventually(() -> "running".equals(status(down.getString("id"))), "reconciliation provisions it",
        BOOT);
    assertThat(live(app(down))).hasSize(1);
  }

  /**
   * Creates a fly deployment and returns it once provisioning has ended (the reply says
   * {@code provisioning} when that takes longer than the gateway waits, as on a busy machine).
   */
  private static JsonObject create(String name) {
    JsonObject body = GatewayHarness.fixtureDeployment(name, SCHEMA,
        new JsonObject().put("FLY_SECRET", "fly-secret-value").put("FLY_MODE", "fly-mode")).put("backend", "fly");
    Reply reply = gateway.admin(HttpMethod.POST, "/api/deployments", body);
    assertThat(reply.status()).as(reply.body()).isEqualTo(201);
    String id = reply.json().getString("id");
    GatewayHarness.eventually(() -> !"provisioning".equals(status(id)), "provisioning ends", BOOT);
    return reply.json().mergeIn(gateway.admin(HttpMethod.GET, "/api/deployments/" + id, null).json());
  }

  private static String status(String id) {
    return gateway.admin(HttpMethod.GET, "/api/deployments/" + id, null).json().getString("status");
  }

  private static String app(JsonObject deployment) {
    return "catwalk-" + deployment.getString("id").replace("-", "").substring(0, 12);
  }

  private static List<JsonObject> live(String app) {
    return fly.machines(app).stream().filter(m -> !"destroyed".equals(m.getString("state"))).toList();
  }

  private static JsonObject initialize() {
    return new JsonObject().put("jsonrpc", "2.0").put("id", 1).put("method", "initialize")
        .put("params", new JsonObject().put("protocolVersion", "2025-11-25").put("capabilities", new JsonObject())
            .put("clientInfo", new JsonObject().put("name", "raw").put("version", "1")));
  }

  /**
   * A tools/call whose SSE stream the client drops after the priming event, then resumes with
   * {@code Last-Event-ID}: the rest of the stream, response included, arrives.
   */
  private static String resumeThroughTheGateway(String id, String token) {
    WebClient web = WebClient.create(resources.vertx());
    String path = "/api/mcp/" + id;
    HttpResponse<Buffer> init = post(web, path, null, token, initialize());
    String session = init.getHeader("MCP-Session-Id");
    post(web, path, session, token, new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/initialized"));
    io.vertx.core.http.HttpClient http = resources.vertx().createHttpClient();
    io.vertx.core.http.HttpClientRequest request = http.request(HttpMethod.POST, gateway.port(), "127.0.0.1", path).await();
    request.putHeader("Accept", "application/json, text/event-stream").putHeader("Content-Type", "application/json")
        .putHeader("Authorization", "Bearer " + token).putHeader("MCP-Session-Id", session)
        .putHeader("MCP-Protocol-Version", "2025-11-25");
    java.util.concurrent.CompletableFuture<String> firstId = new java.util.concurrent.CompletableFuture<>();
    StringBuilder received = new StringBuilder();
    request.send(new JsonObject().put("jsonrpc", "2.0").put("id", 7).put("method", "tools/call")
            .put("params", new JsonObject().put("name", "slow").put("arguments", new JsonObject().put("millis", 1500)))
            .encode())
        .onSuccess(response -> response.handler(chunk -> firstEventId(received.append(chunk), firstId)));
    String lastEventId = firstId.join();
    assertThat(lastEventId).as("the priming event").endsWith("-0");
    request.connection().close().await();
    HttpResponse<Buffer> resumed = web.get(gateway.port(), "127.0.0.1", path)
        .putHeader("Accept", "text/event-stream").putHeader("Authorization", "Bearer " + token)
        .putHeader("MCP-Session-Id", session).putHeader("MCP-Protocol-Version", "2025-11-25")
        .putHeader("Last-Event-ID", lastEventId).send().await();
    http.close();
    assertThat(resumed.statusCode()).isEqualTo(200);
    return resumed.bodyAsString();
  }

  /** Completes {@code id} with the first {@code id:} line of the SSE text so far (chunks may split a line). */
  private static void firstEventId(StringBuilder text, java.util.concurrent.CompletableFuture<String> id) {
    text.substring(0, text.lastIndexOf("\n") + 1).lines().filter(l -> l.startsWith("id:")).findFirst()
        .ifPresent(l -> id.complete(l.substring(3).strip()));
  }

  private static HttpResponse<Buffer> post(WebClient web, String path, String session, String token, JsonObject body) {
    var request = web.post(gateway.port(), "127.0.0.1", path)
        .putHeader("Accept", "application/json, text/event-stream").putHeader("Content-Type", "application/json")
        .putHeader("Authorization", "Bearer " + token).putHeader("MCP-Protocol-Version", "2025-11-25");
    if (session != null) {
      request.putHeader("MCP-Session-Id", session);
    }
    return request.sendJsonObject(body).await();
  }

}
