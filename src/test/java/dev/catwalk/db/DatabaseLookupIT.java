package dev.catwalk.db;

import dev.catwalk.testsupport.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * The database lookup on a machine where no Postgres answers: each check runs in its own network
 * namespace ({@code ip netns}, so nothing on the host's 127.0.0.1 is reachable), with the packaged
 * jars. A normal user gets an embedded Postgres whose data survives a restart and which stops with
 * the gateway, for {@code serve} (the README's run command, nothing exported) and for the tests'
 * lookup; root, whom Postgres refuses, gets one message naming every step tried. Needs root to
 * create namespaces (CI runs as root).
 */
@Timeout(600)
class DatabaseLookupIT {

  private static final String NOBODY = "65534";
  private static final Duration START = Duration.ofSeconds(120);

  private String namespace;
  private Process serve;

  @BeforeEach
  void createNamespace() throws Exception {
    assumeThat(EmbeddedDatabase.runningAsRoot()).as("creating network namespaces needs root").isTrue();
    namespace = "cw-" + UUID.randomUUID().toString().substring(0, 8);
    exec(List.of("ip", "netns", "add", namespace));
    exec(List.of("ip", "netns", "exec", namespace, "ip", "link", "set", "lo", "up"));
  }

  @AfterEach
  void deleteNamespace() throws Exception {
    if (namespace == null) {
      return;
    }
    if (serve != null) {
      serve.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    for (String pid : exec(List.of("ip", "netns", "pids", namespace)).lines().toList()) {
      ProcessHandle.of(Long.parseLong(pid.strip())).ifPresent(ProcessHandle::destroyForcibly);
    }
    exec(List.of("ip", "netns", "delete", namespace));
  }

  @Test
  void serveRunsOnAnEmbeddedPostgresThatKeepsItsDataAndStopsWithIt(@TempDir Path dir) throws Exception {
    Path work = readableByNobody(dir);
    Path home = Files.createDirectories(work.resolve("home"));
    own(home);
    Path log = work.resolve("serve.log");

    serve = asNobody(home, log, "java", "-jar", "target/catwalk.jar", "serve");
    awaitReady(log);
    String token = adminToken(home);
    String created = curl("-X", "POST", "http://127.0.0.1:8080/api/deployments", "-H", "Authorization: Bearer " + token,
        "-H", "Content-Type: application/json", "-d", "{\"name\": \"kept\", \"recipe\": {\"runtime\": \"command\","
            + " \"command\": \"sh\"}}");
    assertThat(created).contains("\"name\":\"kept\"");
    assertThat(Files.readString(log)).contains("DATABASE_URL is not set: using an embedded Postgres")
        .contains(home.resolve(".catwalk/postgres/data").toString());

    stopServe(log);
    assertThat(exec(List.of("ip", "netns", "pids", namespace))).as("no Postgres left running").isBlank();

    serve = asNobody(home, log, "java", "-jar", "target/catwalk.jar", "serve");
    awaitReady(log);
    assertThat(curl("http://127.0.0.1:8080/api/deployments", "-H", "Authorization: Bearer " + token))
        .as("the data survived the restart").contains("\"name\":\"kept\"");
    stopServe(log);
  }

  @Test
  void theTestsFindAnEmbeddedPostgresTheSameWay(@TempDir Path dir) throws Exception {
    Path work = readableByNobody(dir);
    Path home = Files.createDirectories(work.resolve("home"));
    own(home);
    String classPath = readableClassPath(work);

    String output = run(asNobodyCommand(home, "java", "-cp", classPath, TestDatabase.class.getName()), work);

    assertThat(output).contains("test database: an embedded Postgres at 127.0.0.1:");
  }

  @Test
  void asRootEveryStepIsNamedWithItsReasonAndServeExits1(@TempDir Path dir) throws Exception {
    Path work = readableByNobody(dir);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> serveCommand = new ArrayList<>(List.of("ip", "netns", "exec", namespace, "env", "-i",
        "PATH=/usr/bin:/bin", "HOME=" + work.resolve("root-home"), java, "-jar", "target/catwalk.jar", "serve"));
    ProcessResult served = runProcess(serveCommand, work);
    ProcessResult tests = runProcess(List.of("ip", "netns", "exec", namespace, "env", "-i", "PATH=/usr/bin:/bin",
        "HOME=" + work.resolve("root-home"), java, "-cp", System.getProperty("java.class.path"),
        TestDatabase.class.getName()), work);

    assertThat(served.code()).isEqualTo(1);
    assertThat(served.err()).contains("DATABASE_URL is not set and no database was found")
        .contains("a local Postgres on 127.0.0.1:5432: nothing answers there")
        .contains("Postgres refuses to run as root")
        .contains("export DATABASE_URL=postgres://")
        .doesNotContain("\tat ");
    assertThat(tests.code()).isEqualTo(1);
    assertThat(tests.err()).contains("TEST_DATABASE_URL is not set and no database was found")
        .contains("refuses to run as root").contains("a Testcontainers Postgres: no Docker engine answers");
  }

  private void stopServe(Path log) throws Exception {
    serve.destroy();
    assertThat(serve.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(serve.exitValue()).as(Files.readString(log)).isZero();
    serve = null;
  }

  private void awaitReady(Path log) {
    await().atMost(START).pollInterval(Duration.ofMillis(500)).failFast(() -> !serve.isAlive())
        .until(() -> curlQuietly("http://127.0.0.1:8080/health/ready").contains("\"outcome\":\"UP\""));
  }

  private String curl(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", namespace, "curl", "-sS", "--max-time", "20"));
    command.addAll(List.of(args));
    return exec(command);
  }

  private String curlQuietly(String url) {
    try {
      return curl(url);
    } catch (Exception e) {
      return "";
    }
  }

  /** Runs in the namespace as nobody, with only PATH and HOME, from the work directory. */
  private Process asNobody(Path home, Path log, String... command) throws IOException {
    return new ProcessBuilder(asNobodyCommand(home, command)).directory(home.getParent().toFile())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
  }

  private List<String> asNobodyCommand(Path home, String... command) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace, "setpriv", "--reuid=" + NOBODY,
        "--regid=" + NOBODY, "--clear-groups", "env", "-i", "PATH=" + Path.of(System.getProperty("java.home"), "bin")
            + ":/usr/bin:/bin", "HOME=" + home));
    full.addAll(List.of(command));
    return full;
  }

  /** A copy of the packaged jars under a directory everyone may read (the checkout may be in /root). */
  private static Path readableByNobody(Path dir) throws IOException {
    Path work = Files.createDirectories(dir.resolve("work"));
    Path target = Files.createDirectories(work.resolve("target"));
    Path built = Path.of(System.getProperty("catwalk.jar", "target/catwalk.jar")).getParent();
    for (String jar : List.of("catwalk.jar", "catwalk-dev.jar")) {
      Files.copy(built.resolve(jar), target.resolve(jar), StandardCopyOption.REPLACE_EXISTING);
    }
    for (Path p = work; p != null; p = p.getParent()) {
      p.toFile().setExecutable(true, false);
      p.toFile().setReadable(true, false);
    }
    try (var files = Files.walk(work)) {
      files.forEach(p -> p.toFile().setReadable(true, false));
    }
    return work;
  }

  /** This JVM's class path, with what nobody cannot read copied into {@code work}. */
  private static String readableClassPath(Path work) throws IOException {
    Path copies = Files.createDirectories(work.resolve("class-path"));
    List<String> entries = new ArrayList<>();
    int i = 0;
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path path = Path.of(entry).toAbsolutePath();
      if (Files.isRegularFile(path)) {
        Path copy = copies.resolve((i++) + "-" + path.getFileName());
        Files.copy(path, copy);
        copy.toFile().setReadable(true, false);
        entries.add(copy.toString());
      } else {
        entries.add(path.toString());
      }
    }
    return String.join(File.pathSeparator, entries);
  }

  private static void own(Path path) throws Exception {
    exec(List.of("chown", "-R", NOBODY + ":" + NOBODY, path.toString()));
  }

  private static String adminToken(Path home) throws IOException {
    Properties secrets = new Properties();
    try (var in = Files.newInputStream(home.resolve(".catwalk/dev-secrets.properties"))) {
      secrets.load(in);
    }
    return secrets.getProperty("CATWALK_ADMIN_TOKEN");
  }

  private record ProcessResult(int code, String out, String err) {
  }

  private static String run(List<String> command, Path dir) throws Exception {
    ProcessResult result = runProcess(command, dir);
    assertThat(result.code()).as(String.join(" ", command) + "\n" + result.out() + result.err()).isZero();
    return result.out();
  }

  private static ProcessResult runProcess(List<String> command, Path dir) throws Exception {
    Path out = Files.createTempFile(dir, "out", ".log");
    Path err = Files.createTempFile(dir, "err", ".log");
    Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectOutput(out.toFile())
        .redirectError(err.toFile()).start();
    if (!process.waitFor(300, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not finish");
    }
    return new ProcessResult(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  private static String exec(List<String> command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + output);
    }
    return output;
  }
}
