package dev.catwalk.mcp;

import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.TestConfig;
import dev.catwalk.testsupport.mcp.FixtureCommand;
import dev.catwalk.testsupport.mcp.SdkClients;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.CompleteRequest;
import io.modelcontextprotocol.spec.McpSchema.GetPromptRequest;
import io.modelcontextprotocol.spec.McpSchema.LoggingLevel;
import io.modelcontextprotocol.spec.McpSchema.LoggingMessageNotification;
import io.modelcontextprotocol.spec.McpSchema.ProgressNotification;
import io.modelcontextprotocol.spec.McpSchema.Prompt;
import io.modelcontextprotocol.spec.McpSchema.PromptReference;
import io.modelcontextprotocol.spec.McpSchema.ReadResourceRequest;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import io.modelcontextprotocol.spec.McpSchema.TextResourceContents;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The official MCP Java SDK as the client, over Streamable HTTP, through {@code catwalk runner},
 * with a stdio server built with the same SDK behind it (run as its own process per session).
 */
@Timeout(180)
class SdkClientThroughRunnerTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.vertxOnly();

  private static final String TOKEN = "sdk-test-runner-token";
  private static Runner runner;

  @BeforeAll
  static void start() {
    runner = Runner.start(resources.vertx(), "127.0.0.1", TestConfig.freePort(), FixtureCommand.command(),
        Map.of("SDK_PROBE", "probe-through-catwalk"), TOKEN, TestConfig.relayOptions().withDnsRebindingProtection(true))
        .await();
  }

  @AfterAll
  static void stop() {
    runner.close().await();
  }

  /** One SDK client session and what the server sent it. */
  private static final class Session implements AutoCloseable {
    final List<LoggingMessageNotification> logs = new CopyOnWriteArrayList<>();
    final List<ProgressNotification> progress = new CopyOnWriteArrayList<>();
    final McpSyncClient client;

    Session() {
      HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport
          .builder("http://127.0.0.1:" + runner.port())
          .endpoint(Runner.MCP_PATH)
          .requestBuilder(HttpRequest.newBuilder().header("Authorization", "Bearer " + TOKEN))
          .build();
      client = SdkClients.sync(transport, "catwalk-sdk-test", "accepted via catwalk")
          .loggingConsumer(logs::add)
          .progressConsumer(progress::add)
          .build();
      client.initialize();
    }

    CallToolResult call(String tool, Map<String, Object> arguments) {
      return client.callTool(new CallToolRequest(tool, arguments));
    }

    @Override
    public void close() {
      client.closeGracefully();
    }
  }

  private static String text(CallToolResult result) {
    return ((TextContent) result.content().get(0)).text();
  }

  @Test
  void toolsPromptsResourcesAndCompletionWorkAsIfDirect() {
    try (Session session = new Session()) {
      assertThat(session.client.listTools().tools()).extracting(Tool::name)
          .contains("echo", "get_env", "test_sampling", "test_elicitation", "test_tool_with_progress");
      assertThat(text(session.call("echo", Map.of("message", "héllo ✓")))).isEqualTo("héllo ✓");
      assertThat(text(session.call("get_env", Map.of("name", "SDK_PROBE")))).isEqualTo("probe-through-catwalk");
      assertThat(text(session.call("get_env", Map.of("name", "CATWALK_RUNNER_TOKEN")))).isEqualTo("(unset)");
      assertThat(session.call("test_error_handling", Map.of()).isError()).isTrue();
      assertThat(session.client.listPrompts().prompts()).extracting(Prompt::name).contains("test_simple_prompt");
      assertThat(session.client.getPrompt(new GetPromptRequest("test_prompt_with_arguments",
          Map.of("arg1", "a", "arg2", "b"))).messages()).isNotEmpty();
      assertThat(session.client.completeCompletion(new CompleteRequest(new PromptReference("test_prompt_with_arguments"),
          new CompleteRequest.CompleteArgument("arg1", ""))).completion().values()).isNotEmpty();
      var contents = session.client.readResource(new ReadResourceRequest("test://static-text")).contents();
      assertThat(((TextResourceContents) contents.get(0)).text()).isNotBlank();
      session.client.ping();
    }
  }

  @Test
  void samplingAndElicitationRoundTripThroughTheGateway() {
    try (Session session = new Session()) {
      assertThat(text(session.call("test_sampling", Map.of("prompt", "2+2?")))).contains("model says: 2+2?");
      assertThat(text(session.call("test_elicitation", Map.of("message", "who?")))).contains("accepted via catwalk");
    }
  }

  @Test
  void progressAndLoggingReachTheCallerOnItsStream() throws Exception {
    try (Session session = new Session()) {
      session.client.setLoggingLevel(LoggingLevel.DEBUG);
      session.client.callTool(new CallToolRequest("test_tool_with_progress", Map.of(), Map.of("progressToken", "tok-9")));
      session.call("test_tool_with_logging", Map.of());
      dev.catwalk.testsupport.GatewayHarness.eventually(() -> session.progress.size() >= 3 && !session.logs.isEmpty(),
          "the SDK delivered the notifications (its consumers run apart from the results)");

      // The SDK's sync client runs each notification consumer as its own task, in any order (see
      // FixtureServerTest); the relay's order on the wire is checked over raw HTTP in StreamResumptionTest.
      assertThat(session.progress).extracting(ProgressNotification::progress).containsExactlyInAnyOrder(0.0, 50.0, 100.0);
      assertThat(session.progress).allMatch(p -> "tok-9".equals(p.progressToken()));
      assertThat(session.logs).isNotEmpty();
    }
  }

  @Test
  void twoSessionsAtOnceNeverSeeEachOthersMessages() throws Exception {
    try (Session first = new Session(); Session second = new Session()) {
      first.client.setLoggingLevel(LoggingLevel.DEBUG);
      second.client.setLoggingLevel(LoggingLevel.DEBUG);
      Thread other = Thread.ofVirtual().start(() ->
          second.client.callTool(new CallToolRequest("test_tool_with_progress", Map.of(), Map.of("progressToken", "second"))));
      first.client.callTool(new CallToolRequest("test_tool_with_progress", Map.of(), Map.of("progressToken", "first")));
      first.call("test_tool_with_logging", Map.of());
      other.join();

      assertThat(first.progress).isNotEmpty().allMatch(p -> "first".equals(p.progressToken()));
      assertThat(second.progress).isNotEmpty().allMatch(p -> "second".equals(p.progressToken()));
      assertThat(second.logs).filteredOn(log -> !"catwalk".equals(log.logger()))
          .as("the first session's logging stays in the first session (the gateway's own start notices aside)").isEmpty();
      assertThat(runner.sessionCount()).isGreaterThanOrEqualTo(2);
    }
  }
}
