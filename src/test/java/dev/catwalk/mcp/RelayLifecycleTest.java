package dev.catwalk.mcp;

import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.ScriptedStdioServer;
import dev.catwalk.testsupport.TestConfig;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Session limits and clean-up: nothing is left behind once sessions end. */
class RelayLifecycleTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.vertxOnly();

  private static final String INIT = new JsonObject().put("jsonrpc", "2.0").put("id", 1).put("method", "initialize")
      .put("params", new JsonObject().put("protocolVersion", "2025-06-18")).encode();

  @Test
  void endedSessionsLeaveNoProcessesOrFileDescriptors() throws Exception {
    Runner runner = start(10, Duration.ofMinutes(5));
    WebClient client = WebClient.create(resources.vertx());
    try {
      String warmUp = header(post(client, runner, null, INIT), McpHeaders.SESSION_ID);
      delete(client, runner, warmUp);
      long fdsBefore = openFileDescriptors();

      List<String> sessions = new ArrayList<>();
      List<Long> pids = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        String id = header(post(client, runner, null, INIT), McpHeaders.SESSION_ID);
        sessions.add(id);
        pids.add(pid(client, runner, id));
      }
      assertThat(openFileDescriptors()).as("each session holds its pipes while open").isGreaterThan(fdsBefore + 5);
      for (String id : sessions) {
        assertThat(delete(client, runner, id).statusCode()).isEqualTo(200);
      }
      waitFor(() -> runner.sessionCount() == 0);

      for (long pid : pids) {
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
      }
      waitFor(() -> openFileDescriptors() <= fdsBefore + 2);
      assertThat(openFileDescriptors()).as("pipes closed").isLessThanOrEqualTo(fdsBefore + 2);
    } finally {
      runner.close().await();
    }
  }

  @Test
  void theSessionLimitAnswers503WithRetryAfter() {
    Runner runner = start(1, Duration.ofMinutes(5));
    WebClient client = WebClient.create(resources.vertx());
    try {
      String first = header(post(client, runner, null, INIT), McpHeaders.SESSION_ID);

      HttpResponse<Buffer> refused = post(client, runner, null, INIT);

      assertThat(refused.statusCode()).isEqualTo(503);
      assertThat(refused.getHeader("Retry-After")).isNotBlank();
      delete(client, runner, first);
    } finally {
      runner.close().await();
    }
  }

  @Test
  void idleSessionsAreReapedAndTheirIdsThen404() throws Exception {
    Path pidFile = Files.createTempFile("scripted", ".pid");
    Runner runner = start(10, Duration.ofSeconds(1), Duration.ofMinutes(5),
        Map.of(ScriptedStdioServer.PID_FILE_ENV, pidFile.toString()));
    WebClient client = WebClient.create(resources.vertx());
    try {
      String id = header(post(client, runner, null, INIT), McpHeaders.SESSION_ID);
      long pid = Long.parseLong(Files.readString(pidFile).strip());

      waitFor(() -> runner.sessionCount() == 0);

      assertThat(post(client, runner, id, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"echo\"}").statusCode()).isEqualTo(404);
      waitFor(() -> !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    } finally {
      runner.close().await();
    }
  }

  @Test
  void aSessionWhoseClientIsRefusedAfterInitializeEndsWithItsProcess() throws Exception {
    Path pidFile = Files.createTempFile("scripted", ".pid");
    Runner runner = start(10, Duration.ofMinutes(5), Duration.ofSeconds(3),
        Map.of(ScriptedStdioServer.PID_FILE_ENV, pidFile.toString()));
    WebClient client = WebClient.create(resources.vertx());
    try {
      String id = header(post(client, runner, null, INIT), McpHeaders.SESSION_ID);
      long pid = Long.parseLong(Files.readString(pidFile).strip());
      HttpResponse<Buffer> refused = client.request(HttpMethod.POST, runner.port(), "127.0.0.1", Runner.MCP_PATH)
          .putHeader("Accept", "application/json, text/event-stream").putHeader("Content-Type", "application/json")
          .putHeader(McpHeaders.SESSION_ID, id).putHeader(McpHeaders.PROTOCOL_VERSION, "1999-01-01")
          .sendBuffer(Buffer.buffer("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}")).await();
      assertThat(refused.statusCode()).isEqualTo(400);

      await().atMost(Duration.ofSeconds(20)).until(() -> runner.sessionCount() == 0);
      await().atMost(Duration.ofSeconds(20)).until(() -> !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    } finally {
      runner.close().await();
    }
  }

  @Test
  void aSessionWhoseClientGoesOnOutlivesTheHandshakeTimeout() {
    Runner runner = start(10, Duration.ofMinutes(5), Duration.ofSeconds(1), Map.of());
    WebClient client = WebClient.create(resources.vertx());
    try {
      String id = header(post(client, runner, null, INIT), McpHeaders.SESSION_ID);
      assertThat(post(client, runner, id, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}")
          .statusCode()).isEqualTo(202);

      await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> runner.sessionCount() == 1);
      delete(client, runner, id);
    } finally {
      runner.close().await();
    }
  }

  @Test
  void aClientWaitingForASlowStartHearsProgressAndLogLinesBeforeTheResult() {
    List<String> slow = new ArrayList<>(List.of("sh", "-c", "sleep 5; exec \"$0\" \"$@\""));
    slow.addAll(ScriptedStdioServer.command());
    Runner runner = Runner.start(resources.vertx(), "127.0.0.1", TestConfig.freePort(), slow, Map.of(), null,
        new RelayOptions(10, 1 << 20, Duration.ofSeconds(60), Duration.ofMinutes(5), Duration.ofSeconds(15), 64, 64,
            List.of(), true, Duration.ofMinutes(5))).await();
    WebClient client = WebClient.create(resources.vertx());
    try {
      String init = new JsonObject().put("jsonrpc", "2.0").put("id", 1).put("method", "initialize")
          .put("params", new JsonObject().put("protocolVersion", "2025-06-18")
              .put("_meta", new JsonObject().put("progressToken", "start-1"))).encode();
      HttpResponse<Buffer> response = post(client, runner, null, init);
      List<JsonObject> events = response.bodyAsString().lines().filter(l -> l.startsWith("data: {"))
          .map(l -> new JsonObject(l.substring(6))).toList();

      assertThat(events).last().satisfies(last -> assertThat(last.getInteger("id")).isEqualTo(1));
      assertThat(events).filteredOn(e -> "notifications/progress".equals(e.getString("method"))).isNotEmpty()
          .allSatisfy(e -> assertThat(e.getJsonObject("params").getString("progressToken")).isEqualTo("start-1"));
      assertThat(events).filteredOn(e -> "notifications/message".equals(e.getString("method"))).isNotEmpty()
          .allSatisfy(e -> assertThat(e.getJsonObject("params").getString("data"))
              .contains("waiting for the MCP server to start"));
      delete(client, runner, response.getHeader(McpHeaders.SESSION_ID));
    } finally {
      runner.close().await();
    }
  }

  private static Runner start(int maxSessions, Duration idle) {
    return start(maxSessions, idle, Duration.ofMinutes(5), Map.of());
  }

  private static Runner start(int maxSessions, Duration idle, Duration handshake, Map<String, String> env) {
    RelayOptions options = new RelayOptions(maxSessions, 1 << 20, Duration.ofSeconds(10), idle, Duration.ofSeconds(15),
        64, 64, List.of(), true, handshake);
    return Runner.start(resources.vertx(), "127.0.0.1", TestConfig.freePort(), ScriptedStdioServer.command(), env,
        null, options).await();
  }

  private static long pid(WebClient client, Runner runner, String session) {
    String body = post(client, runner, session, "{\"jsonrpc\":\"2.0\",\"id\":\"pid\",\"method\":\"spawn\"}").bodyAsString();
    String data = body.lines().filter(l -> l.startsWith("data: {")).findFirst().orElseThrow().substring(6);
    long child = new JsonObject(data).getJsonObject("result").getLong("pid");
    return ProcessHandle.of(child).flatMap(ProcessHandle::parent).map(ProcessHandle::pid).orElse(child);
  }

  private static HttpResponse<Buffer> post(WebClient client, Runner runner, String session, String body) {
    HttpRequest<Buffer> request = client.request(HttpMethod.POST, runner.port(), "127.0.0.1", Runner.MCP_PATH)
        .putHeader("Accept", "application/json, text/event-stream").putHeader("Content-Type", "application/json");
    if (session != null) {
      request.putHeader(McpHeaders.SESSION_ID, session);
    }
    return request.sendBuffer(Buffer.buffer(body)).await();
  }

  private static HttpResponse<Buffer> delete(WebClient client, Runner runner, String session) {
    return client.request(HttpMethod.DELETE, runner.port(), "127.0.0.1", Runner.MCP_PATH)
        .putHeader(McpHeaders.SESSION_ID, session).send().await();
  }

  private static String header(HttpResponse<Buffer> response, String name) {
    assertThat(response.statusCode()).isEqualTo(200);
    return response.getHeader(name);
  }

  private static long openFileDescriptors() {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void waitFor(java.util.function.BooleanSupplier condition) {
    await().atMost(Duration.ofSeconds(15)).until(condition::getAsBoolean);
  }
}
