package dev.catwalk.sandbox;

import dev.catwalk.mcp.ProcessSpawner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The sandbox with the real bubblewrap of this host: what a server inside sees, and what it does not. */
class SandboxTest {

  private static final String PATH = "/usr/local/bin:/usr/bin:/bin";

  @TempDir
  Path dir;

  private Sandbox sandbox(List<String> binds) {
    return Sandbox.create("on", PATH, binds, dir.resolve("catwalk-home/sandbox"), List.of(dir.resolve("catwalk-home")),
        List.of());
  }

  /** Runs {@code script} with sh inside the sandbox; its output. */
  private static String run(Sandbox sandbox, String key, String script, Map<String, String> env, SandboxLimits limits)
      throws IOException, InterruptedException {
    return run(sandbox, key, List.of("/bin/sh", "-c", script), env, limits);
  }

  private static String run(Sandbox sandbox, String key, List<String> command, Map<String, String> env,
                            SandboxLimits limits) throws IOException, InterruptedException {
    Sandbox.Launch launch = sandbox.launch(key, command, env, PATH, limits);
    ProcessBuilder builder = new ProcessBuilder(launch.command()).redirectErrorStream(true);
    builder.environment().clear();
    builder.environment().putAll(launch.env());
    if (launch.workDir() != null) {
      builder.directory(launch.workDir().toFile());
    }
    Process process = ProcessSpawner.start(builder);
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return output;
  }

  @Test
  void theServerSeesItsOwnProcessesEnvironmentAndDirectoriesOnly() throws Exception {
    Path secretHome = Files.createDirectories(dir.resolve("catwalk-home"));
    Files.writeString(secretHome.resolve("dev-secrets.properties"), "CATWALK_ADMIN_TOKEN=gateway-secret");
    Sandbox sandbox = sandbox(List.of());
    String output = run(sandbox, "one", String.join("; ",
        "echo pids: $(ls /proc | grep -E '^[0-9]+$' | tr '\\n' ' ')",
        "echo environ: $(tr '\\0' ' ' < /proc/1/environ)",
        "echo home: $HOME $(pwd)",
        "cat " + secretHome.resolve("dev-secrets.properties") + " 2>&1 | head -1",
        "ls " + System.getProperty("user.dir") + " 2>&1 | head -1",
        "touch /usr/x 2>&1 | head -1",
        "echo cached > $HOME/cache-file && echo wrote home",
        "ls /run /var 2>&1 | head -2",
        "grep -E 'Max (processes|open files|data size)' /proc/self/limits"),
        Map.of("API_KEY", "own-secret"), new SandboxLimits(512, 100, 256, true));

    assertThat(output).containsPattern("pids: 1 [0-9 ]*\n").doesNotContain("gateway-secret")
        .contains("environ: ").contains("API_KEY=own-secret").contains("home: /home/catwalk /session")
        .contains("No such file or directory").contains("Read-only file system").contains("wrote home")
        .containsPattern("Max data size +536870912").containsPattern("Max processes +100")
        .containsPattern("Max open files +256");
    String environ = output.lines().filter(l -> l.startsWith("environ:")).findFirst().orElseThrow();
    assertThat(environ.split(" ")).containsExactlyInAnyOrder("environ:", "API_KEY=own-secret", "PATH=" + PATH,
        "HOME=/home/catwalk", "TMPDIR=/tmp", "LANG=C.UTF-8");
    assertThat(dir.resolve("catwalk-home/sandbox/one/home/cache-file")).hasContent("cached");

    assertThat(run(sandbox, "two", "ls $HOME; echo done", Map.of(), SandboxLimits.DEFAULTS))
        .as("another deployment's home is its own").isEqualTo("done\n");
    sandbox.forget("one");
    assertThat(dir.resolve("catwalk-home/sandbox/one")).doesNotExist();
  }

  @Test
  void networkOffLeavesOnlyTheSandboxLoopback() throws Exception {
    try (ServerSocket listener = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      String probe = "exec 3<>/dev/tcp/127.0.0.1/" + listener.getLocalPort() + " && echo connected || echo refused";
      Sandbox sandbox = sandbox(List.of());
      SandboxLimits on = SandboxLimits.DEFAULTS;
      SandboxLimits off = new SandboxLimits(on.memoryMb(), on.processes(), on.openFiles(), false);
      assertThat(run(sandbox, "net", "bash -c '" + probe + "' 2>/dev/null", Map.of(), on)).contains("connected");
      assertThat(run(sandbox, "net", "bash -c '" + probe + "' 2>/dev/null", Map.of(), off)).contains("refused");
    }
  }

  @Test
  void operatorBindsAndNamedFilesAreReadableButNeverTheCatwalkHome() throws Exception {
    Path served = Files.createDirectories(dir.resolve("servers/app"));
    Files.writeString(served.resolve("data.txt"), "shared data");
    Path script = Files.writeString(dir.resolve("script.sh"), "cat " + served.resolve("data.txt") + "; echo; echo from script");
    Sandbox sandbox = sandbox(List.of(served.toString(), dir.resolve("catwalk-home").toString(), dir.toString()));
    assertThat(sandbox.readOnlyPaths(List.of("/bin/sh", script.toString()), PATH))
        .containsExactly(script.toRealPath(), served.toRealPath());
    assertThat(run(sandbox, "binds", List.of("/bin/sh", script.toString()), Map.of(), SandboxLimits.DEFAULTS))
        .isEqualTo("shared data\nfrom script\n");
    assertThat(run(sandbox, "binds", "ls " + dir.resolve("catwalk-home") + " 2>&1", Map.of(), SandboxLimits.DEFAULTS))
        .contains("No such file or directory");
  }

  @Test
  void aMissingBubblewrapIsRefusedUnlessTheSandboxIsOff() {
    assertThatThrownBy(() -> Sandbox.create("on", dir.toString(), List.of(), dir, List.of(), List.of()))
        .satisfies(e -> assertThat(e).isInstanceOf(SandboxUnavailableException.class)
            .hasMessageContaining("CATWALK_LOCAL_SANDBOX=off"));
    Sandbox off = Sandbox.create("off", dir.toString(), List.of(), dir, List.of(), List.of());
    assertThat(off.enabled()).isFalse();
    assertThat(off.describe()).isEqualTo("off");
    assertThat(off.launch("k", List.of("server"), Map.of("A", "1"), "/bin", SandboxLimits.DEFAULTS))
        .isEqualTo(new Sandbox.Launch(List.of("server"), Map.of("A", "1", "PATH", "/bin"), null, false));
  }
}
