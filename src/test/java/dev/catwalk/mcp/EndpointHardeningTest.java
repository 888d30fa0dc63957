package dev.catwalk.mcp;

import dev.catwalk.config.CatwalkConfig;
import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.ScriptedStdioServer;
import dev.catwalk.testsupport.TestConfig;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an attack on the MCP endpoint found: DNS rebinding (only loopback IP literals and {@code localhost} pass as
 * Host or Origin), malformed Host headers, duplicate ids in a batch.
 */
@org.junit.jupiter.api.Timeout(60)
class EndpointHardeningTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.vertxOnly();

  private static final String TOKEN = "host-check-token-for-tests";
  private static final String INITIALIZE = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
      + "\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}";

  private static Runner runner;
  private static WebClient client;

  @BeforeAll
  static void start() {
    RelayOptions options = new RelayOptions(50, 64 * 1024, Duration.ofSeconds(3), Duration.ofMinutes(5),
        Duration.ofSeconds(15), 64, 64, List.of(), true, Duration.ofMinutes(5));
    runner = Runner.start(resources.vertx(), "127.0.0.1", TestConfig.freePort(), ScriptedStdioServer.command(),
        Map.of(), TOKEN, options).await();
    client = WebClient.create(resources.vertx());
  }

  @AfterAll
  static void stop() {
    runner.close().await();
  }

  @ParameterizedTest
  @ValueSource(strings = {"localhost", "LOCALHOST", "127.0.0.1", "127.8.9.10", "[::1]", "::1", "[0:0:0:0:0:0:0:1]"})
  void loopbackLiteralsAndLocalhostCount(String host) {
    assertThat(CatwalkConfig.isLoopback(host)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.attacker.example", "127.0.0.1.nip.io", "127.0.0.1@evil", "127.1", "localhost.evil",
      "127.0.0.256", "::2", "[::1].evil", "0x7f.0.0.1", "", "10.0.0.1"})
  void namesThatMerelyLookLikeLoopbackDoNot(String host) {
    assertThat(CatwalkConfig.isLoopback(host)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.attacker.example", "127.0.0.1.nip.io", "127.attacker.example:80"})
  void aRebindingHostIsRefused(String host) {
    assertThat(send(Map.of("Host", host)).statusCode()).isEqualTo(403);
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://127.attacker.example", "http://127.0.0.1.nip.io:8080"})
  void aRebindingOriginIsRefused(String origin) {
    assertThat(send(Map.of("Origin", origin)).statusCode()).isEqualTo(403);
  }

  @Test
  void aHostWithUserInfoIsABadRequestNotAServerError() {
    HttpResponse<Buffer> response = send(Map.of("Host", "127.0.0.1@evil"));

    assertThat(response.statusCode()).isEqualTo(400);
  }

  @Test
  void aLoopbackHostStillPasses() {
    HttpResponse<Buffer> response = send(Map.of("Host", "localhost:" + runner.port(), "Origin", "http://127.0.0.1"));

    assertThat(response.statusCode()).isEqualTo(200);
  }

  @Test
  void aBatchWithDuplicateRequestIdsIsRefusedAndItsResponseEnds() {
    HttpResponse<Buffer> init = send(Map.of(), INITIALIZE.replace("2025-06-18", "2025-03-26"));
    String session = init.getHeader(McpHeaders.SESSION_ID);
    send(Map.of(McpHeaders.SESSION_ID, session), "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");

    HttpResponse<Buffer> batch = send(Map.of(McpHeaders.SESSION_ID, session),
        "[{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"echo\"},{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"echo\"}]");
    HttpResponse<Buffer> distinct = send(Map.of(McpHeaders.SESSION_ID, session),
        "[{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"echo\"},{\"jsonrpc\":\"2.0\",\"id\":\"8\",\"method\":\"echo\"}]");

    assertThat(batch.statusCode()).isEqualTo(400);
    assertThat(batch.bodyAsJsonObject().getJsonObject("error").getInteger("code"))
        .isEqualTo(JsonRpcMessage.INVALID_REQUEST);
    assertThat(batch.bodyAsJsonObject().getJsonObject("error").getString("message")).contains("duplicate id");
    assertThat(distinct.statusCode()).as("7 and \"7\" are different ids").isEqualTo(200);
    assertThat(distinct.bodyAsJsonArray()).hasSize(2);
  }

  private static HttpResponse<Buffer> send(Map<String, String> headers) {
    return send(headers, INITIALIZE);
  }

  private static HttpResponse<Buffer> send(Map<String, String> headers, String body) {
    var request = client.request(HttpMethod.POST, runner.port(), "127.0.0.1", Runner.MCP_PATH)
        .putHeader("Accept", "application/json").putHeader("Content-Type", "application/json")
        .putHeader("Authorization", "Bearer " + TOKEN);
    headers.forEach(request::putHeader);
    return request.sendBuffer(Buffer.buffer(body)).await();
  }
}
