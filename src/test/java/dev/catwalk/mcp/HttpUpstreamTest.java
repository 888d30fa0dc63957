package dev.catwalk.mcp;

import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.TcpProxy;
import dev.catwalk.testsupport.TestConfig;
import dev.catwalk.testsupport.mcp.FixtureCommand;
import dev.catwalk.testsupport.mcp.SdkClients;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ProgressNotification;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The Streamable HTTP upstream against a real remote: {@code catwalk runner} relaying the SDK
 * fixture server, driven directly and, at the end, from an SDK client through a second relay.
 */
@Timeout(180)
class HttpUpstreamTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.vertxOnly();

  private static final String TOKEN = "http-upstream-test-token";
  /** This test's own runner, so that its session counts are this test's. */
  private Runner runner;

  @BeforeEach
  void startTheRemote() {
    runner = startRunner();
  }

  @AfterEach
  void noSessionIsLeft() throws InterruptedException {
    try {
      awaitSessions(runner, 0);
    } finally {
      runner.close().await();
    }
  }

  @Test
  void initializesListsToolsAndDeliversProgressInOrderBeforeTheResponse() throws Exception {
    try (Remote remote = Remote.open(runner.port(), TOKEN)) {
      JsonObject initialized = remote.initialize();

      assertThat(initialized.getString("protocolVersion")).isEqualTo("2025-11-25");
      assertThat(initialized.getJsonObject("serverInfo").getString("name")).isEqualTo("catwalk-fixture-server");
      assertThat(remote.upstream.sessionId()).matches("[\\x21-\\x7e]{24,}");
      assertThat(runner.sessionCount()).isEqualTo(1);
      JsonArray tools = remote.call("list", "tools/list", new JsonObject()).getJsonObject("result").getJsonArray("tools");
      assertThat(tools.stream().map(t -> ((JsonObject) t).getString("name")))
          .contains("echo", "test_tool_with_progress", "test_elicitation", "test_sampling");
      assertThat(text(remote.call("echo", "tools/call", tool("echo", new JsonObject().put("message", "h\u00e9llo \u2713")))))
          .isEqualTo("h\u00e9llo \u2713");

      remote.send(JsonRpcMessage.request("progress", "tools/call", tool("test_tool_with_progress", new JsonObject())
          .put("_meta", new JsonObject().put("progressToken", "tok-1"))));
      List<JsonObject> messages = remote.until("progress");

      assertThat(messages).hasSize(4);
      assertThat(messages.subList(0, 3)).allMatch(m -> "notifications/progress".equals(m.getString("method")))
          .extracting(m -> m.getJsonObject("params").getDouble("progress")).containsExactly(0.0, 50.0, 100.0);
      assertThat(messages.subList(0, 3)).allMatch(m -> "tok-1".equals(m.getJsonObject("params").getString("progressToken")));
      assertThat(text(messages.get(3))).isEqualTo("tok-1");
      assertThat(remote.contexts).containsOnly(remote.context);
    }
  }

  @Test
  void serverToClientRequestsArriveAndTheClientsAnswersReachTheServer() throws Exception {
    try (Remote remote = Remote.open(runner.port(), TOKEN)) {
      remote.initialize();

      remote.send(JsonRpcMessage.request("elicit", "tools/call", tool("test_elicitation",
          new JsonObject().put("message", "who are you?"))));
      JsonObject elicitation = remote.next();
      assertThat(elicitation.getString("method")).isEqualTo("elicitation/create");
      assertThat(elicitation.getJsonObject("params").getString("message")).isEqualTo("who are you?");
      remote.send(new JsonObject().put("jsonrpc", "2.0").put("id", elicitation.getValue("id")).put("result",
          new JsonObject().put("action", "accept").put("content", new JsonObject().put("response", "a test"))));
      assertThat(text(remote.until("elicit").getLast())).isEqualTo("User response: action=accept, content={\"response\":\"a test\"}");

      remote.send(JsonRpcMessage.request("sample", "tools/call", tool("test_sampling", new JsonObject().put("prompt", "2+2?"))));
      JsonObject sampling = remote.next();
      assertThat(sampling.getString("method")).isEqualTo("sampling/createMessage");
      remote.send(new JsonObject().put("jsonrpc", "2.0").put("id", sampling.getValue("id")).put("result", new JsonObject()
          .put("role", "assistant").put("model", "test-model")
          .put("content", new JsonObject().put("type", "text").put("text", "four"))));
      assertThat(text(remote.until("sample").getLast())).isEqualTo("LLM response: four");
    }
  }

  @Test
  void aWrongTokenIsAJsonRpcErrorForTheRequestAndEndsTheUpstream() throws Exception {
    String wrong = "wrong-secret-token-value";
    try (Remote remote = Remote.open(runner.port(), wrong)) {
      remote.send(Remote.initializeRequest());
      JsonObject reply = remote.next();

      assertThat(reply.getString("id")).isEqualTo("init");
      JsonObject error = reply.getJsonObject("error");
      assertThat(error.getInteger("code")).isEqualTo(JsonRpcMessage.INTERNAL_ERROR);
      assertThat(error.getString("message")).contains("HTTP 401").doesNotContain(wrong);
      Upstream.UpstreamExit exit = remote.exit.future().await(10, TimeUnit.SECONDS);
      assertThat(exit.requested()).isFalse();
      assertThat(exit.exitCode()).isNull();
      assertThat(exit.reason()).contains("HTTP 401").doesNotContain(wrong);
    }
  }

  @Test
  void anUnreachableServerIsAJsonRpcErrorForInitialize() throws Exception {
    try (Remote remote = Remote.open(TestConfig.freePort(), TOKEN)) {
      remote.send(Remote.initializeRequest());

      assertThat(remote.next().getJsonObject("error").getString("message")).contains("could not be reached");
      assertThat(remote.exit.future().await(10, TimeUnit.SECONDS).requested()).isFalse();
    }
  }

  @Test
  void aRemoteSessionDeletedFromTheSideEndsTheUpstream() throws Exception {
    try (Remote remote = Remote.open(runner.port(), TOKEN)) {
      remote.initialize();
      HttpResponse<Void> deleted = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + runner.port() + Runner.MCP_PATH))
          .DELETE()
          .header("Authorization", "Bearer " + TOKEN)
          .header(McpHeaders.SESSION_ID, remote.upstream.sessionId())
          .build(), HttpResponse.BodyHandlers.discarding());
      assertThat(deleted.statusCode()).isEqualTo(200);

      remote.send(JsonRpcMessage.request("after", "tools/list", new JsonObject()));

      JsonObject reply = remote.next();
      assertThat(reply.getString("id")).isEqualTo("after");
      assertThat(reply.getJsonObject("error").getString("message")).contains("HTTP 404");
      Upstream.UpstreamExit exit = remote.exit.future().await(10, TimeUnit.SECONDS);
      assertThat(exit.requested()).isFalse();
      assertThat(exit.reason()).isEqualTo("the remote MCP session ended (HTTP 404)");
    }
  }

  @Test
  void aStoppedRunnerEndsTheUpstreamThroughItsEventStream() throws Exception {
    Runner own = startRunner();
    try (Remote remote = Remote.open(own.port(), TOKEN)) {
      remote.initialize();
      remote.call("warm", "tools/list", new JsonObject());

      own.close().await();

      Upstream.UpstreamExit exit = remote.exit.future().await(30, TimeUnit.SECONDS);
      assertThat(exit.requested()).isFalse();
      assertThat(exit.reason()).startsWith("the remote MCP");
    }
  }

  @Test
  void closeDeletesTheRemoteSessionAndReportsARequestedEnd() throws Exception {
    Remote remote = Remote.open(runner.port(), TOKEN);
    remote.initialize();
    assertThat(runner.sessionCount()).isEqualTo(1);

    remote.upstream.close().await(15, TimeUnit.SECONDS);

    Upstream.UpstreamExit exit = remote.exit.future().await(1, TimeUnit.SECONDS);
    assertThat(exit.requested()).isTrue();
    awaitSessions(runner, 0);
    assertThat(runner.sessionCount()).isZero();
  }

  @Test
  void aBrokenStreamIsResumedWithLastEventIdAndTheResponseStillArrives() throws Exception {
    TcpProxy proxy = TcpProxy.start(resources.vertx(), "127.0.0.1", runner.port());
    try (Remote remote = Remote.open(proxy.port(), TOKEN)) {
      remote.initialize();
      int before = proxy.receivedFromTarget().length();
      remote.send(JsonRpcMessage.request("slow", "tools/call", tool("slow", new JsonObject().put("millis", 2500))));
      await().atMost(Duration.ofSeconds(10)).until(() -> proxy.receivedFromTarget().substring(before).contains("retry:"));

      proxy.cut();
      proxy.restore();

      assertThat(text(remote.until("slow").getLast())).isEqualTo("done");
      assertThat(text(remote.call("echo", "tools/call", tool("echo", new JsonObject().put("message", "still here")))))
          .isEqualTo("still here");
    } finally {
      proxy.close();
    }
  }

  @Test
  void aCancelledRequestIsDroppedAndTheSessionGoesOn() throws Exception {
    try (Remote remote = Remote.open(runner.port(), TOKEN)) {
      remote.initialize();
      remote.send(JsonRpcMessage.request("slow", "tools/call", tool("slow", new JsonObject().put("millis", 1500))));
      remote.send(JsonRpcMessage.notification("notifications/cancelled",
          new JsonObject().put("requestId", "slow").put("reason", "test")));

      remote.send(JsonRpcMessage.request("echo-after", "tools/call", tool("echo", new JsonObject().put("message", "x"))));
      List<JsonObject> messages = remote.until("echo-after");

      assertThat(messages).hasSize(1);
      await().during(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(5)).until(remote.received::isEmpty);
    }
  }

  @Test
  void anSdkClientWorksThroughTwoRelaysWithAnHttpUpstreamBetweenThem() throws Exception {
    Vertx vertx = resources.vertx();
    HttpUpstream.Spec spec = spec(runner.port(), TOKEN);
    McpEndpoint endpoint = new McpEndpoint(vertx, TestConfig.relayOptions(), () -> new HttpUpstream(vertx, spec));
    Router router = Router.router(vertx);
    endpoint.mount(router, Runner.MCP_PATH);
    HttpServer gateway = vertx.createHttpServer().requestHandler(router).listen(TestConfig.freePort(), "127.0.0.1").await();
    List<ProgressNotification> progress = new CopyOnWriteArrayList<>();
    McpSyncClient client = SdkClients.sync(HttpClientStreamableHttpTransport
            .builder("http://127.0.0.1:" + gateway.actualPort()).endpoint(Runner.MCP_PATH).build(),
            "catwalk-two-relays", "through two relays")
        .progressConsumer(progress::add)
        .build();
    try {
      client.initialize();
      assertThat(endpoint.sessionCount()).isEqualTo(1);
      assertThat(runner.sessionCount()).isEqualTo(1);

      assertThat(client.listTools().tools()).extracting(Tool::name).contains("echo", "test_elicitation");
      assertThat(text(client.callTool(new CallToolRequest("echo", Map.of("message", "h\u00e9llo"))))).isEqualTo("h\u00e9llo");
      assertThat(text(client.callTool(new CallToolRequest("test_elicitation", Map.of("message", "who?")))))
          .isEqualTo("User response: action=accept, content={\"response\":\"through two relays\"}");
      assertThat(text(client.callTool(new CallToolRequest("test_sampling", Map.of("prompt", "2+2?")))))
          .isEqualTo("LLM response: model says: 2+2?");
      client.callTool(new CallToolRequest("test_tool_with_progress", Map.of(), Map.of("progressToken", "two-relays")));
      dev.catwalk.testsupport.GatewayHarness.eventually(() -> progress.size() >= 3,
          "the SDK delivered the progress notifications (its consumer runs apart from the result)");
      assertThat(progress).extracting(ProgressNotification::progress).containsExactly(0.0, 50.0, 100.0);
    } finally {
      client.closeGracefully();
      endpoint.close().await();
      gateway.close().await();
    }
    awaitSessions(runner, 0);
    assertThat(endpoint.sessionCount()).isZero();
  }

  @Test
  void jsonAnswersAndBatchesAreDeliveredWithTheNegotiatedHeadersAndOversizedOnesBecomeErrors() throws Exception {
    Vertx vertx = resources.vertx();
    List<MultiMap> seen = new CopyOnWriteArrayList<>();
    Router router = Router.router(vertx);
    router.route(Runner.MCP_PATH).handler(BodyHandler.create());
    router.route(Runner.MCP_PATH).handler(ctx -> answerAsJson(ctx, seen));
    HttpServer fake = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
    HttpUpstream.Spec spec = new HttpUpstream.Spec(URI.create("http://127.0.0.1:" + fake.actualPort() + Runner.MCP_PATH),
        Map.of("X-Api-Key", "key-value"), Duration.ofSeconds(5), 512);
    Remote remote = Remote.open(spec);
    try {
      assertThat(remote.initialize().getString("protocolVersion")).isEqualTo("2025-06-18");
      remote.send(JsonRpcMessage.request("batch", "tools/list", null));
      List<JsonObject> batch = remote.until("batch");
      remote.send(JsonRpcMessage.request("big", "tools/list", null));
      JsonObject big = remote.next();
      await().atMost(Duration.ofSeconds(5)).until(() -> seen.stream().anyMatch(h -> "GET".equals(h.get("X-Method"))));

      assertThat(batch).extracting(m -> m.getString("method")).containsExactly("notifications/message", null);
      assertThat(big.getString("id")).isEqualTo("big");
      assertThat(big.getJsonObject("error").getString("message")).contains("larger than 512 bytes");
    } finally {
      remote.close();
      fake.close().await();
    }
    assertThat(seen).extracting(h -> h.get("X-Api-Key")).containsOnly("key-value");
    assertThat(seen.get(0).get(McpHeaders.SESSION_ID)).isNull();
    assertThat(seen.get(0).get(McpHeaders.PROTOCOL_VERSION)).isNull();
    assertThat(seen.subList(1, seen.size())).allMatch(h -> "fake-session".equals(h.get(McpHeaders.SESSION_ID))
        && "2025-06-18".equals(h.get(McpHeaders.PROTOCOL_VERSION)));
    assertThat(seen).extracting(h -> h.get("X-Method"))
        .containsExactlyInAnyOrder("POST", "POST", "GET", "POST", "POST", "DELETE").endsWith("DELETE");
  }

  @Test
  void theSpecNamesHeadersButNeverTheirValues() {
    HttpUpstream.Spec spec = new HttpUpstream.Spec(URI.create("https://mcp.example.com/mcp?api_key=secret-in-query"),
        Map.of("Authorization", "Bearer secret-in-header"), Duration.ofSeconds(5), 1024);

    assertThat(spec.toString()).contains("https://mcp.example.com/mcp", "Authorization").doesNotContain("secret");
    assertThatThrownBy(() -> new HttpUpstream.Spec(URI.create("https://user:secret@mcp.example.com/mcp"), Map.of(),
        Duration.ofSeconds(5), 1024)).isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("secret");
    assertThatThrownBy(() -> new HttpUpstream.Spec(URI.create("ftp://mcp.example.com/mcp"), Map.of(),
        Duration.ofSeconds(5), 1024)).isInstanceOf(IllegalArgumentException.class);
  }

  /** A JSON-only Streamable HTTP server: no event streams, a session id, 405 on GET. */
  private static void answerAsJson(RoutingContext ctx, List<MultiMap> seen) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().addAll(ctx.request().headers())
        .set("X-Method", ctx.request().method().name());
    seen.add(headers);
    HttpServerResponse response = ctx.response().putHeader("Content-Type", McpHeaders.JSON);
    if (ctx.request().method() != HttpMethod.POST) {
      response.setStatusCode(ctx.request().method() == HttpMethod.GET ? 405 : 200).end();
      return;
    }
    JsonObject message = ctx.body().asJsonObject();
    Object id = message.getValue("id");
    JsonObject result = new JsonObject().put("jsonrpc", "2.0").put("id", id);
    switch (id == null ? "" : id.toString()) {
      case "" -> response.setStatusCode(202).end();
      case "init" -> response.putHeader(McpHeaders.SESSION_ID, "fake-session").end(result.put("result",
          new JsonObject().put("protocolVersion", "2025-06-18").put("capabilities", new JsonObject())
              .put("serverInfo", new JsonObject().put("name", "fake").put("version", "1"))).encode());
      case "batch" -> response.end(new JsonArray().add(JsonRpcMessage.notification("notifications/message",
          new JsonObject().put("level", "info").put("data", "batched"))).add(result.put("result", new JsonObject())).encode());
      default -> response.end(result.put("result", new JsonObject().put("padding", "x".repeat(1024))).encode());
    }
  }

  private static Runner startRunner() {
    return Runner.start(resources.vertx(), "127.0.0.1", TestConfig.freePort(), FixtureCommand.command(), Map.of(),
        TOKEN, TestConfig.relayOptions().withDnsRebindingProtection(true)).await();
  }

  private static HttpUpstream.Spec spec(int port, String token) {
    return new HttpUpstream.Spec(URI.create("http://127.0.0.1:" + port + Runner.MCP_PATH),
        Map.of("Authorization", "Bearer " + token), Duration.ofSeconds(5), 1 << 20);
  }

  private static JsonObject tool(String name, JsonObject arguments) {
    return new JsonObject().put("name", name).put("arguments", arguments);
  }

  private static String text(JsonObject response) {
    return response.getJsonObject("result").getJsonArray("content").getJsonObject(0).getString("text");
  }

  private static String text(CallToolResult result) {
    return ((TextContent) result.content().get(0)).text();
  }

  private static void awaitSessions(Runner target, int count) {
    await().atMost(Duration.ofSeconds(10)).until(() -> target.sessionCount() == count);
    assertThat(target.sessionCount()).as("sessions left on the runner").isEqualTo(count);
  }

  /** One HttpUpstream on its own context and what it delivered. */
  private static final class Remote implements AutoCloseable {
    final BlockingQueue<JsonObject> received = new LinkedBlockingQueue<>();
    final Set<Context> contexts = ConcurrentHashMap.newKeySet();
    final Promise<Upstream.UpstreamExit> exit = Promise.promise();
    final Context context;
    HttpUpstream upstream;

    private Remote(Context context) {
      this.context = context;
    }

    static Remote open(int port, String token) {
      return open(spec(port, token));
    }

    static Remote open(HttpUpstream.Spec spec) {
      Vertx vertx = resources.vertx();
      Remote remote = new Remote(vertx.getOrCreateContext());
      Promise<Void> started = Promise.promise();
      remote.context.runOnContext(v -> remote.create(vertx, spec).onComplete(started));
      started.future().await();
      return remote;
    }

    static JsonObject initializeRequest() {
      return JsonRpcMessage.request("init", "initialize", new JsonObject().put("protocolVersion", "2025-11-25")
          .put("capabilities", new JsonObject().put("sampling", new JsonObject()).put("elicitation", new JsonObject()))
          .put("clientInfo", new JsonObject().put("name", "http-upstream-test").put("version", "1.0.0")));
    }

    private Future<Void> create(Vertx vertx, HttpUpstream.Spec spec) {
      upstream = new HttpUpstream(vertx, spec);
      upstream.messageHandler(this::received).exitHandler(exit::tryComplete);
      return upstream.start();
    }

    private void received(JsonObject message) {
      contexts.add(Vertx.currentContext());
      received.add(message);
    }

    JsonObject initialize() throws InterruptedException {
      JsonObject result = call("init", "initialize", initializeRequest().getJsonObject("params"));
      send(JsonRpcMessage.notification("notifications/initialized", null));
      return result.getJsonObject("result");
    }

    void send(JsonObject message) {
      upstream.send(message);
    }

    JsonObject call(String id, String method, JsonObject params) throws InterruptedException {
      send(JsonRpcMessage.request(id, method, params));
      return until(id).getLast();
    }

    JsonObject next() throws InterruptedException {
      JsonObject message = received.poll(60, TimeUnit.SECONDS);
      assertThat(message).as("a message within 60 s").isNotNull();
      return message;
    }

    /** Every message up to and including the response with {@code id}. */
    List<JsonObject> until(String id) throws InterruptedException {
      List<JsonObject> messages = new ArrayList<>();
      JsonObject message;
      do {
        message = next();
        messages.add(message);
      } while (message.containsKey("method") || !id.equals(message.getValue("id")));
      return messages;
    }

    @Override
    public void close() throws Exception {
      upstream.close().await(15, TimeUnit.SECONDS);
    }
  }
}
