package dev.catwalk.sandbox;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Session directories left by a process killed with kill -9 are removed at the next start; live ones stay. */
class SessionDirectoriesTest {

  @TempDir
  Path base;

  @Test
  void onlyTheDirectoriesOfEndedProcessesAreRemoved() throws Exception {
    Process ended = new ProcessBuilder("true").start();
    ended.waitFor();
    Path stale = Files.createDirectories(base.resolve("catwalk-sessions-" + ended.pid()).resolve("catwalk-session-1"));
    Files.writeString(stale.resolve("file"), "left behind");
    Path live = Files.createDirectories(base.resolve("catwalk-sessions-" + ProcessHandle.current().pid()));
    Path other = Files.createDirectories(base.resolve("catwalk-sessions-not-a-pid"));

    assertThat(SessionDirectories.removeStale(base)).isEqualTo(1);
    assertThat(stale.getParent()).doesNotExist();
    assertThat(live).exists();
    assertThat(other).exists();
    assertThat(SessionDirectories.root()).isDirectory().hasFileName("catwalk-sessions-" + ProcessHandle.current().pid());
  }
}
