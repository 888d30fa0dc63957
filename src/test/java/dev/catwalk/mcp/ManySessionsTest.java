package dev.catwalk.mcp;

import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.TestConfig;
import dev.catwalk.testsupport.mcp.ShellPeer;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hundreds of sessions at once, each with its own server process that stays idle. Every session
 * keeps a read pending on its server's pipes for as long as it lives, so this fails if pipe reads
 * tie up a shared, bounded pool (the virtual-thread scheduler's carriers are at most 256).
 */
class ManySessionsTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.vertxOnly();

  private static final int SESSIONS = 300;
  private static final int WAVE = 50;

  @Test
  void threeHundredSessionsWithIdleServersAllStayAnswered() {
    RelayOptions options = new RelayOptions(SESSIONS + 10, 1 << 20, Duration.ofSeconds(10), Duration.ofMinutes(5),
        Duration.ofSeconds(15), 16, 16, List.of(), true, Duration.ofMinutes(5));
    Runner runner = Runner.start(resources.vertx(), "127.0.0.1", TestConfig.freePort(), ShellPeer.command(),
        Map.of(), null, options).await();
    WebClient client = WebClient.create(resources.vertx(), new WebClientOptions(),
        new io.vertx.core.http.PoolOptions().setHttp1MaxSize(WAVE));
    List<String> sessions = new ArrayList<>();
    List<ProcessHandle> servers = List.of();
    try {
      for (int i = 0; i < SESSIONS; i += WAVE) {
        List<HttpResponse<Buffer>> opened = Future.all(IntStream.range(i, i + WAVE)
            .mapToObj(k -> post(client, runner, null, request(0, "initialize"))).toList()).await().list();
        for (HttpResponse<Buffer> response : opened) {
          assertThat(answer(response).getJsonObject("result")).as("initialize of session %d", sessions.size()).isNotNull();
          sessions.add(response.getHeader(McpHeaders.SESSION_ID));
        }
      }
      assertThat(runner.sessionCount()).isEqualTo(SESSIONS);
      servers = ProcessHandle.current().children()
          .filter(p -> p.info().commandLine().orElse("").contains("IFS= read")).toList();
      assertThat(servers).hasSize(SESSIONS);

      List<HttpResponse<Buffer>> pings = Future.all(sessions.stream()
          .map(id -> post(client, runner, id, request(7, "ping"))).toList()).await().list();

      assertThat(pings).allSatisfy(ping -> assertThat(answer(ping)).isEqualTo(new JsonObject()
          .put("jsonrpc", "2.0").put("id", 7).put("result", new JsonObject())));
    } finally {
      Future.all(sessions.stream().map(id -> client.request(HttpMethod.DELETE, runner.port(), "127.0.0.1", Runner.MCP_PATH)
          .putHeader(McpHeaders.SESSION_ID, id).send()).toList()).await();
      runner.close().await();
    }
    assertThat(runner.sessionCount()).isZero();
    assertThat(servers).noneMatch(ProcessHandle::isAlive);
  }

  private static String request(int id, String method) {
    return new JsonObject().put("jsonrpc", "2.0").put("id", id).put("method", method)
        .put("params", new JsonObject().put("protocolVersion", "2025-06-18")).encode();
  }

  /** The one JSON-RPC message of an SSE answer. */
  private static JsonObject answer(HttpResponse<Buffer> response) {
    assertThat(response.statusCode()).isEqualTo(200);
    String data = response.bodyAsString().lines().filter(l -> l.startsWith("data: {")).findFirst().orElseThrow();
    return new JsonObject(data.substring(6));
  }

  private static Future<HttpResponse<Buffer>> post(WebClient client, Runner runner, String session, String body) {
    HttpRequest<Buffer> request = client.request(HttpMethod.POST, runner.port(), "127.0.0.1", Runner.MCP_PATH)
        .putHeader("Accept", "application/json, text/event-stream").putHeader("Content-Type", "application/json");
    if (session != null) {
      request.putHeader(McpHeaders.SESSION_ID, session);
    }
    return request.sendBuffer(Buffer.buffer(body));
  }
}
