package dev.catwalk.cli;

import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.GatewayHarness;
import dev.catwalk.db.DatabaseUrl;
import dev.catwalk.http.HealthRoutes;
import dev.catwalk.testsupport.TestConfig;
import dev.catwalk.testsupport.TestDatabase;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
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
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged jar as an operator runs it: {@code --version}, {@code migrate}, {@code serve} and SIGTERM, {@code admin}.
 * Each {@code serve} that reaches its database gets a database of its own: a fresh {@code CATWALK_HOME} means fresh
 * development keys, which a database already served with another key refuses (the key canary).
 */
class CliIT {

  @RegisterExtension
  static final ClassResources resources = ClassResources.withDatabase();


  @Test
  void versionAndHelpNameTheCommands() throws Exception {
    Result version = run(Map.of(), "--version");
    Result help = run(Map.of(), "--help");

    assertThat(version.code()).isZero();
    assertThat(version.out()).startsWith("catwalk ");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("serve").contains("migrate");
  }

  @Test
  void migrateAppliesTheSchemaAndExitsZero() throws Exception {
    Result result = run(Map.of("DATABASE_URL", TestConfig.libpqUrl(resources.database(), "disable")), "migrate");

    assertThat(result.code()).as(result.err()).isZero();
    assertThat(result.out()).contains("schema version");
  }

  @Test
  void migrateWithAnUnreachableDatabaseExitsNonZeroWithAClearMessage() throws Exception {
    int closed = TestConfig.freePort();
    Result result = run(Map.of("DATABASE_URL", "postgres://u:hunter2pw@127.0.0.1:" + closed + "/db?sslmode=disable"),
        "migrate");

    assertThat(result.code()).isNotZero();
    assertThat(result.err()).contains("127.0.0.1:" + closed + "/db").contains("nothing accepts connections")
        .doesNotContain("hunter2pw");
  }

  @Test
  void invalidConfigurationStopsStartUpNamingEveryProblem() throws Exception {
    Result result = run(Map.of("PORT", "eighty", "DATABASE_URL", "mysql://root:hunter2pw@db/x", "HOST", "0.0.0.0"),
        "serve");

    assertThat(result.code()).isEqualTo(2);
    assertThat(result.err()).contains("PORT: 'eighty'").contains("DATABASE_URL").contains("CATWALK_ENCRYPTION_KEY")
        .contains("CATWALK_ADMIN_TOKEN").doesNotContain("hunter2pw");
  }

