package dev.catwalk;

import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.TestConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The README's quick start, run as written: its commands are read from README.md (so the README
 * cannot drift from what works), the gateway's run command is started as it stands (after the build
 * that {@code verify} has done), the second step runs in bash with a fresh {@code HOME}, and the
 * deployment it made answers an MCP {@code initialize} at the URL with the token it printed. The
 * third step's client commands (Claude Code, the Inspector) are not run here. The gateway gets its
 * own database through {@code DATABASE_URL} (the lookup itself is DatabaseLookupIT's), and the
 * admin channel is off ({@code CATWALK_ADMIN_PORT=0}) so a developer's own gateway does not clash;
 * port 8080, which the README names, must be free.
 */
@Timeout(600)
class QuickStartIT {

  @RegisterExtension
  static final ClassResources resources = ClassResources.withDatabase();

  private static final String BUILD = "./mvnw -B -q package -DskipTests && ";
  private static final Pattern SH_BLOCK = Pattern.compile("```sh\n(.*?)```", Pattern.DOTALL);

  @Test
  void theQuickStartWorksAsWritten(@TempDir Path home) throws Exception {
    String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
    List<String> twoCommands = blocks(section(readme, "## The two commands"));
    List<String> quickStart = blocks(section(readme, "## Quick start"));
    String run = twoCommands.get(0).strip();
    assertThat(run).as("the run command builds, then serves").startsWith(BUILD);
    assertThat(twoCommands.get(1).strip()).isEqualTo("./mvnw -B verify");

    Path log = home.resolve("serve.log");
    ProcessBuilder serve = bash(run.substring(BUILD.length()), home).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    serve.environment().put("DATABASE_URL", TestConfig.libpqUrl(resources.database(), "disable"));
    serve.environment().put("CATWALK_ADMIN_PORT", "0");
    Process gateway = serve.start();
    try {
      HttpClient http = HttpClient.newHttpClient();
      await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).failFast(() -> !gateway.isAlive())
          .ignoreExceptions().until(() -> http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:8080/health/ready"))
              .build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200);

      String check = """
          curl -sS --max-time 240 -o initialize.txt -w '%{http_code}' -X POST "$MCP_URL" \\
            -H "Authorization: Bearer $MCP_TOKEN" -H 'Content-Type: application/json' \\
            -H 'Accept: application/json, text/event-stream' \\
            -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"quick-start","version":"1"}}}'
          """;
      ProcessBuilder step2 = bash("set -euo pipefail\n" + quickStart.get(0) + check, home).directory(home.toFile());
      Path out = home.resolve("step2.log");
      Process second = step2.redirectErrorStream(true).redirectOutput(out.toFile()).start();
      assertThat(second.waitFor(300, TimeUnit.SECONDS)).isTrue();
      String output = Files.readString(out);

      assertThat(second.exitValue()).as(output + Files.readString(log)).isZero();
      assertThat(output).contains("http://127.0.0.1:8080/api/mcp/").endsWith("200");
      assertThat(Files.readString(home.resolve("deployment.json"))).contains("\"status\":\"running\"");
      assertThat(Files.readString(home.resolve("initialize.txt"))).contains("\"serverInfo\"");
      assertThat(quickStart.get(1)).contains("claude mcp add --transport http everything \"$MCP_URL\"")
          .contains("@modelcontextprotocol/inspector --cli \"$MCP_URL\"");
    } finally {
      gateway.destroy();
      gateway.waitFor(30, TimeUnit.SECONDS);
      gateway.destroyForcibly();
    }
  }

  /** A shell running {@code script} with only what a fresh login has: PATH, HOME, JAVA_HOME. */
  private static ProcessBuilder bash(String script, Path home) {
    ProcessBuilder builder = new ProcessBuilder("bash", "-c", script).directory(Path.of("").toAbsolutePath().toFile());
    builder.environment().clear();
    builder.environment().put("PATH", System.getenv("PATH"));
    builder.environment().put("HOME", home.toString());
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    return builder;
  }

  private static String section(String readme, String heading) {
    int start = readme.indexOf("\n" + heading + "\n");
    assertThat(start).as(heading).isNotNegative();
    int end = readme.indexOf("\n## ", start + heading.length() + 2);
    return readme.substring(start, end < 0 ? readme.length() : end);
  }

  private static List<String> blocks(String text) {
    List<String> blocks = new ArrayList<>();
    Matcher matcher = SH_BLOCK.matcher(text);
    while (matcher.find()) {
      blocks.add(matcher.group(1));
    }
    return blocks;
  }
}
