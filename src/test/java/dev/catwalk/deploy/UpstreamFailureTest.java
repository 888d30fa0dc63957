package dev.catwalk.deploy;

import dev.catwalk.config.ConfigKeys;
import dev.catwalk.mcp.Runner;
import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.GatewayHarness;
import dev.catwalk.testsupport.LogCapture;
import dev.catwalk.testsupport.TestConfig;
import dev.catwalk.testsupport.mcp.FixtureCommand;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A deployment whose server cannot be used says so: refused connections, HTTP 401 from a remote
 * server, a process that exits before answering and one that cannot be started appear in the
 * deployment's logs and the gateway's, and the deployment turns {@code degraded} with the reason
 * (never a secret), then {@code running} again once a session gets an answer.
 */
@Timeout(300)
class UpstreamFailureTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.withDatabase();

  private static final String SECRET = "remote-secret-7f3a9c";

  @Test
  void aRemoteServerThatRefusesConnectionsDegradesTheDeploymentUntilItAnswersAgain() {
    int port = TestConfig.freePort();
    try (LogCapture log = LogCapture.begin(); GatewayHarness gateway = GatewayHarness.start(resources)) {
      JsonObject deployment = createRemote(gateway, "down", port, SECRET);
      String id = deployment.getString("id");

      GatewayHarness.Reply refused = gateway.mcpInitialize(id, deployment.getString("accessToken"));

      assertThat(refused.body()).contains("could not be reached");
      awaitStatus(gateway, id, "degraded");
      assertThat(get(gateway, id).getString("statusReason")).contains("could not be reached")
          .contains("127.0.0.1:" + port);
      assertThat(logLines(gateway, id)).anyMatch(line -> line.contains("could not be reached"));
      assertThat(log.lines()).anyMatch(line -> line.contains(id) && line.contains("could not be reached"));

      Runner remote = Runner.start(resources.vertx(), "127.0.0.1", port, FixtureCommand.command(), Map.of(), SECRET,
          TestConfig.relayOptions()).await();
      try {
        assertThat(gateway.mcpInitialize(id, deployment.getString("accessToken")).status()).isEqualTo(200);
        awaitStatus(gateway, id, "running");
      } finally {
        remote.close().await();
      }
      assertThat(String.join("\n", log.lines()) + gateway.seen()).doesNotContain(SECRET);
    }
  }

  @Test
  void aRemoteServerThatAnswers401IsNamedInTheLogsAndTheStatus() {
    Runner remote = Runner.start(resources.vertx(), "127.0.0.1", TestConfig.freePort(), FixtureCommand.command(),
        Map.of(), "the-right-token", TestConfig.relayOptions()).await();
    try (LogCapture log = LogCapture.begin(); GatewayHarness gateway = GatewayHarness.start(resources)) {
      JsonObject deployment = createRemote(gateway, "unauthorized", remote.port(), SECRET);
      String id = deployment.getString("id");

      gateway.mcpInitialize(id, deployment.getString("accessToken"));

      awaitStatus(gateway, id, "degraded");
      assertThat(get(gateway, id).getString("statusReason")).contains("HTTP 401");
      assertThat(logLines(gateway, id)).anyMatch(line -> line.contains("HTTP 401"));
      assertThat(log.lines()).anyMatch(line -> line.contains(id) && line.contains("HTTP 401"));
      assertThat(String.join("\n", log.lines()) + gateway.seen()).doesNotContain(SECRET);
    } finally {
      remote.close().await();
    }
  }

  @Test
  void aServerProcessThatExitsBeforeAnsweringIsNamedWithItsExitCode() {
    try (LogCapture log = LogCapture.begin(); GatewayHarness gateway = GatewayHarness.start(resources)) {
      JsonObject deployment = createCommand(gateway, "exits", "sh", "-c", "echo 'cannot start: no config' >&2; exit 3");
      String id = deployment.getString("id");

      gateway.mcpInitialize(id, deployment.getString("accessToken"));

      awaitStatus(gateway, id, "degraded");
      assertThat(get(gateway, id).getString("statusReason")).contains("exited with code 3");
      assertThat(logLines(gateway, id)).anyMatch(line -> line.contains("exited with code 3"))
          .anyMatch(line -> line.contains("cannot start: no config"));
      assertThat(log.lines()).anyMatch(line -> line.contains(id) && line.contains("exited with code 3"));
    }
  }

  /**
   * The executable vanishes between provisioning and the first session. A reconciliation pass that saw it gone
   * would mark the deployment failed first (also right, but not what this test is about), so this gateway's
   * periodic pass is an hour away and the deployment is made after the pass it runs on becoming the reconciler
   * has listed the deployments.
   */
  @Test
  void aServerThatCannotBeStartedIsNamed(@TempDir Path dir) throws Exception {
    Path script = dir.resolve("server.sh");
    Files.writeString(script, "#!/bin/sh\nexit 0\n");
    script.toFile().setExecutable(true);
    try (LogCapture log = LogCapture.begin(); GatewayHarness gateway = GatewayHarness.start(resources,
        raw -> raw.put(ConfigKeys.RECONCILE_INTERVAL, 3600))) {
      GatewayHarness.eventually(() -> log.lines().stream().anyMatch(line -> line.contains("holds the reconciler lock")),
          "the gateway becomes the reconciler and starts its first pass");
      JsonObject deployment = createCommand(gateway, "vanished", script.toString());
      String id = deployment.getString("id");
      Files.delete(script);

      gateway.mcpInitialize(id, deployment.getString("accessToken"));

      awaitStatus(gateway, id, "degraded");
      assertThat(get(gateway, id).getString("statusReason")).contains("could not be started");
      assertThat(logLines(gateway, id)).anyMatch(line -> line.contains("could not be started"));
      assertThat(log.lines()).anyMatch(line -> line.contains(id) && line.contains("could not be started"));
    }
  }

  private static JsonObject createRemote(GatewayHarness gateway, String name, int port, String secret) {
    JsonObject body = new JsonObject().put("name", name)
        .put("recipe", new JsonObject().put("runtime", "remote").put("url", "http://127.0.0.1:" + port + Runner.MCP_PATH)
            .put("headers", new JsonObject().put("Authorization", "Bearer ${REMOTE_TOKEN}")))
        .put("configSchema", new JsonObject().put("type", "object").put("properties", new JsonObject()
            .put("REMOTE_TOKEN", new JsonObject().put("type", "string").put("writeOnly", true))))
        .put("config", new JsonObject().put("REMOTE_TOKEN", secret));
    return created(gateway, body);
  }

  private static JsonObject createCommand(GatewayHarness gateway, String name, String command, String... args) {
    JsonObject body = new JsonObject().put("name", name)
        .put("recipe", new JsonObject().put("runtime", "command").put("command", command).put("args", new JsonArray(java.util.List.of(args))));
    return created(gateway, body);
  }

  private static JsonObject created(GatewayHarness gateway, JsonObject body) {
    GatewayHarness.Reply reply = gateway.admin(HttpMethod.POST, "/api/deployments", body);
    assertThat(reply.status()).as(reply.body()).isEqualTo(201);
    assertThat(reply.json().getString("status")).isEqualTo("running");
    return reply.json();
  }

  private static JsonObject get(GatewayHarness gateway, String id) {
    return gateway.admin(HttpMethod.GET, "/api/deployments/" + id, null).json();
  }

  private static void awaitStatus(GatewayHarness gateway, String id, String status) {
    await().atMost(Duration.ofSeconds(30)).until(() -> status.equals(get(gateway, id).getString("status")));
  }

  private static java.util.List<String> logLines(GatewayHarness gateway, String id) {
    return gateway.admin(HttpMethod.GET, "/api/deployments/" + id + "/logs", null).json().getJsonArray("lines").stream()
        .map(line -> ((JsonObject) line).getString("text")).toList();
  }
}
