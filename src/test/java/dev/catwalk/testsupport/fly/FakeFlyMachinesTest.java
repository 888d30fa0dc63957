package dev.catwalk.testsupport.fly;

import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.GatewayHarness;
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
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link FakeFlyMachines} spoken to raw, checked against the published API on the points the Fly
 * backend relies on (status codes, bodies, leases, waits, versions). Machines run {@code sleep}: the
 * runner itself is booted by {@code FlyBackendTest}.
 */
class FakeFlyMachinesTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.vertxOnly();

  private static final String ORG = "catwalk-tests";

  private static FakeFlyMachines fly;
  private static WebClient client;

  @BeforeAll
  static void start() {
    fly = new FakeFlyMachines().start(resources.vertx());
    client = WebClient.create(resources.vertx());
  }

  @AfterAll
  static void stop() {
    fly.close();
    client.close();
    assertThat(fly.liveProcesses()).as("processes left after close").isZero();
  }

  @Test
  void appsSecretsMachinesLeasesAndWaitsAnswerAsTheApiDoes() {
    String app = createApp();
    assertThat(api(HttpMethod.POST, "/v1/apps", new JsonObject().put("app_name", app).put("org_slug", ORG))
        .bodyAsJsonObject()).isEqualTo(new JsonObject().put("error", "Name has already been taken")
        .put("status", "name_taken"));
    assertThat(api(HttpMethod.GET, "/v1/apps/" + app, null).bodyAsJsonObject().getJsonObject("organization")
        .getString("slug")).isEqualTo(ORG);
    assertThat(api(HttpMethod.GET, "/v1/apps?org_slug=" + ORG, null).bodyAsJsonObject().getJsonArray("apps").stream()
        .map(a -> ((JsonObject) a).getString("name"))).contains(app);

    String secrets = "/v1/apps/" + app + "/secrets";
    assertThat(api(HttpMethod.POST, secrets, new JsonObject().put("values", new JsonObject().put("A", "1")
        .put("B", "2"))).bodyAsJsonObject().getLong("version")).isEqualTo(1L);
    JsonObject removed = api(HttpMethod.POST, secrets, new JsonObject().put("values", new JsonObject().putNull("A")))
        .bodyAsJsonObject();
    assertThat(removed.getLong("version")).isEqualTo(2L);
    JsonArray listed = api(HttpMethod.GET, secrets, null).bodyAsJsonObject().getJsonArray("secrets");
    assertThat(listed).hasSize(1);
    assertThat(listed.getJsonObject(0).fieldNames()).containsExactlyInAnyOrder("name", "digest");
    assertThat(api(HttpMethod.POST, "/v1/apps/" + app + "/machines", new JsonObject().put("config", sleeper("no"))
        .put("min_secrets_version", 3)).statusCode()).as("secrets not that new yet").isEqualTo(400);

    String launch = UUID.randomUUID().toString();
    JsonObject machine = api(HttpMethod.POST, "/v1/apps/" + app + "/machines", new JsonObject()
        .put("config", sleeper("no").put("metadata", new JsonObject().put("launch", launch)))).bodyAsJsonObject();
    String id = machine.getString("id");
    String path = "/v1/apps/" + app + "/machines/" + id;
    assertThat(id).matches("[0-9a-f]{14}");
    assertThat(machine.getString("state")).isEqualTo("created");
    assertThat(machine.getString("instance_id")).matches("[0-9A-Z]{26}");
    assertThat(machine.getString("private_ip")).startsWith("127.");
    assertThat(api(HttpMethod.GET, path + "/wait?state=started&timeout=10", null).statusCode()).isEqualTo(200);
    assertThat(api(HttpMethod.GET, "/v1/apps/" + app + "/machines?metadata.launch=" + launch, null)
        .bodyAsJsonArray()).hasSize(1);
    assertThat(api(HttpMethod.GET, "/v1/apps/" + app + "/machines?metadata.launch=other", null)
        .bodyAsJsonArray()).isEmpty();
    assertError(api(HttpMethod.GET, path + "/wait?state=started&timeout=61", null), 400, "invalid_argument:");
    assertError(api(HttpMethod.GET, path + "/wait?state=stopped&timeout=1", null), 408, "deadline_exceeded:");

    HttpResponse<Buffer> lease = api(HttpMethod.POST, path + "/lease", new JsonObject().put("ttl", 30));
    assertThat(lease.statusCode()).isEqualTo(201);
    assertThat(lease.bodyAsJsonObject().getString("status")).isEqualTo("success");
    String nonce = lease.bodyAsJsonObject().getJsonObject("data").getString("nonce");
    assertError(api(HttpMethod.POST, path + "/stop", new JsonObject()), 409,
        "aborted: machine ID " + id + " lease currently held by ");
    assertThat(api(HttpMethod.POST, path + "/lease", new JsonObject().put("ttl", 30)).statusCode()).isEqualTo(409);
    JsonObject update = new JsonObject().put("config", sleeper("no"));
    assertThat(api(HttpMethod.POST, path, update.copy().put("current_version", "01ARZ3NDEKTSV4RRFFQ69G5FAV"),
        nonce).statusCode()).as("another version").isEqualTo(409);
    String version = api(HttpMethod.POST, path, update.put("current_version", machine.getString("instance_id")), nonce)
        .bodyAsJsonObject().getString("instance_id");
    assertThat(version).isNotEqualTo(machine.getString("instance_id"));
    assertThat(api(HttpMethod.DELETE, path + "/lease", null, nonce).statusCode()).isEqualTo(200);
    assertThat(api(HttpMethod.GET, path + "/wait?state=started&timeout=10&instance_id=" + version, null)
        .statusCode()).isEqualTo(200);

    assertThat(api(HttpMethod.POST, path + "/stop", new JsonObject()).bodyAsJsonObject())
        .isEqualTo(new JsonObject().put("ok", true));
    assertThat(api(HttpMethod.GET, path + "/wait?state=stopped&timeout=10", null).statusCode()).isEqualTo(200);
    JsonArray events = api(HttpMethod.GET, path + "/events", null).bodyAsJsonArray();
    assertThat(events.stream().map(e -> ((JsonObject) e).getString("type")))
        .containsExactly("exit", "stop", "start", "exit", "update", "start", "launch");
    assertThat(events.getJsonObject(0).getJsonObject("request").getJsonObject("exit_event")
        .getBoolean("requested_stop")).isTrue();

    assertThat(api(HttpMethod.POST, path + "/start", null).bodyAsJsonObject().getString("previous_state"))
        .isEqualTo("stopped");
    assertThat(api(HttpMethod.GET, path + "/wait?state=started&timeout=10", null).statusCode()).isEqualTo(200);
    fly.kill(id);
    JsonObject killed = api(HttpMethod.GET, path, null).bodyAsJsonObject();
    assertThat(killed.getString("state")).as("restart policy no").isEqualTo("stopped");
    JsonObject exit = killed.getJsonArray("events").getJsonObject(0).getJsonObject("request")
        .getJsonObject("exit_event");
    assertThat(exit.getInteger("exit_code")).isEqualTo(137);
    assertThat(exit.getBoolean("requested_stop")).isFalse();

    assertThat(api(HttpMethod.POST, path + "/start", null).statusCode()).isEqualTo(200);
    assertThat(api(HttpMethod.GET, path + "/wait?state=started&timeout=10", null).statusCode()).isEqualTo(200);
    assertError(api(HttpMethod.DELETE, path, null), 412, "failed_precondition:");
    assertThat(api(HttpMethod.DELETE, path + "?force=true", null).statusCode()).isEqualTo(200);
    assertThat(api(HttpMethod.POST, path, new JsonObject().put("config", sleeper("no"))).statusCode())
        .as("no update brings back a Machine being destroyed").isEqualTo(404);
    assertThat(api(HttpMethod.GET, path + "/wait?state=destroyed&timeout=10", null).statusCode()).isEqualTo(200);
    assertThat(api(HttpMethod.GET, path, null).bodyAsJsonObject().getString("state")).isEqualTo("destroyed");
    assertThat(api(HttpMethod.POST, path + "/start", null).statusCode()).isEqualTo(404);
    assertThat(api(HttpMethod.GET, "/v1/apps/" + app + "/machines", null).bodyAsJsonArray()).isEmpty();
    deleteApp(app);
  }

  @Test
  void aCrashFollowsTheRestartPolicy() {
    String app = createApp();
    JsonObject crashing = new JsonObject().put("image", "busybox")
        .put("init", new JsonObject().put("exec", new JsonArray().add("sh").add("-c").add("exit 3")))
        .put("restart", new JsonObject().put("policy", "on-failure").put("max_retries", 2));
    String id = api(HttpMethod.POST, "/v1/apps/" + app + "/machines", new JsonObject().put("config", crashing))
        .bodyAsJsonObject().getString("id");
    GatewayHarness.eventually(() -> "stopped".equals(fly.machine(id).orElseThrow().getString("state"))
        && exits(fly.machine(id).orElseThrow()).size() == 3, "two restarts, then stopped");
    assertThat(exits(fly.machine(id).orElseThrow())).allMatch(e -> e.getInteger("exit_code") == 3)
        .extracting(e -> e.getBoolean("restarting")).containsExactly(true, true, false);
    deleteApp(app);
  }

  @Test
  void tokensUnsimulatedCallsFaultsOutagesAmbiguousCreatesAndBootFailures() {
    String app = createApp();
    String appPath = "/v1/apps/" + app;
    assertError(send(request(HttpMethod.GET, appPath), null), 401, "unauthorized");
    assertThat(send(request(HttpMethod.GET, appPath).putHeader("Authorization", "FlyV1 " + fly.token()), null)
        .statusCode()).isEqualTo(200);
    assertError(api(HttpMethod.POST, appPath + "/machines/00000000000000/suspend", null), 501, "unimplemented:");
    assertError(api(HttpMethod.POST, appPath + "/machines", new JsonObject().put("config", sleeper("no"))
        .put("skip_launch", true)), 501, "unimplemented:");

    int before = fly.requests().size();
    fly.failNext("GET", "/v1/apps/[^/]+", 503, 1);
    fly.failNext("POST", ".*/machines", 429, 1);
    assertThat(api(HttpMethod.GET, appPath, null).statusCode()).isEqualTo(503);
    assertThat(api(HttpMethod.GET, appPath, null).statusCode()).isEqualTo(200);
    HttpResponse<Buffer> limited = api(HttpMethod.POST, appPath + "/machines", new JsonObject()
        .put("config", sleeper("no")));
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.getHeader("Retry-After")).isEqualTo("1");
    assertThat(fly.requests().subList(before, fly.requests().size())).containsExactly(
        new FakeFlyMachines.Request("GET", appPath, null, 503), new FakeFlyMachines.Request("GET", appPath, null, 200),
        new FakeFlyMachines.Request("POST", appPath + "/machines", null, 429));

    fly.down(true);
    assertThatThrownBy(() -> api(HttpMethod.GET, appPath, null)).as("connection refused").isNotNull();
    fly.down(false);
    assertThat(api(HttpMethod.GET, appPath, null).statusCode()).isEqualTo(200);

    fly.ambiguousNextCreate();
    String launch = UUID.randomUUID().toString();
    assertError(api(HttpMethod.POST, appPath + "/machines", new JsonObject().put("config", sleeper("no")
        .put("metadata", new JsonObject().put("launch", launch)))), 408, "deadline_exceeded:");
    assertThat(api(HttpMethod.GET, appPath + "/machines?metadata.launch=" + launch, null).bodyAsJsonArray())
        .as("the create happened all the same").hasSize(1);

    fly.bootFailure(true);
    String failing = api(HttpMethod.POST, appPath + "/machines", new JsonObject().put("config", sleeper("no")))
        .bodyAsJsonObject().getString("id");
    GatewayHarness.eventually(() -> "failed".equals(fly.machine(failing).orElseThrow().getString("state")),
        "the boot fails");
    assertThat(exits(fly.machine(failing).orElseThrow()).get(0).getInteger("exit_code")).isEqualTo(1);
    fly.bootFailure(false);
    assertThat(api(HttpMethod.POST, appPath + "/machines/" + failing + "/start", null).bodyAsJsonObject()
        .getString("previous_state")).isEqualTo("failed");
    assertThat(api(HttpMethod.GET, appPath + "/machines/" + failing + "/wait?timeout=10", null).statusCode())
        .isEqualTo(200);
    deleteApp(app);
  }

  private static String createApp() {
    String app = "fake-fly-" + UUID.randomUUID().toString().substring(0, 8);
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
    GatewayHarness.eventually(() -> fly.liveProcesses() == 0, "no process is left");
  }

  private static JsonObject sleeper(String restartPolicy) {
    return new JsonObject().put("image", "busybox")
        .put("init", new JsonObject().put("exec", new JsonArray().add("sleep").add("300")))
        .put("restart", new JsonObject().put("policy", restartPolicy));
  }

  /** The Machine's exit events' {@code exit_event}, oldest first. */
  private static List<JsonObject> exits(JsonObject machine) {
    return machine.getJsonArray("events").stream().map(JsonObject.class::cast)
        .filter(e -> e.getString("type").equals("exit"))
        .map(e -> e.getJsonObject("request").getJsonObject("exit_event")).toList().reversed();
  }

  private static void assertError(HttpResponse<Buffer> response, int status, String prefix) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(status);
    assertThat(response.bodyAsJsonObject().getString("error")).startsWith(prefix);
  }

  /** An authorized request; with {@code nonce[0]} as the lease nonce when given. */
  private static HttpResponse<Buffer> api(HttpMethod method, String path, JsonObject body, String... nonce) {
    HttpRequest<Buffer> request = request(method, path).putHeader("Authorization", "Bearer " + fly.token());
    if (nonce.length > 0) {
      request.putHeader(FakeFlyMachines.NONCE_HEADER, nonce[0]);
    }
    return send(request, body);
  }

  private static HttpRequest<Buffer> request(HttpMethod method, String path) {
    return client.requestAbs(method, fly.url() + path).timeout(Duration.ofSeconds(70).toMillis());
  }

  private static HttpResponse<Buffer> send(HttpRequest<Buffer> request, JsonObject body) {
    return (body == null ? request.send() : request.sendJsonObject(body)).await();
  }
}
