package dev.catwalk.testsupport.fly;

import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.GatewayHarness;
import dev.catwalk.testsupport.TestConfig;
import dev.catwalk.testsupport.mcp.FixtureCommand;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link FakeFlyMachines} spoken to raw with a WebClient, as the Fly backend will speak to the real API. */
class FakeFlyMachinesTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.vertxOnly();

  private static final String RUNNER_TOKEN = "runner-token-" + UUID.randomUUID();
  private static final String ORG = "catwalk-tests";
  private static final Duration BOOT = Duration.ofSeconds(60);
  private static final AtomicInteger APPS = new AtomicInteger();

  private static FakeFlyMachines fly;
  private static WebClient client;

  @BeforeAll
  static void start() {
    fly = new FakeFlyMachines().start(resources.vertx());
    client = WebClient.create(resources.vertx());
  }

  @AfterAll
  static void stop() {
    try {
      fly.close();
      assertThat(fly.liveProcesses()).as("processes left after close").isZero();
    } finally {
      client.close();
    }
  }

  @Test
  void aRunnerMachineBootsServesMcpAndFollowsStopStartUpdateLeaseAndKill() {
    String app = createApp();
    assertThat(api(HttpMethod.POST, "/v1/apps", new JsonObject().put("app_name", app).put("org_slug", "other-org"))
        .bodyAsJsonObject()).isEqualTo(new JsonObject().put("error", "Name has already been taken")
        .put("status", "name_taken"));
    JsonObject shown = api(HttpMethod.GET, "/v1/apps/" + app, null).bodyAsJsonObject();
    assertThat(shown.getString("name")).isEqualTo(app);
    assertThat(shown.getJsonObject("organization").getString("slug")).isEqualTo(ORG);
    HttpResponse<Buffer> secrets = api(HttpMethod.POST, "/v1/apps/" + app + "/secrets", new JsonObject()
        .put("values", new JsonObject().put("CATWALK_RUNNER_TOKEN", RUNNER_TOKEN).put("GREETING", "hello, secret")));
    assertThat(secrets.statusCode()).isEqualTo(200);
    assertThat(secrets.bodyAsJsonObject().getLong("version")).isEqualTo(1L);
    JsonArray listed = api(HttpMethod.GET, "/v1/apps/" + app + "/secrets", null).bodyAsJsonObject()
        .getJsonArray("secrets");
    assertThat(listed).hasSize(2);
    assertThat(listed.getJsonObject(0).fieldNames()).containsExactlyInAnyOrder("name", "digest");

    int port = TestConfig.freePort();
    String launch = UUID.randomUUID().toString();
    HttpResponse<Buffer> created = api(HttpMethod.POST, "/v1/apps/" + app + "/machines", new JsonObject()
        .put("region", "ams").put("config", runnerConfig(port, "v1", launch)));
    assertThat(created.statusCode()).isEqualTo(200);
    JsonObject machine = created.bodyAsJsonObject();
    String id = machine.getString("id");
    String ip = machine.getString("private_ip");
    assertThat(id).matches("[0-9a-f]{14}");
    assertThat(machine.getString("state")).isEqualTo("created");
    assertThat(machine.getString("instance_id")).matches("[0-9A-Z]{26}");
    assertThat(machine.getString("region")).isEqualTo("ams");
    assertThat(machine.getJsonObject("image_ref").getString("repository")).isEqualTo("catwalk");
    assertThat(ip).startsWith("127.");
    String machinePath = "/v1/apps/" + app + "/machines/" + id;

    assertThat(api(HttpMethod.GET, machinePath + "/wait?state=started&timeout=30", null).statusCode()).isEqualTo(200);
    awaitHealthy(ip, port);
    assertThat(mcp(ip, port, null, null, initialize()).statusCode()).as("runner token required").isEqualTo(401);
    assertThat(serverEnv(ip, port, "GREETING", "FLY_MACHINE_ID", "FROM_CONFIG", "FLY_APP_NAME"))
        .containsExactly("hello, secret", id, "v1", app);

    assertThat(api(HttpMethod.GET, "/v1/apps/" + app + "/machines?metadata.launch_id=" + launch, null)
        .bodyAsJsonArray()).hasSize(1);
    assertThat(api(HttpMethod.GET, "/v1/apps/" + app + "/machines?metadata.launch_id=other", null)
        .bodyAsJsonArray()).isEmpty();
    HttpResponse<Buffer> tooLong = api(HttpMethod.GET, machinePath + "/wait?state=started&timeout=61", null);
    assertThat(tooLong.statusCode()).isEqualTo(400);
    assertThat(tooLong.bodyAsJsonObject().getString("error")).startsWith("invalid_argument:");
    HttpResponse<Buffer> notReached = api(HttpMethod.GET, machinePath + "/wait?state=stopped&timeout=1", null);
    assertThat(notReached.statusCode()).isEqualTo(408);
    assertThat(notReached.bodyAsJsonObject().getString("error")).startsWith("deadline_exceeded:");

    HttpResponse<Buffer> lease = api(HttpMethod.POST, machinePath + "/lease", new JsonObject().put("ttl", 30));
    assertThat(lease.statusCode()).isEqualTo(201);
    assertThat(lease.bodyAsJsonObject().getString("status")).isEqualTo("success");
    String nonce = lease.bodyAsJsonObject().getJsonObject("data").getString("nonce");
    HttpResponse<Buffer> held = api(HttpMethod.POST, machinePath + "/stop", null);
    assertThat(held.statusCode()).isEqualTo(409);
    assertThat(held.bodyAsJsonObject().getString("error"))
        .startsWith("aborted: machine ID " + id + " lease currently held by ").contains("expires at");
    assertThat(api(HttpMethod.POST, machinePath + "/lease", new JsonObject().put("ttl", 30)).statusCode())
        .as("a second lease").isEqualTo(409);
    JsonObject update = new JsonObject().put("config", runnerConfig(port, "v2", launch));
    assertThat(api(HttpMethod.POST, machinePath, update.copy().put("current_version", "01ARZ3NDEKTSV4RRFFQ69G5FAV"),
        FakeFlyMachines.NONCE_HEADER, nonce).statusCode()).as("stale current_version").isEqualTo(409);
    HttpResponse<Buffer> updated = api(HttpMethod.POST, machinePath,
        update.put("current_version", machine.getString("instance_id")), FakeFlyMachines.NONCE_HEADER, nonce);
    assertThat(updated.statusCode()).isEqualTo(200);
    String version = updated.bodyAsJsonObject().getString("instance_id");
    assertThat(version).isNotEqualTo(machine.getString("instance_id"));
    assertThat(api(HttpMethod.DELETE, machinePath + "/lease", null, FakeFlyMachines.NONCE_HEADER, nonce).statusCode())
        .isEqualTo(200);
    assertThat(api(HttpMethod.GET, machinePath + "/wait?state=started&timeout=30&instance_id=" + version, null)
        .statusCode()).isEqualTo(200);
    awaitHealthy(ip, port);
    assertThat(serverEnv(ip, port, "FROM_CONFIG")).as("the update restarted the process").containsExactly("v2");

    assertThat(api(HttpMethod.POST, machinePath + "/stop", null).bodyAsJsonObject())
        .isEqualTo(new JsonObject().put("ok", true));
    assertThat(api(HttpMethod.GET, machinePath + "/wait?state=stopped&timeout=30&instance_id=" + version, null)
        .statusCode()).isEqualTo(200);
    assertThat(health(ip, port)).as("nothing listens on a stopped machine").isZero();
    JsonArray events = api(HttpMethod.GET, machinePath + "/events", null).bodyAsJsonArray();
    assertThat(events.getJsonObject(0).getString("type")).isEqualTo("exit");
    assertThat(events.getJsonObject(0).getJsonObject("request").getJsonObject("exit_event")
        .getBoolean("requested_stop")).isTrue();
    assertThat(events.getJsonObject(1).getString("type")).isEqualTo("stop");
    assertThat(events.getJsonObject(0).getLong("timestamp")).isGreaterThanOrEqualTo(
        events.getJsonObject(events.size() - 1).getLong("timestamp"));
    assertThat(events.getJsonObject(events.size() - 1).getString("type")).isEqualTo("launch");

    assertThat(api(HttpMethod.POST, machinePath + "/start", null).bodyAsJsonObject()).isEqualTo(new JsonObject()
        .put("previous_state", "stopped").put("migrated", false).put("new_host", false));
    assertThat(api(HttpMethod.GET, machinePath + "/wait?state=started&timeout=30", null).statusCode()).isEqualTo(200);
    fly.kill(id);
    JsonObject killed = api(HttpMethod.GET, machinePath, null).bodyAsJsonObject();
    assertThat(killed.getString("state")).as("restart policy no").isEqualTo("stopped");
    JsonObject exit = killed.getJsonArray("events").getJsonObject(0);
    assertThat(exit.getString("type")).isEqualTo("exit");
    assertThat(exit.getString("source")).isEqualTo("flyd");
    assertThat(exit.getJsonObject("request").getJsonObject("exit_event").getInteger("exit_code")).isEqualTo(137);
    assertThat(exit.getJsonObject("request").getJsonObject("exit_event").getBoolean("requested_stop")).isFalse();

    deleteApp(app);
  }

  @Test
  void crashesFollowTheRestartPolicyAndDestroyNeedsForceWhileRunning() {
    String app = createApp();
    String crashing = createMachine(app, execConfig(List.of("sh", "-c", "exit 3"))
        .put("restart", new JsonObject().put("policy", "on-failure").put("max_retries", 2)));
    awaitTrue(() -> fly.machine(crashing).orElseThrow().getString("state").equals("stopped")
        && exits(fly.machine(crashing).orElseThrow()) == 3);
    JsonObject exit = fly.machine(crashing).orElseThrow().getJsonArray("events").getJsonObject(0);
    assertThat(exit.getJsonObject("request").getJsonObject("exit_event").getInteger("exit_code")).isEqualTo(3);

    String sleeper = createMachine(app, execConfig(List.of("sleep", "300"))
        .put("restart", new JsonObject().put("policy", "always")));
    String path = "/v1/apps/" + app + "/machines/" + sleeper;
    assertThat(api(HttpMethod.GET, path + "/wait?state=started&timeout=10", null).statusCode()).isEqualTo(200);
    String firstStart = fly.machine(sleeper).orElseThrow().getJsonArray("events").getJsonObject(0).getString("id");
    fly.kill(sleeper);
    assertThat(fly.machine(sleeper).orElseThrow().getJsonArray("events").getJsonObject(0)
        .getJsonObject("request").getJsonObject("exit_event").getBoolean("restarting")).isTrue();
    awaitTrue(() -> fly.machine(sleeper).orElseThrow().getString("state").equals("started"));
    assertThat(fly.machine(sleeper).orElseThrow().getJsonArray("events").getJsonObject(0).getString("id"))
        .isNotEqualTo(firstStart);

    assertThat(api(HttpMethod.POST, path + "/restart", null).statusCode()).isEqualTo(200);
    awaitTrue(() -> fly.machine(sleeper).orElseThrow().getJsonArray("events").stream()
        .filter(e -> ((JsonObject) e).getString("type").equals("start")).count() == 3);
    assertThat(api(HttpMethod.POST, path + "/start", null).statusCode()).as("already started").isEqualTo(412);
    HttpResponse<Buffer> refused = api(HttpMethod.DELETE, path, null);
    assertThat(refused.statusCode()).isEqualTo(412);
    assertThat(refused.bodyAsJsonObject().getString("error")).startsWith("failed_precondition:");
    assertThat(api(HttpMethod.DELETE, path + "/?force=true", null).bodyAsJsonObject()).as("as the docs spell it")
        .isEqualTo(new JsonObject().put("ok", true));
    assertThat(api(HttpMethod.GET, path + "/wait?state=destroyed&timeout=10", null).statusCode()).isEqualTo(200);
    assertThat(api(HttpMethod.GET, path, null).bodyAsJsonObject().getString("state")).isEqualTo("destroyed");
    assertThat(api(HttpMethod.POST, path + "/start", null).statusCode()).isEqualTo(404);
    assertThat(ids(api(HttpMethod.GET, "/v1/apps/" + app + "/machines", null).bodyAsJsonArray()))
        .containsExactly(crashing);
    assertThat(ids(api(HttpMethod.GET, "/v1/apps/" + app + "/machines?include_deleted=true", null)
        .bodyAsJsonArray())).containsExactly(crashing, sleeper);

    deleteApp(app);
  }

  @Test
  void injectedFailuresOutagesAmbiguousCreatesAndBootFailures() {
    String app = createApp();
    String appPath = "/v1/apps/" + app;
    assertThat(send(request(HttpMethod.GET, appPath), null).statusCode()).as("no token").isEqualTo(401);
    assertThat(send(request(HttpMethod.GET, appPath).putHeader("Authorization", "Bearer wrong"), null)
        .bodyAsJsonObject().getString("error")).isEqualTo("unauthorized");
    assertThat(send(request(HttpMethod.GET, appPath).putHeader("Authorization", "FlyV1 " + fly.token()), null)
        .statusCode()).isEqualTo(200);
    assertThat(api(HttpMethod.GET, "/v1/apps?org_slug=" + ORG, null).bodyAsJsonObject().getJsonArray("apps")
        .stream().map(a -> ((JsonObject) a).getString("name")).toList()).contains(app);
    assertThat(api(HttpMethod.POST, appPath + "/machines/00000000000000/suspend", null).statusCode())
        .as("not simulated").isEqualTo(501);

    long version = api(HttpMethod.POST, appPath + "/secrets", new JsonObject().put("values", new JsonObject()
        .put("A", "1"))).bodyAsJsonObject().getLong("version");
    JsonObject removed = api(HttpMethod.POST, appPath + "/secrets", new JsonObject().put("values", new JsonObject()
        .putNull("A"))).bodyAsJsonObject();
    assertThat(removed.getLong("version")).isEqualTo(version + 1);
    assertThat(removed.getJsonArray("secrets")).isEmpty();
    assertThat(api(HttpMethod.POST, appPath + "/machines", new JsonObject().put("config", execConfig(List.of("true")))
        .put("min_secrets_version", version + 5)).statusCode()).isEqualTo(400);

    int before = fly.requests().size();
    fly.failNext("GET", "/v1/apps/[^/]+", 503, 1);
    fly.failNext("POST", ".*/machines", 429, 1);
    HttpResponse<Buffer> unavailable = api(HttpMethod.GET, appPath, null);
    assertThat(unavailable.statusCode()).isEqualTo(503);
    assertThat(unavailable.bodyAsJsonObject().getString("error")).isNotBlank();
    assertThat(api(HttpMethod.GET, appPath, null).statusCode()).isEqualTo(200);
    HttpResponse<Buffer> limited = api(HttpMethod.POST, appPath + "/machines", new JsonObject()
        .put("config", execConfig(List.of("true"))));
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.getHeader("Retry-After")).isEqualTo("1");
    assertThat(fly.requests().subList(before, fly.requests().size())).containsExactly(
        new FakeFlyMachines.Request("GET", appPath, null, 503),
        new FakeFlyMachines.Request("GET", appPath, null, 200),
        new FakeFlyMachines.Request("POST", appPath + "/machines", null, 429));

    fly.down(true);
    assertThatThrownBy(() -> api(HttpMethod.GET, appPath, null)).as("connection refused").isNotNull();
    fly.down(false);
    assertThat(api(HttpMethod.GET, appPath, null).statusCode()).isEqualTo(200);

    fly.ambiguousNextCreate();
    String launch = UUID.randomUUID().toString();
    HttpResponse<Buffer> ambiguous = api(HttpMethod.POST, appPath + "/machines", new JsonObject().put("config",
        execConfig(List.of("sleep", "300")).put("metadata", new JsonObject().put("launch_id", launch))));
    assertThat(ambiguous.statusCode()).isEqualTo(408);
    assertThat(ambiguous.bodyAsJsonObject().getString("error")).startsWith("deadline_exceeded:");
    JsonArray found = api(HttpMethod.GET, appPath + "/machines?metadata.launch_id=" + launch, null).bodyAsJsonArray();
    assertThat(found).as("the create happened all the same").hasSize(1);
    String ambiguousId = found.getJsonObject(0).getString("id");
    assertThat(api(HttpMethod.GET, appPath + "/machines/" + ambiguousId + "/wait?timeout=10", null).statusCode())
        .isEqualTo(200);

    fly.bootFailure(true);
    String failing = createMachine(app, execConfig(List.of("sleep", "300")));
    awaitTrue(() -> fly.machine(failing).orElseThrow().getString("state").equals("failed"));
    JsonObject failed = fly.machine(failing).orElseThrow().getJsonArray("events").getJsonObject(0);
    assertThat(failed.getString("type")).isEqualTo("exit");
    assertThat(failed.getJsonObject("request").getJsonObject("exit_event").getInteger("exit_code")).isEqualTo(1);
    fly.bootFailure(false);
    assertThat(api(HttpMethod.POST, appPath + "/machines/" + failing + "/start", null).bodyAsJsonObject()
        .getString("previous_state")).isEqualTo("failed");
    assertThat(api(HttpMethod.GET, appPath + "/machines/" + failing + "/wait?timeout=10", null).statusCode())
        .isEqualTo(200);

    deleteApp(app);
  }

  // ---------------------------------------------------------------- helpers

  private static String createApp() {
    String app = "fake-fly-" + APPS.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 8);
    HttpResponse<Buffer> created = api(HttpMethod.POST, "/v1/apps", new JsonObject().put("app_name", app)
        .put("org_slug", ORG));
    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(created.bodyAsJsonObject().fieldNames()).containsExactlyInAnyOrder("id", "created_at");
    return app;
  }

  /** Deletes the app and checks that its Machines' processes are all gone. */
  private static void deleteApp(String app) {
    assertThat(api(HttpMethod.DELETE, "/v1/apps/" + app, null).statusCode()).isEqualTo(202);
    assertThat(api(HttpMethod.GET, "/v1/apps/" + app, null).statusCode()).isEqualTo(404);
    awaitTrue(() -> fly.liveProcesses() == 0);
  }

  private static String createMachine(String app, JsonObject config) {
    HttpResponse<Buffer> created = api(HttpMethod.POST, "/v1/apps/" + app + "/machines",
        new JsonObject().put("config", config));
    assertThat(created.statusCode()).isEqualTo(200);
    return created.bodyAsJsonObject().getString("id");
  }

  private static JsonObject runnerConfig(int port, String marker, String launch) {
    List<String> cmd = new ArrayList<>(List.of("runner", "--port", Integer.toString(port), "--"));
    cmd.addAll(FixtureCommand.command());
    return new JsonObject()
        .put("image", "registry.fly.io/catwalk:test")
        .put("init", new JsonObject().put("cmd", new JsonArray(cmd)))
        .put("env", new JsonObject().put("FROM_CONFIG", marker))
        .put("guest", new JsonObject().put("cpu_kind", "shared").put("cpus", 1).put("memory_mb", 512))
        .put("restart", new JsonObject().put("policy", "no"))
        .put("metadata", new JsonObject().put("launch_id", launch));
  }

  private static JsonObject execConfig(List<String> exec) {
    return new JsonObject().put("image", "docker.io/library/busybox:latest")
        .put("init", new JsonObject().put("exec", new JsonArray(exec)));
  }

  private static long exits(JsonObject machine) {
    return machine.getJsonArray("events").stream().filter(e -> ((JsonObject) e).getString("type").equals("exit"))
        .count();
  }

  private static List<String> ids(JsonArray machines) {
    return machines.stream().map(m -> ((JsonObject) m).getString("id")).toList();
  }

  private static HttpResponse<Buffer> api(HttpMethod method, String path, JsonObject body, String... headers) {
    HttpRequest<Buffer> request = request(method, path).putHeader("Authorization", "Bearer " + fly.token());
    for (int i = 0; i + 1 < headers.length; i += 2) {
      request.putHeader(headers[i], headers[i + 1]);
    }
    return send(request, body);
  }

  private static HttpRequest<Buffer> request(HttpMethod method, String path) {
    return client.requestAbs(method, fly.url() + path).timeout(Duration.ofSeconds(70).toMillis());
  }

  private static HttpResponse<Buffer> send(HttpRequest<Buffer> request, JsonObject body) {
    return (body == null ? request.send() : request.sendJsonObject(body)).await();
  }

  /** GET /health on the runner: its status, or 0 when nothing answers. */
  private static int health(String ip, int port) {
    try {
      return client.get(port, ip, "/health").timeout(2000).send().await().statusCode();
    } catch (Exception e) {
      return 0;
    }
  }

  private static void awaitHealthy(String ip, int port) {
    awaitTrue(() -> health(ip, port) == 200);
  }

  private static JsonObject initialize() {
    return new JsonObject().put("jsonrpc", "2.0").put("id", 1).put("method", "initialize").put("params",
        new JsonObject().put("protocolVersion", "2025-06-18").put("capabilities", new JsonObject())
            .put("clientInfo", new JsonObject().put("name", "fake-fly-test").put("version", "1")));
  }

  /** A POST to the runner's /mcp with {@code token} (none when null) and {@code session} (when not null). */
  private static HttpResponse<Buffer> mcp(String ip, int port, String token, String session, JsonObject message) {
    HttpRequest<Buffer> request = client.post(port, ip, "/mcp").timeout(30_000).putHeader("Accept", "application/json");
    if (token != null) {
      request.putHeader("Authorization", "Bearer " + token);
    }
    if (session != null) {
      request.putHeader("MCP-Session-Id", session).putHeader("MCP-Protocol-Version", "2025-06-18");
    }
    return request.sendJsonObject(message).await();
  }

  /** Opens an MCP session through the runner (with its token) and reads variables with the get_env tool. */
  private static List<String> serverEnv(String ip, int port, String... names) {
    HttpResponse<Buffer> initialized = mcp(ip, port, RUNNER_TOKEN, null, initialize());
    assertThat(initialized.statusCode()).isEqualTo(200);
    String session = initialized.getHeader("MCP-Session-Id");
    assertThat(mcp(ip, port, RUNNER_TOKEN, session, new JsonObject().put("jsonrpc", "2.0")
        .put("method", "notifications/initialized")).statusCode()).isEqualTo(202);
    List<String> values = new ArrayList<>();
    int id = 2;
    for (String name : names) {
      JsonObject reply = mcp(ip, port, RUNNER_TOKEN, session, new JsonObject().put("jsonrpc", "2.0").put("id", id++)
          .put("method", "tools/call").put("params", new JsonObject().put("name", "get_env")
              .put("arguments", new JsonObject().put("name", name)))).bodyAsJsonObject();
      values.add(reply.getJsonObject("result").getJsonArray("content").getJsonObject(0).getString("text"));
    }
    client.delete(port, ip, "/mcp").putHeader("Authorization", "Bearer " + RUNNER_TOKEN)
        .putHeader("MCP-Session-Id", session).send().await();
    return values;
  }

  private static void awaitTrue(BooleanSupplier condition) {
    GatewayHarness.eventually(condition, "the fake reaches the expected state", BOOT);
  }
}
