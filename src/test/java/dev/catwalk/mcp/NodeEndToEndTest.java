package dev.catwalk.mcp;

import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.TestConfig;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

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
 * driven by the TypeScript SDK's Streamable HTTP client ({@code src/test/node/e2e.mjs}). The npm
 * packages are pinned by {@code src/test/node/package-lock.json} and installed into {@code target/}.
 */
@Timeout(600)
class NodeEndToEndTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.vertxOnly();

  private static final Path SOURCES = Path.of("src/test/node");
  private static final Path WORK = Path.of("target/node-e2e");

  @Test
  void typescriptClientUsesServerEverythingThroughTheRunner() throws Exception {
    Path work = install();
    Path server = work.resolve("node_modules/@modelcontextprotocol/server-everything/dist/index.js").toAbsolutePath();
    Runner runner = Runner.start(resources.vertx(), "127.0.0.1", TestConfig.freePort(),
        List.of("node", server.toString(), "stdio"), Map.of("E2E_MARKER", "configured-by-catwalk"), "node-e2e-token",
        RelayOptions.defaults().withDnsRebindingProtection(true)).await();
    try {
      String output = run(work, "node", "e2e.mjs", "http://127.0.0.1:" + runner.port() + Runner.MCP_PATH, "node-e2e-token");
      JsonObject seen = new JsonObject(output.lines().reduce((a, b) -> b).orElseThrow());

      assertThat(seen.getString("sessionId")).isNotBlank();
      assertThat(seen.getJsonArray("tools").getList()).contains("echo", "get-sum", "get-env");
      assertThat(seen.getString("echo")).isEqualTo("Echo: hello from node");
      assertThat(seen.getString("sum")).contains("42");
      assertThat(seen.getString("env")).contains("configured-by-catwalk").doesNotContain("node-e2e-token");
      assertThat(seen.getJsonArray("progress")).isNotEmpty();
      assertThat(seen.getJsonArray("prompts").getList()).contains("simple-prompt");
      waitForNoSessions(runner);
      assertThat(runner.sessionCount()).as("DELETE from the client ended the session").isZero();
    } finally {
      runner.close().await();
    }
  }

  private static void waitForNoSessions(Runner runner) throws InterruptedException {
    for (int i = 0; i < 50 && runner.sessionCount() > 0; i++) {
      Thread.sleep(100);
    }
  }

  private static Path install() throws Exception {
    Files.createDirectories(WORK);
    for (String file : List.of("package.json", "package-lock.json", "e2e.mjs")) {
      Files.copy(SOURCES.resolve(file), WORK.resolve(file), StandardCopyOption.REPLACE_EXISTING);
    }
    if (!Files.isDirectory(WORK.resolve("node_modules/@modelcontextprotocol/server-everything"))) {
      run(WORK, "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error");
    }
    return WORK;
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
