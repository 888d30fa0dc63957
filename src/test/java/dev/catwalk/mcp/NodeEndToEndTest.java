package dev.catwalk.mcp;

import dev.catwalk.config.ConfigKeys;

import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.GatewayHarness;
import dev.catwalk.testsupport.TestConfig;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * End to end with Node: {@code @modelcontextprotocol/server-everything} (stdio) behind the runner,
 * driven by the TypeScript SDK's Streamable HTTP client ({@code src/test/node/e2e.mjs}); and
 * {@code @modelcontextprotocol/server-memory} 2025.4.25, a published server whose SDK (1.0.1) answers
 * protocol 2024-11-05, behind the runner and behind a gateway deployment
 * ({@code src/test/node/e2e-memory.mjs}). The npm packages are pinned by
 * {@code src/test/node/package-lock.json} and installed into {@code target/}.
 */
@Timeout(600)
class NodeEndToEndTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.withDatabase();

  private static final Path SOURCES = Path.of("src/test/node");
  private static final Path WORK = Path.of("target/node-e2e");

  @Test
  void typescriptClientUsesServerEverythingThroughTheRunner() throws Exception {
    Path work = install();
    Path server = work.resolve("node_modules/@modelcontextprotocol/server-everything/dist/index.js").toAbsolutePath();
    String output = throughRunner(List.of("node", server.toString(), "stdio"),
        Map.of("E2E_MARKER", "configured-by-catwalk"), work, "e2e.mjs");
    JsonObject seen = lastJsonLine(output);

    assertThat(seen.getString("sessionId")).isNotBlank();
    assertThat(seen.getJsonArray("tools").getList()).contains("echo", "get-sum", "get-env");
    assertThat(seen.getString("echo")).isEqualTo("Echo: hello from node");
    assertThat(seen.getString("sum")).contains("42");
    assertThat(seen.getString("env")).contains("configured-by-catwalk").doesNotContain("node-e2e-token");
    assertThat(seen.getJsonArray("progress")).isNotEmpty();
    assertThat(seen.getJsonArray("prompts").getList()).contains("simple-prompt");
  }

  @Test
  void aServerThatAnswers20241105WorksThroughTheRunner(@TempDir Path data) throws Exception {
    Path work = install();
    assertMemoryServerAnswered(lastJsonLine(throughRunner(List.of("node", memoryServer(work).toString()),
        Map.of("MEMORY_FILE_PATH", data.resolve("memory.json").toString()), work, "e2e-memory.mjs")));
  }

  /** Runs {@code script} against {@code command} behind a runner; checks the client's DELETE ended its session. */
  private static String throughRunner(List<String> command, Map<String, String> env, Path work, String script)
      throws Exception {
    Runner runner = Runner.start(resources.vertx(), "127.0.0.1", TestConfig.freePort(), command, env,
        "node-e2e-token", TestConfig.relayOptions().withDnsRebindingProtection(true)).await();
    try {
      String output = run(work, "node", script, "http://127.0.0.1:" + runner.port() + Runner.MCP_PATH, "node-e2e-token");
      waitForNoSessions(runner::sessionCount);
      assertThat(runner.sessionCount()).as("DELETE from the client ended the session").isZero();
      return output;
    } finally {
      runner.close().await();
    }
  }

  @Test
  void aServerThatAnswers20241105WorksThroughAGatewayDeployment() throws Exception {
    Path work = install();
    // The server runs sandboxed: its node_modules are bound read-only (CATWALK_SANDBOX_BIND), and it keeps its
    // memory file in its own private /tmp.
    try (GatewayHarness gateway = GatewayHarness.start(resources,
        raw -> raw.put(ConfigKeys.SANDBOX_BIND, work.toAbsolutePath().toString()))) {
      JsonObject body = new JsonObject().put("name", "memory-2024-11-05")
          .put("recipe", new JsonObject().put("runtime", "command").put("command", "node")
              .put("args", new JsonArray().add(memoryServer(work).toString())))
          .put("config", new JsonObject().put("MEMORY_FILE_PATH", "/tmp/memory.json"));
      GatewayHarness.Reply created = gateway.admin(HttpMethod.POST, "/api/deployments", body);
      assertThat(created.status()).as(created.body()).isEqualTo(201);
      JsonObject deployment = created.json();

      JsonObject seen = lastJsonLine(run(work, "node", "e2e-memory.mjs", deployment.getString("mcpUrl"),
          deployment.getString("accessToken")));

      assertMemoryServerAnswered(seen);
      waitForNoSessions(() -> gateway.gateway().mcpEndpoint().sessionCount());
      assertThat(gateway.gateway().mcpEndpoint().sessionCount()).as("DELETE ended the session").isZero();
    }
  }

  private static void assertMemoryServerAnswered(JsonObject seen) {
    assertThat(seen.getString("sessionId")).isNotBlank();
    assertThat(seen.getString("protocolVersion")).isEqualTo("2024-11-05");
    assertThat(seen.getJsonArray("tools").getList()).contains("create_entities", "read_graph");
    assertThat(seen.getString("graph")).contains("relays 2024-11-05");
  }

  private static Path memoryServer(Path work) {
    return work.resolve("node_modules/@modelcontextprotocol/server-memory/dist/index.js").toAbsolutePath();
  }

  private static JsonObject lastJsonLine(String output) {
    return new JsonObject(output.lines().reduce((a, b) -> b).orElseThrow());
  }

  private static void waitForNoSessions(java.util.function.IntSupplier sessions) {
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> sessions.getAsInt() == 0);
  }

  private static Path install() throws Exception {
    return dev.catwalk.testsupport.NodePackages.install();
  }

  private static String run(Path dir, String... command) throws IOException, InterruptedException {
    Path log = Files.createTempFile("node-e2e", ".log");
    Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    boolean done = process.waitFor(300, TimeUnit.SECONDS);
    String output = Files.readString(log, StandardCharsets.UTF_8);
    if (!done) {
      process.destroyForcibly();
    }
    assertThat(done && process.exitValue() == 0).as(String.join(" ", command) + " failed:\n" + output).isTrue();
    return output;
  }
}
