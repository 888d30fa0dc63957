package dev.catwalk.mcp;

import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.ScriptedStdioServer;
import dev.catwalk.testsupport.TestConfig;
import io.vertx.core.buffer.Buffer;
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
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The Streamable HTTP rules, spoken raw against {@code catwalk runner} with a real stdio peer behind it. */
class RunnerHttpTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.vertxOnly();

  private static final String TOKEN = "runner-token-for-tests";
  private static final String BOTH = "application/json, text/event-stream";

  private static Runner runner;
  private static WebClient client;

  @BeforeAll
  static void start() {
    RelayOptions options = new RelayOptions(50, 64 * 1024, Duration.ofSeconds(3), Duration.ofMinutes(5),
        Duration.ofSeconds(15), 64, 64, List.of("https://allowed.example"), true, Duration.ofMinutes(5));
    runner = Runner.start(resources.vertx(), "127.0.0.1", TestConfig.freePort(), ScriptedStdioServer.command(),
        Map.of("FROM_RUNNER", "configured"), TOKEN, options).await();
    client = WebClient.create(resources.vertx());
  }

  @AfterAll
  static void stop() {
    runner.close().await();
  }

  @Test
  void initializeMintsASessionAndAnswersOnAnEventStreamWithPriming() {
    HttpResponse<Buffer> response = initialize("2025-11-25");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.getHeader("Content-Type")).isEqualTo("text/event-stream");
    assertThat(response.getHeader("X-Accel-Buffering")).isEqualTo("no");
    String sessionId = response.getHeader(McpHeaders.SESSION_ID);
    assertThat(sessionId).matches("[\\x21-\\x7e]{24,}");
    List<Event> events = events(response.bodyAsString());
    assertThat(events.get(0).data()).isEmpty();
    assertThat(events.get(0).id()).isEqualTo("1-0");
    assertThat(response.bodyAsString()).contains("retry: ");
    assertThat(new JsonObject(events.getLast().data()).getLong("id")).as("the result ends the stream (a slow start puts notices before it)").isEqualTo(1L);
    delete(sessionId);
  }

  @Test
  void notificationsGet202AndRequestsOnTheSessionAreAnswered() {
    String session = session("2025-06-18");

    HttpResponse<Buffer> notification = post(session, BOTH, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    HttpResponse<Buffer> call = post(session, BOTH,
        "{\"jsonrpc\":\"2.0\",\"id\":\"c1\",\"method\":\"env\",\"params\":{\"name\":\"FROM_RUNNER\"}}");

    assertThat(notification.statusCode()).isEqualTo(202);
    assertThat(notification.body()).isNull();
    JsonObject reply = new JsonObject(events(call.bodyAsString()).get(0).data());
    assertThat(reply.getString("id")).isEqualTo("c1");
    assertThat(reply.getJsonObject("result").getString("value")).isEqualTo("configured");
    delete(session);
  }

  @Test
  void aClientThatAcceptsOnlyJsonGetsOneJsonBody() {
    String session = session("2025-06-18");

    HttpResponse<Buffer> call = post(session, "application/json", "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"echo\"}");

    assertThat(call.getHeader("Content-Type")).isEqualTo("application/json");
    assertThat(call.bodyAsJsonObject().getLong("id")).isEqualTo(5L);
    delete(session);
  }

  @Test
  void headerAndSessionRulesGiveTheSpecifiedStatusCodes() {
    String session = session("2025-06-18");
    String ping = "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ping\"}";

    assertThat(post(null, BOTH, ping).statusCode()).as("missing session id").isEqualTo(400);
    assertThat(post("no-such-session", BOTH, ping).statusCode()).as("unknown session").isEqualTo(404);
    assertThat(post(session, "text/html", ping).statusCode()).as("bad Accept").isEqualTo(406);
    assertThat(send(request("POST", session, BOTH).putHeader("Content-Type", "text/plain"), ping).statusCode())
        .as("bad Content-Type").isEqualTo(415);
    assertThat(send(request("POST", session, BOTH).putHeader(McpHeaders.PROTOCOL_VERSION, "1999-01-01"), ping)
        .statusCode()).as("unsupported version").isEqualTo(400);
    for (String published : List.of("2024-11-05", "2025-03-26", "2025-11-25")) {
      assertThat(send(request("POST", session, BOTH).putHeader(McpHeaders.PROTOCOL_VERSION, published), ping)
          .statusCode()).as("published revision " + published + " in the header").isEqualTo(200);
    }
    assertThat(send(request("POST", session, BOTH).putHeader("Origin", "https://evil.example"), ping).statusCode())
        .as("foreign origin").isEqualTo(403);
    assertThat(send(request("POST", session, BOTH).putHeader("Origin", "https://allowed.example"), ping).statusCode())
        .as("configured origin").isEqualTo(200);
    assertThat(send(request("POST", session, BOTH).putHeader("Host", "evil.example.com"), ping).statusCode())
        .as("DNS rebinding").isEqualTo(403);
    assertThat(send(request("POST", session, BOTH).putHeader("Authorization", "Bearer wrong"), ping).statusCode())
        .as("wrong token").isEqualTo(401);
    assertThat(post(session, BOTH, "x".repeat(70_000)).statusCode()).as("oversized body").isEqualTo(413);
    HttpResponse<Buffer> malformed = post(session, BOTH, "{\"jsonrpc\":");
    assertThat(malformed.statusCode()).isEqualTo(400);
    assertThat(malformed.bodyAsJsonObject().getJsonObject("error").getInteger("code")).isEqualTo(JsonRpcMessage.PARSE_ERROR);
    assertThat(post(session, BOTH, "{\"jsonrpc\":\"2.0\",\"id\":null}").bodyAsJsonObject().getJsonObject("error")
        .getInteger("code")).isEqualTo(JsonRpcMessage.INVALID_REQUEST);
    assertThat(post(session, BOTH, "[" + ping + "]").statusCode()).as("no batches after 2025-03-26").isEqualTo(400);
    delete(session);
  }

  @Test
  void batchesWorkOn20250326() {
    String session = session("2025-03-26");

    HttpResponse<Buffer> batch = post(session, "application/json",
        "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\"},{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"echo\"}]");

    assertThat(batch.bodyAsJsonArray()).hasSize(2);
    delete(session);
  }

  @Test
  void deleteEndsTheSessionAndItsProcess() {
    String session = session("2025-06-18");
    long pid = new JsonObject(events(post(session, BOTH, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"spawn\"}").bodyAsString())
        .get(0).data()).getJsonObject("result").getLong("pid");

    assertThat(delete(session).statusCode()).isEqualTo(200);

    assertThat(post(session, BOTH, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"echo\"}").statusCode()).isEqualTo(404);
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
  }

  @Test
  void anUpstreamThatExitsMidRequestAnswersWithItsExitCodeAndEndsTheSession() {
    String session = session("2025-06-18");

    HttpResponse<Buffer> call = post(session, BOTH, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"exit\",\"params\":{\"code\":4}}");

    JsonObject error = new JsonObject(events(call.bodyAsString()).get(0).data()).getJsonObject("error");
    assertThat(error.getInteger("code")).isEqualTo(JsonRpcMessage.INTERNAL_ERROR);
    assertThat(error.getString("message")).contains("exited with code 4");
    assertThat(post(session, BOTH, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"echo\"}").statusCode()).isEqualTo(404);
  }

  @Test
  void aRequestWithoutAnswerTimesOutWithAJsonRpcError() {
    String session = session("2025-06-18");

    HttpResponse<Buffer> silent = post(session, BOTH, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"silent\"}");
    HttpResponse<Buffer> afterGarbage = post(session, BOTH, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"garbage\"}");

    JsonObject timeout = new JsonObject(events(silent.bodyAsString()).get(0).data());
    assertThat(timeout.getLong("id")).isEqualTo(3L);
    assertThat(timeout.getJsonObject("error").getString("message")).contains("did not answer within 3 s");
    assertThat(new JsonObject(events(afterGarbage.bodyAsString()).get(0).data()).getLong("id"))
        .as("garbage on stdout is skipped, the session goes on").isEqualTo(4L);
    delete(session);
  }

  @Test
  void invalidUtf8IsAParseError() {
    String session = session("2025-06-18");
    byte[] invalid = {'{', '"', 'j', 's', 'o', 'n', 'r', 'p', 'c', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};

    HttpResponse<Buffer> response = request("POST", session, BOTH).sendBuffer(Buffer.buffer(invalid)).await();

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.bodyAsJsonObject().getJsonObject("error").getInteger("code")).isEqualTo(JsonRpcMessage.PARSE_ERROR);
    delete(session);
  }

  @Test
  void cancellationIsForwardedAndEndsTheCancelledRequestsStream() {
    String session = session("2025-06-18");
    long start = System.nanoTime();
    var pendingCall = request("POST", session, BOTH)
        .sendBuffer(Buffer.buffer("{\"jsonrpc\":\"2.0\",\"id\":20,\"method\":\"silent\"}"));
    resources.vertx().setTimer(300, t -> request("POST", session, BOTH).sendBuffer(Buffer.buffer(
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":20}}")));

    HttpResponse<Buffer> ended = pendingCall.await();

    assertThat(Duration.ofNanos(System.nanoTime() - start)).as("ended by the cancellation, not the 3 s timeout")
        .isLessThan(Duration.ofMillis(2500));
    assertThat(events(ended.bodyAsString())).as("no response after cancellation").isEmpty();
    delete(session);
  }

  @Test
  void getOpensOneStandaloneStreamAndResumesAStreamByLastEventId() {
    String session = session("2025-11-25");
    HttpResponse<Buffer> call = post(session, BOTH, "{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"echo\"}");
    String lastSeen = events(call.bodyAsString()).get(0).id();
    assertThat(lastSeen).endsWith("-0");

    HttpResponse<Buffer> resumed = send(request("GET", session, "text/event-stream")
        .putHeader(McpHeaders.LAST_EVENT_ID, lastSeen), null);

    List<Event> replayed = events(resumed.bodyAsString());
    assertThat(replayed).hasSize(1);
    assertThat(new JsonObject(replayed.get(0).data()).getLong("id")).isEqualTo(11L);
    assertThat(send(request("GET", session, "application/json"), null).statusCode()).isEqualTo(406);
    assertThat(send(request("GET", null, "text/event-stream"), null).statusCode()).isEqualTo(400);
    delete(session);
  }

  private static String session(String version) {
    HttpResponse<Buffer> response = initialize(version);
    assertThat(response.statusCode()).isEqualTo(200);
    return response.getHeader(McpHeaders.SESSION_ID);
  }

  private static HttpResponse<Buffer> initialize(String version) {
    return post(null, BOTH, new JsonObject().put("jsonrpc", "2.0").put("id", 1).put("method", "initialize")
        .put("params", new JsonObject().put("protocolVersion", version).put("capabilities", new JsonObject())
            .put("clientInfo", new JsonObject().put("name", "raw").put("version", "1"))).encode());
  }

  private static HttpResponse<Buffer> delete(String session) {
    return send(request("DELETE", session, BOTH), null);
  }

  private static HttpResponse<Buffer> post(String session, String accept, String body) {
    return send(request("POST", session, accept), body);
  }

  private static HttpRequest<Buffer> request(String method, String session, String accept) {
    HttpRequest<Buffer> request = client.request(io.vertx.core.http.HttpMethod.valueOf(method), runner.port(), "127.0.0.1",
        Runner.MCP_PATH).putHeader("Accept", accept).putHeader("Authorization", "Bearer " + TOKEN);
    if (session != null) {
      request.putHeader(McpHeaders.SESSION_ID, session);
    }
    if (method.equals("POST")) {
      request.putHeader("Content-Type", "application/json");
    }
    return request;
  }

  private static HttpResponse<Buffer> send(HttpRequest<Buffer> request, String body) {
    if (body != null) {
      return request.sendBuffer(Buffer.buffer(body)).await();
    }
    return request.send().await();
  }

  /** One SSE event. */
  record Event(String id, String data) {
  }

  /** Parses an SSE body into events that carry data (comments and retry-only blocks skipped). */
  static List<Event> events(String body) {
    List<Event> events = new ArrayList<>();
    for (String block : body.split("\n\n")) {
      String id = null;
      String data = null;
      for (String line : block.split("\n")) {
        if (line.startsWith("id: ")) {
          id = line.substring(4);
        } else if (line.startsWith("data:")) {
          data = line.substring(5).strip();
        }
      }
      if (data != null) {
        events.add(new Event(id, data));
      }
    }
    return events;
  }
}
