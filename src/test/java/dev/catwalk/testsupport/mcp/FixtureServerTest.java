package dev.catwalk.testsupport.mcp;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ClientCapabilities;
import io.modelcontextprotocol.spec.McpSchema.CompleteRequest;
import io.modelcontextprotocol.spec.McpSchema.CompleteResult;
import io.modelcontextprotocol.spec.McpSchema.CreateMessageRequest;
import io.modelcontextprotocol.spec.McpSchema.CreateMessageResult;
import io.modelcontextprotocol.spec.McpSchema.ElicitFormRequest;
import io.modelcontextprotocol.spec.McpSchema.ElicitResult;
import io.modelcontextprotocol.spec.McpSchema.GetPromptRequest;
import io.modelcontextprotocol.spec.McpSchema.GetPromptResult;
import io.modelcontextprotocol.spec.McpSchema.Implementation;
import io.modelcontextprotocol.spec.McpSchema.InitializeResult;
import io.modelcontextprotocol.spec.McpSchema.LoggingLevel;
import io.modelcontextprotocol.spec.McpSchema.LoggingMessageNotification;
import io.modelcontextprotocol.spec.McpSchema.ProgressNotification;
import io.modelcontextprotocol.spec.McpSchema.Prompt;
import io.modelcontextprotocol.spec.McpSchema.PromptReference;
import io.modelcontextprotocol.spec.McpSchema.ReadResourceRequest;
import io.modelcontextprotocol.spec.McpSchema.ReadResourceResult;
import io.modelcontextprotocol.spec.McpSchema.Role;
import io.modelcontextprotocol.spec.McpSchema.SamplingMessage;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import io.modelcontextprotocol.spec.McpSchema.ResourceContents;
import io.modelcontextprotocol.spec.McpSchema.SubscribeRequest;
import io.modelcontextprotocol.spec.McpSchema.TextResourceContents;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import io.modelcontextprotocol.spec.McpSchema.UnsubscribeRequest;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Drives {@link FixtureServer} as a child process through the MCP Java SDK's own stdio client. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class FixtureServerTest {

  private static final String PROBE_VAR = "CATWALK_FIXTURE_PROBE";
  private static final String PROBE_VALUE = "probe-value-42";

  private final List<CreateMessageRequest> samplingRequests = new CopyOnWriteArrayList<>();
  private final List<ElicitFormRequest> elicitationRequests = new CopyOnWriteArrayList<>();
  private final List<LoggingMessageNotification> logs = new CopyOnWriteArrayList<>();
  private final List<ProgressNotification> progress = new CopyOnWriteArrayList<>();
  private final List<String> serverStderr = new CopyOnWriteArrayList<>();
  private final List<List<ResourceContents>> resourceUpdates = new CopyOnWriteArrayList<>();

  private McpSyncClient client;
  private InitializeResult initialized;

  @BeforeAll
  void start() {
    client = newClient();
    initialized = client.initialize();
  }

  @AfterAll
  void stop() {
    if (client != null) {
      client.closeGracefully();
    }
  }

  private McpSyncClient newClient() {
    List<String> command = FixtureCommand.command();
    ServerParameters parameters = ServerParameters.builder(command.get(0))
        .args(command.subList(1, command.size()))
        .addEnvVar(PROBE_VAR, PROBE_VALUE)
        .addEnvVar("FIXTURE_WATCH_INTERVAL_MS", "200")
        .build();
    StdioClientTransport transport = new StdioClientTransport(parameters, McpJsonDefaults.getMapper());
    transport.setStdErrorHandler(serverStderr::add);
    return McpClient.sync(transport)
        .clientInfo(Implementation.builder("fixture-server-test", "1.0.0").build())
        .requestTimeout(Duration.ofSeconds(30))
        .initializationTimeout(Duration.ofSeconds(60))
        .capabilities(ClientCapabilities.builder().sampling().elicitation().build())
        .sampling(request -> {
          samplingRequests.add(request);
          String prompt = ((TextContent) request.messages().get(0).content()).text();
          return CreateMessageResult.builder(Role.ASSISTANT, "echoed by the model: " + prompt, "test-model")
              .stopReason(CreateMessageResult.StopReason.END_TURN)
              .build();
        })
        .elicitation(request -> {
          elicitationRequests.add(request);
          return new ElicitResult(ElicitResult.Action.ACCEPT, Map.of("response", "yes please"));
        })
        .loggingConsumer(logs::add)
        .progressConsumer(progress::add)
        .resourcesUpdateConsumer(resourceUpdates::add)
        .build();
  }

  private static String onlyText(CallToolResult result) {
    assertThat(result.content()).hasSize(1);
    assertThat(result.content().get(0)).isInstanceOf(TextContent.class);
    return ((TextContent) result.content().get(0)).text();
  }

  private CallToolResult call(String tool, Map<String, Object> arguments) {
    return client.callTool(CallToolRequest.builder(tool).arguments(arguments).build());
  }

  @Test
  void initializeReportsServerInfoAndCapabilities() {
    assertThat(initialized.serverInfo().name()).isEqualTo(FixtureServer.NAME);
    assertThat(initialized.serverInfo().version()).isEqualTo(FixtureServer.VERSION);
    assertThat(initialized.protocolVersion()).isNotBlank();
    var capabilities = initialized.capabilities();
    assertThat(capabilities.tools()).isNotNull();
    assertThat(capabilities.resources()).isNotNull();
    assertThat(capabilities.resources().subscribe()).isTrue();
    assertThat(capabilities.resources().listChanged()).isTrue();
    assertThat(capabilities.prompts()).isNotNull();
    assertThat(capabilities.logging()).isNotNull();
    assertThat(capabilities.completions()).isNotNull();
  }

  @Test
  void listsEveryTool() {
    assertThat(client.listTools().tools()).extracting(Tool::name).contains(
        "test_simple_text", "test_image_content", "test_audio_content", "test_embedded_resource",
        "test_multiple_content_types", "test_tool_with_logging", "test_tool_with_progress",
        "test_error_handling", "test_sampling", "test_elicitation",
        "echo", "get_env", "slow", "exit", "garbage");
  }

  @Test
  void echoRoundTrip() {
    CallToolResult result = call("echo", Map.of("message", "hello, fixture ✓"));
    assertThat(result.isError()).isNotEqualTo(Boolean.TRUE);
    assertThat(onlyText(result)).isEqualTo("hello, fixture ✓");
  }

  @Test
  void getEnvSeesTheVariablePassedInServerParameters() {
    assertThat(onlyText(call("get_env", Map.of("name", PROBE_VAR)))).isEqualTo(PROBE_VALUE);
    assertThat(onlyText(call("get_env", Map.of("name", "CATWALK_FIXTURE_SURELY_UNSET_VAR")))).isEqualTo("(unset)");
  }

  @Test
  void slowAnswersDone() {
    assertThat(onlyText(call("slow", Map.of("millis", 50)))).isEqualTo("done");
  }

  @Test
  void errorHandlingToolReturnsAnErrorResult() {
    CallToolResult result = call("test_error_handling", Map.of());
    assertThat(result.isError()).isTrue();
    assertThat(onlyText(result)).isEqualTo("This tool intentionally returns an error for testing");
  }

  @Test
  void listsPromptsAndRendersOne() {
    assertThat(client.listPrompts().prompts()).extracting(Prompt::name).containsExactlyInAnyOrder(
        "test_simple_prompt", "test_prompt_with_arguments", "test_prompt_with_embedded_resource",
        "test_prompt_with_image");
    GetPromptResult prompt = client.getPrompt(
        GetPromptRequest.builder("test_prompt_with_arguments").arguments(Map.of("arg1", "a", "arg2", "b")).build());
    assertThat(((TextContent) prompt.messages().get(0).content()).text())
        .isEqualTo("Prompt with arguments: arg1='a', arg2='b'");
  }

  @Test
  void completesPromptArguments() {
    CompleteResult result = client.completeCompletion(CompleteRequest.builder(
        new PromptReference("test_prompt_with_arguments"), new CompleteRequest.CompleteArgument("arg1", "ap")).build());
    assertThat(result.completion().values()).containsExactly("apple", "apricot");
  }

  @Test
  void readsStaticTextAndTemplateResources() {
    ReadResourceResult text = client.readResource(ReadResourceRequest.builder("test://static-text").build());
    assertThat(text.contents()).hasSize(1);
    TextResourceContents contents = (TextResourceContents) text.contents().get(0);
    assertThat(contents.uri()).isEqualTo("test://static-text");
    assertThat(contents.mimeType()).isEqualTo("text/plain");
    assertThat(contents.text()).isEqualTo(FixtureServer.STATIC_TEXT);

    ReadResourceResult templated = client.readResource(
        ReadResourceRequest.builder("test://template/42/data").build());
    assertThat(((TextResourceContents) templated.contents().get(0)).text())
        .contains("\"id\":\"42\"").contains("\"templateTest\":true");
  }

  @Test
  void subscribersHearAboutTheWatchedResource() throws Exception {
    client.subscribeResource(SubscribeRequest.builder(FixtureServer.WATCHED_URI).build());
    try {
      awaitUpTo10s(() -> !resourceUpdates.isEmpty());
      assertThat(resourceUpdates).isNotEmpty();
      // The SDK client re-reads the resource when told it changed.
      assertThat(resourceUpdates.get(0)).singleElement()
          .isInstanceOfSatisfying(TextResourceContents.class, contents -> {
            assertThat(contents.uri()).isEqualTo(FixtureServer.WATCHED_URI);
            assertThat(contents.text()).isEqualTo("Watched resource content");
          });
    } finally {
      client.unsubscribeResource(UnsubscribeRequest.builder(FixtureServer.WATCHED_URI).build());
    }
  }

  @Test
  void samplingRoundTripThroughTheClient() {
    CallToolResult result = call("test_sampling", Map.of("prompt", "What is 2+2?"));
    assertThat(onlyText(result)).isEqualTo("LLM response: echoed by the model: What is 2+2?");
    assertThat(samplingRequests).isNotEmpty();
    SamplingMessage sent = samplingRequests.get(samplingRequests.size() - 1).messages().get(0);
    assertThat(sent.role()).isEqualTo(Role.USER);
    assertThat(((TextContent) sent.content()).text()).isEqualTo("What is 2+2?");
  }

  @Test
  void elicitationRoundTripThroughTheClient() {
    CallToolResult result = call("test_elicitation", Map.of("message", "Who are you?"));
    assertThat(onlyText(result)).isEqualTo("User response: action=accept, content={\"response\":\"yes please\"}");
    assertThat(elicitationRequests).extracting(ElicitFormRequest::message).contains("Who are you?");
  }

  @Test
  void progressAndLoggingNotificationsReachTheClient() throws Exception {
    client.setLoggingLevel(LoggingLevel.DEBUG);
    CallToolResult progressResult = client.callTool(
        CallToolRequest.builder("test_tool_with_progress").arguments(Map.of()).progressToken("tok-1").build());
    assertThat(onlyText(progressResult)).isEqualTo("tok-1");
    CallToolResult logResult = call("test_tool_with_logging", Map.of());
    assertThat(onlyText(logResult)).isEqualTo("Tool with logging executed successfully");

    // The SDK's sync client hands each notification to its consumer as its own task on Reactor's
    // boundedElastic scheduler (McpClientFeatures.Sync: Mono.fromRunnable(...).subscribeOn(...), and
    // McpClientSession subscribes to each notification apart), so consumers run after the result and
    // in any order: [50.0, 100.0, 0.0] was seen under load. The order on the wire is checked over raw
    // pipes below (progressIsWrittenInOrderBeforeTheResult).
    awaitUpTo10s(() -> progress.size() >= 3 && logs.size() >= 3);
    assertThat(progress).extracting(ProgressNotification::progress).containsExactlyInAnyOrder(0.0, 50.0, 100.0);
    assertThat(progress).extracting(ProgressNotification::progressToken).containsOnly("tok-1");
    assertThat(logs).extracting(LoggingMessageNotification::data)
        .contains("Tool execution started", "Tool processing data", "Tool execution completed");
  }

  // The SDK's own StdioClientTransport stops reading after a non-JSON line (it logs "Error
  // processing inbound message" and the next request times out), so garbage and exit are checked
  // over raw pipes, the way the gateway sees them.

  @Test
  void garbageWritesOneNonJsonLineThenAnswersNormally() throws Exception {
    try (RawFixture fixture = new RawFixture()) {
      fixture.callTool("garbage", new JsonObject());
      assertThat(fixture.stdout.readLine()).isEqualTo(FixtureServer.GARBAGE_LINE);
      JsonObject answer = new JsonObject(fixture.stdout.readLine());
      assertThat(answer.getInteger("id")).isEqualTo(2);
      assertThat(answer.getJsonObject("result").getJsonArray("content").getJsonObject(0).getString("text"))
          .isEqualTo("garbage written");
    }
  }

  @Test
  void progressIsWrittenInOrderBeforeTheResult() throws Exception {
    try (RawFixture fixture = new RawFixture()) {
      fixture.stdin.println(new JsonObject().put("jsonrpc", "2.0").put("id", 2).put("method", "tools/call")
          .put("params", new JsonObject().put("name", "test_tool_with_progress").put("arguments", new JsonObject())
              .put("_meta", new JsonObject().put("progressToken", "tok-raw"))).encode());
      List<JsonObject> lines = new java.util.ArrayList<>();
      for (int i = 0; i < 4; i++) {
        lines.add(new JsonObject(fixture.stdout.readLine()));
      }

      assertThat(lines.subList(0, 3)).extracting(line -> line.getJsonObject("params").getDouble("progress"))
          .containsExactly(0.0, 50.0, 100.0);
      assertThat(lines.subList(0, 3)).allMatch(line -> "tok-raw".equals(line.getJsonObject("params").getString("progressToken")));
      assertThat(lines.get(3).getInteger("id")).isEqualTo(2);
    }
  }

  @Test
  void exitEndsTheProcessWithTheCodeWithoutAnswering() throws Exception {
    try (RawFixture fixture = new RawFixture()) {
      fixture.callTool("exit", new JsonObject().put("code", 7));
      assertThat(fixture.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(fixture.process.exitValue()).isEqualTo(7);
      assertThat(fixture.stdout.readLine()).isNull();
    }
  }

  @Test
  void exitsWhenStdinCloses() throws Exception {
    try (RawFixture fixture = new RawFixture()) {
      fixture.stdin.close();
      assertThat(fixture.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(fixture.process.exitValue()).isZero();
    }
  }

  /** The fixture over raw pipes, after the initialize handshake. */
  private static final class RawFixture implements AutoCloseable {
    final Process process;
    final PrintStream stdin;
    final BufferedReader stdout;

    RawFixture() throws IOException {
      process = new ProcessBuilder(FixtureCommand.command()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      stdin = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
      stdout = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      rawHandshake(stdin, stdout);
    }

    void callTool(String name, JsonObject arguments) {
      stdin.println(new JsonObject().put("jsonrpc", "2.0").put("id", 2).put("method", "tools/call")
          .put("params", new JsonObject().put("name", name).put("arguments", arguments)).encode());
    }

    @Override
    public void close() throws IOException {
      stdin.close();
      stdout.close();
      process.destroyForcibly().onExit().join();
    }
  }

  private static void rawHandshake(PrintStream stdin, BufferedReader stdout) throws IOException {
    stdin.println(new JsonObject().put("jsonrpc", "2.0").put("id", 1).put("method", "initialize")
        .put("params", new JsonObject()
            .put("protocolVersion", "2025-06-18")
            .put("capabilities", new JsonObject())
            .put("clientInfo", new JsonObject().put("name", "raw").put("version", "1")))
        .encode());
    JsonObject initialized = new JsonObject(stdout.readLine());
    assertThat(initialized.getInteger("id")).isEqualTo(1);
    assertThat(initialized.getJsonObject("result").getJsonObject("serverInfo").getString("name"))
        .isEqualTo(FixtureServer.NAME);
    stdin.println(new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/initialized").encode());
  }

  @Test
  void logsOnlyToStderr() throws Exception {
    // The server talks on stdout only in JSON-RPC (or the client above would have failed); its
    // diagnostics arrive on stderr.
    awaitUpTo10s(() -> serverStderr.stream().anyMatch(line -> line.contains("ready on stdio")));
    assertThat(serverStderr).anySatisfy(line -> assertThat(line).contains("ready on stdio"));
  }

  private static void awaitUpTo10s(BooleanSupplier condition) {
    await().atMost(Duration.ofSeconds(10)).until(condition::getAsBoolean);
  }
}