  @Test
  void theLauncherScriptMakesAClassDataSharingArchiveOnceAndUsesIt(@TempDir Path home) throws Exception {
    Map<String, String> env = Map.of("CATWALK_HOME", home.toString(), "JAVA_HOME", System.getProperty("java.home"));
    ProcessBuilder first = new ProcessBuilder("bin/catwalk", "--version").redirectErrorStream(true);
    first.environment().putAll(env);
    Process made = first.start();
    String out = new String(made.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(made.waitFor(60, TimeUnit.SECONDS)).isTrue();

    assertThat(made.exitValue()).as(out).isZero();
    assertThat(out.strip()).startsWith("catwalk ");
    Path archive = home.resolve("cds/catwalk---version.jsa");
    assertThat(archive).isNotEmptyFile();
    long size = Files.size(archive);
    ProcessBuilder second = new ProcessBuilder("bin/catwalk", "--version").redirectErrorStream(true);
    second.environment().putAll(env);
    Process reused = second.start();
    assertThat(new String(reused.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip()).isEqualTo(out.strip());
    assertThat(reused.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(Files.size(archive)).as("the archive is reused, not made again").isEqualTo(size);
  }

  @Test
  void aPortInUseIsNamedWithItsSettingInOneLineAndExit1(@TempDir Path home) throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      String port = String.valueOf(taken.getLocalPort());
      String database = TestConfig.libpqUrl(resources.database(), "disable");
      Result http = run(Map.of("PORT", port, "CATWALK_ADMIN_PORT", "0", "DATABASE_URL", database, "CATWALK_HOME",
          home.toString()), "serve");
      Result admin = run(Map.of("PORT", String.valueOf(TestConfig.freePort()), "CATWALK_ADMIN_PORT", port,
          "DATABASE_URL", database, "CATWALK_HOME", home.toString()), "serve");
      Result runner = run(Map.of(), "runner", "--port", port, "--", "cat");

      for (Result result : java.util.List.of(http, admin, runner)) {
        assertThat(result.code()).as(result.err()).isEqualTo(1);
        assertThat(result.err().strip().lines()).as("one line").hasSize(1);
        assertThat(result.out() + result.err()).doesNotContain("\tat ").doesNotContain("Pool closed")
            .doesNotContain("Exception");
      }
      assertThat(http.err()).contains("port " + port).contains("(PORT)");
      assertThat(admin.err()).contains("port " + port).contains("(CATWALK_ADMIN_PORT)");
      assertThat(runner.err()).contains("port " + port).contains("(--port)");
    }
  }

  @Test
  void serveAnswersReadyAndExitsZeroOnSigterm(@TempDir Path home) throws Exception {
    int port = TestConfig.freePort();
    Path log = home.resolve("serve.log");
    DatabaseUrl database = TestDatabase.create(resources.vertx(), CliIT.class);
    Process process = start(Map.of("PORT", String.valueOf(port), "DATABASE_URL", TestConfig.libpqUrl(database, "disable"),
        "CATWALK_HOME", home.toString()), log, "serve");
    try {
      assertThat(waitForReady(port)).as(Files.readString(log)).isEqualTo(200);

      process.destroy();
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(process.exitValue()).as(Files.readString(log)).isZero();
      assertThat(Files.readString(log)).contains("SIGTERM received").contains("gateway stopped");
    } finally {
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      TestDatabase.drop(resources.vertx(), database);
    }
  }

  @Test
  void serveWithAnotherEncryptionKeyThanTheDatabasesExits1InOneLineNamingTheSetting(@TempDir Path home) throws Exception {
    DatabaseUrl database = TestDatabase.create(resources.vertx(), CliIT.class);
    try {
      GatewayHarness.start(resources.vertx(), database, raw -> { }).close();
      String otherKey = java.util.Base64.getEncoder().encodeToString("another-key-another-key-another!".getBytes(
          StandardCharsets.US_ASCII));

      Result result = run(Map.of("PORT", String.valueOf(TestConfig.freePort()), "CATWALK_ADMIN_PORT", "0",
          "DATABASE_URL", TestConfig.libpqUrl(database, "disable"), "CATWALK_HOME", home.toString(),
          "CATWALK_ENCRYPTION_KEY", otherKey), "serve");

      assertThat(result.code()).as(result.err()).isEqualTo(1);
      assertThat(result.err().strip().lines()).as("one line").hasSize(1);
      assertThat(result.err()).startsWith("catwalk: CATWALK_ENCRYPTION_KEY does not fit the database at "
          + database.location()).contains("Nothing was changed").doesNotContain(otherKey)
          .doesNotContain(TestConfig.ENCRYPTION_KEY);
    } finally {
      TestDatabase.drop(resources.vertx(), database);
    }
  }

  @Test
  void adminCommandsReachTheRunningGatewayWithItsToken(@TempDir Path home) throws Exception {
    int port = TestConfig.freePort();
    String adminPort = String.valueOf(TestConfig.freePort());
    Path log = home.resolve("serve.log");
    DatabaseUrl database = TestDatabase.create(resources.vertx(), CliIT.class);
    Process process = start(Map.of("PORT", String.valueOf(port), "DATABASE_URL", TestConfig.libpqUrl(database,
        "disable"), "CATWALK_HOME", home.toString(), "CATWALK_ADMIN_PORT", adminPort), log, "serve");
    try {
      assertThat(waitForReady(port)).as(Files.readString(log)).isEqualTo(200);
      Map<String, String> operator = Map.of("CATWALK_HOME", home.toString(), "CATWALK_ADMIN_PORT", adminPort);

      Result sessions = run(operator, "admin", "sessions", "--json");
      Result drain = run(Map.of("CATWALK_HOME", home.toString()), "admin", "drain", "--port", adminPort);
      String wrongToken = "wrong-admin-token-" + port;
      Result wrong = run(Map.of("CATWALK_ADMIN_TOKEN", wrongToken, "CATWALK_ADMIN_PORT", adminPort), "admin", "sessions");

      assertThat(sessions.code()).as(sessions.err()).isZero();
      assertThat(new JsonObject(sessions.out()).getJsonArray("sessions")).isEmpty();
      assertThat(drain.code()).as(drain.err()).isZero();
      assertThat(drain.out()).startsWith("draining: new sessions are refused (0 ended, 0 still open)");
      assertThat(wrong.code()).isEqualTo(1);
      assertThat(wrong.out()).isEmpty();
      assertThat(wrong.err()).contains("refused the admin token").contains("CATWALK_ADMIN_TOKEN").doesNotContain(wrongToken);
      String devToken = Files.readAllLines(home.resolve("dev-secrets.properties")).stream()
          .filter(line -> line.startsWith("CATWALK_ADMIN_TOKEN=")).findFirst().orElseThrow().substring(20);
      assertThat(sessions.out() + sessions.err() + drain.out() + drain.err() + Files.readString(log)).doesNotContain(devToken);
    } finally {
      process.destroy();
      process.waitFor(30, TimeUnit.SECONDS);
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      TestDatabase.drop(resources.vertx(), database);
    }
  }

  private static int waitForReady(int port) {
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + HealthRoutes.READY_PATH))
        .timeout(Duration.ofSeconds(5)).build();
    return org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .ignoreExceptionsInstanceOf(IOException.class)
        .until(() -> http.send(ready, HttpResponse.BodyHandlers.ofString()).statusCode(), status -> true);
  }

  private record Result(int code, String out, String err) {
  }

  private static Result run(Map<String, String> env, String... args) throws Exception {
    Path out = Files.createTempFile("catwalk-out", ".log");
    Path err = Files.createTempFile("catwalk-err", ".log");
    ProcessBuilder builder = builder(env, args).redirectOutput(out.toFile()).redirectError(err.toFile());
    Process process = builder.start();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  private static Process start(Map<String, String> env, Path log, String... args) throws IOException {
    return builder(env, args).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  private static ProcessBuilder builder(Map<String, String> env, String... args) {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", System.getProperty("catwalk.jar", "target/catwalk.jar")));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().keySet().removeIf(k -> k.equals("DATABASE_URL") || k.startsWith("CATWALK_") || k.equals("PORT")
        || k.equals("HOST"));
    builder.environment().putAll(Map.of("CATWALK_REGISTRY_ENABLED", "false", "CATWALK_GLAMA_ENABLED", "false"));
    builder.environment().putAll(env);
    return builder;
  }
}
