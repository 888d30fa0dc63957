package dev.catwalk.sandbox;

import io.vertx.core.json.JsonObject;
import dev.catwalk.error.BadRequestException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** bubblewrap's command line and the limits it carries. */
class BwrapCommandTest {

  private static BwrapCommand command(SandboxLimits limits) {
    Map<String, String> system = new LinkedHashMap<>();
    system.put("/usr", "");
    system.put("/bin", "usr/bin");
    return new BwrapCommand(Path.of("/usr/bin/bwrap"), Path.of("/usr/bin/prlimit"), system,
        List.of("/etc/resolv.conf"), List.of(Path.of("/opt/jdk")), Path.of("/state/dep-1/home"), limits,
        List.of("java", "-jar", "/srv/app.jar"));
  }

  @Test
  void namespacesMountsLimitsThenTheCommandInThatOrder() {
    assertThat(command(new SandboxLimits(512, 64, 256, true)).toList()).containsExactly(
        "/usr/bin/bwrap", "--die-with-parent", "--new-session", "--unshare-all", "--share-net",
        "--symlink", "usr/bin", "/bin", "--ro-bind", "/usr", "/usr",
        "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
        "--ro-bind-try", "/etc/resolv.conf", "/etc/resolv.conf",
        "--ro-bind", "/opt/jdk", "/opt/jdk",
        "--bind", "/state/dep-1/home", "/home/catwalk", "--dir", "/session", "--chdir", "/session",
        "--", "/usr/bin/prlimit", "--data=536870912", "--nproc=64", "--nofile=256", "--",
        "java", "-jar", "/srv/app.jar");
  }

  @Test
  void networkOffKeepsTheNetworkNamespaceUnshared() {
    assertThat(command(new SandboxLimits(512, 64, 256, false)).toList()).contains("--unshare-all")
        .doesNotContain("--share-net");
  }

  @Test
  void limitsComeFromTheDeploymentsLimitsObjectWithDefaultsAndClearErrors() {
    assertThat(SandboxLimits.fromJson(null)).isEqualTo(SandboxLimits.DEFAULTS);
    assertThat(SandboxLimits.fromJson(new JsonObject().put("maxSessions", 3).put("memoryMb", 256).put("network", false)))
        .isEqualTo(new SandboxLimits(256, SandboxLimits.DEFAULTS.processes(), SandboxLimits.DEFAULTS.openFiles(), false));
    assertThat(SandboxLimits.DEFAULTS.toJson()).isEqualTo(new JsonObject()
        .put("memoryMb", 2048).put("processes", 512).put("openFiles", 1024).put("network", true));
    assertThatThrownBy(() -> SandboxLimits.fromJson(new JsonObject().put("openFiles", "many")))
        .isInstanceOf(BadRequestException.class).hasMessage("limits.openFiles: a whole number is expected");
    assertThatThrownBy(() -> SandboxLimits.fromJson(new JsonObject().put("processes", 2)))
        .isInstanceOf(BadRequestException.class).hasMessage("limits.processes: from 8 to 1000000");
    assertThatThrownBy(() -> SandboxLimits.fromJson(new JsonObject().put("network", "yes")))
        .isInstanceOf(BadRequestException.class).hasMessage("limits.network: true or false is expected");
  }
}
