package dev.catwalk.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The runner starts each session in its own directory, so it makes relative paths of its command absolute. */
class RunnerCommandTest {

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
