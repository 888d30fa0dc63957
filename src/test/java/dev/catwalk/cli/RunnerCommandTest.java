package dev.catwalk.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The runner's command line: both forms of the server's command, help, and a missing {@code --}. */
class RunnerCommandTest {

  @Test
  void supergatewaysStdioFormRunsTheLineWithShAndTheDoubleDashFormAsGiven() {
    assertThat(parse("--port", "3000", "--stdio", "npx -y @scope/server --flag").serverCommand())
        .containsExactly("sh", "-c", "npx -y @scope/server --flag");
    assertThat(parse("--port", "3000", "--", "npx", "-y", "@scope/server").serverCommand())
        .containsExactly("npx", "-y", "@scope/server");
  }

  @Test
  void aMissingDoubleDashGetsTheSameLineWithIt() {
    Run run = execute("runner", "--port", "3000", "npx", "-y", "@modelcontextprotocol/server-everything");

    assertThat(run.code()).isEqualTo(2);
    assertThat(run.err()).contains("Unknown option: '-y'")
        .contains("catwalk runner --port 3000 -- npx -y @modelcontextprotocol/server-everything");
  }

  @Test
  void noCommandOrBothFormsAreRefusedWithTheWayToGiveIt() {
    assertThat(execute("runner", "--port", "3000").err()).contains("give it after --, or as one string with --stdio");
    assertThat(execute("runner", "--stdio", "cat", "--", "cat").err()).contains("not both");
  }

  @Test
  void helpShowsBothFormsAndAnExample() {
    Run help = execute("runner", "--help");

    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("-- COMMAND [ARGS...]").contains("--stdio \"COMMAND ARGS\"")
        .contains("catwalk runner --port 3000 -- npx -y @modelcontextprotocol/server-everything");
  }

  private static RunnerCommand parse(String... args) {
    RunnerCommand runner = new RunnerCommand();
    new picocli.CommandLine(runner).parseArgs(args);
    return runner;
  }

  private record Run(int code, String out, String err) {
  }

  private static Run execute(String... args) {
    java.io.StringWriter out = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    picocli.CommandLine line = dev.catwalk.Main.commandLine();
    line.setOut(new java.io.PrintWriter(out, true));
    line.setErr(new java.io.PrintWriter(err, true));
    int code = line.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void relativePathsAndClassPathEntriesBecomeAbsolute() {
    String pom = Path.of("pom.xml").toAbsolutePath().toString();
    String src = Path.of("src").toAbsolutePath().toString();

    List<String> resolved = RunnerCommand.resolvePaths(List.of("java", "-cp", "src:pom.xml:/opt/missing.jar:no-such",
        "pom.xml", "--flag", "not-a-file", "/abs/path"));

    assertThat(resolved).containsExactly("java", "-cp", src + ":" + pom + ":/opt/missing.jar:no-such", pom, "--flag",
        "not-a-file", "/abs/path");
  }
}
