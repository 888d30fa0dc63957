package dev.catwalk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.catwalk.config.ConfigKeys;
import dev.catwalk.http.HealthRoutes;
import io.vertx.core.json.JsonArray;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** fly.toml, the Dockerfile and .gitattributes must agree with the code, so they cannot drift. */
class DeploymentFilesTest {

  private static final Path ROOT = Path.of("").toAbsolutePath();

  @Test
  void flyTomlMatchesThePortHealthPathCommandsAndShutdown() throws IOException {
    JsonNode fly = new TomlMapper().readTree(ROOT.resolve("fly.toml").toFile());
    JsonNode service = fly.path("http_service");
    int port = Integer.parseInt(fly.path("env").path(ConfigKeys.PORT).asText(String.valueOf(defaultPort())));

    assertThat(service.path("internal_port").asInt()).isEqualTo(port);
    assertThat(fly.path("env").path(ConfigKeys.HOST).asText()).as("reachable by Fly's proxy").isIn("0.0.0.0", "::");
    assertThat(service.path("checks").get(0).path("path").asText()).isEqualTo(HealthRoutes.READY_PATH);
    String release = fly.path("deploy").path("release_command").asText();
    assertThat(Main.commandLine().getSubcommands()).containsKey(release.split(" ")[0]);
    assertThat(fly.path("kill_signal").asText()).isEqualTo("SIGTERM");
    int shutdown = Integer.parseInt(String.valueOf(defaults().get(ConfigKeys.SHUTDOWN_TIMEOUT)));
    assertThat(fly.path("kill_timeout").asInt()).as("room for the graceful shutdown").isGreaterThan(shutdown);
  }

  @Test
  void dockerfileRunsTheJarInExecFormAsANonRootUserWithARealCommand() throws IOException {
    List<String> lines = Files.readAllLines(ROOT.resolve("Dockerfile"));
    String entrypoint = last(lines, "ENTRYPOINT");
    String cmd = last(lines, "CMD");
    String user = last(lines, "USER");

    JsonArray entry = new JsonArray(entrypoint);
    assertThat(entry.getString(0)).isEqualTo("java");
    assertThat(entry).contains("-jar");
    JsonArray command = new JsonArray(cmd);
    assertThat(Main.commandLine().getSubcommands()).containsKey(command.getString(0));
    assertThat(user).isNotBlank().isNotEqualTo("root").isNotEqualTo("0");
    assertThat(last(lines, "EXPOSE")).isEqualTo(String.valueOf(defaultPort()));
    assertThat(lines).anyMatch(l -> l.contains("./mvnw") && l.contains("package"));
    assertThat(lines).as("the sandbox").anyMatch(l -> l.contains("apt-get install") && l.contains("bubblewrap"));
  }

  @Test
  void runnerImageHasTheRuntimesAndStartsTheRunnerAsTheFlyBackendExpects() throws IOException {
    List<String> lines = Files.readAllLines(ROOT.resolve("deploy/runner/Dockerfile"));
    JsonArray entry = new JsonArray(last(lines, "ENTRYPOINT"));
    JsonArray command = new JsonArray(last(lines, "CMD"));

    assertThat(entry.getString(0)).isEqualTo("java");
    assertThat(entry).contains("-jar");
    assertThat(command.getString(0)).isEqualTo("runner");
    assertThat(Main.commandLine().getSubcommands()).containsKey("runner");
    assertThat(last(lines, "USER")).isNotBlank().isNotEqualTo("root").isNotEqualTo("0");
    assertThat(String.join("\n", lines)).contains("/usr/local/bin/npx").contains("/uvx").contains("catwalk.jar");
    assertThat(lines).as("the sandbox").anyMatch(l -> l.contains("apt-get install") && l.contains("bubblewrap"));
    assertThat(last(lines, "EXPOSE")).isEqualTo(String.valueOf(defaults().get(ConfigKeys.FLY_RUNNER_PORT)));
    assertThat(lines).noneMatch(l -> l.strip().startsWith("FROM") && l.contains(":latest"));
  }

  @Test
  void scriptsStayLf() throws IOException {
    String attributes = Files.readString(ROOT.resolve(".gitattributes"));

    assertThat(attributes).contains("mvnw text eol=lf").contains(".ci/run text eol=lf").contains("*.sh text eol=lf");
    assertThat(Files.readString(ROOT.resolve("mvnw"))).doesNotContain("\r\n");
    assertThat(Files.readString(ROOT.resolve(".ci/run"))).doesNotContain("\r\n");
  }

  private static int defaultPort() {
    return Integer.parseInt(String.valueOf(defaults().get(ConfigKeys.PORT)));
  }

  private static Map<String, Object> defaults() {
    try {
      return new Yaml().load(Files.readString(ROOT.resolve("conf/config.yaml")));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The argument of the last instruction named {@code instruction} (the final stage's). */
  private static String last(List<String> lines, String instruction) {
    Pattern pattern = Pattern.compile("^" + instruction + "\\s+(.+)$");
    String found = null;
    for (String line : lines) {
      Matcher matcher = pattern.matcher(line.strip());
      if (matcher.matches()) {
        found = matcher.group(1).strip();
      }
    }
    assertThat(found).as(instruction + " in Dockerfile").isNotNull();
    return found;
  }
}
