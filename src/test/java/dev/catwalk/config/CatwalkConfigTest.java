package dev.catwalk.config;

import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.mcp.RelayOptions;
import dev.catwalk.testsupport.TestConfig;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CatwalkConfigTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.vertxOnly();


  @Test
  void defaultsComeFromConfYamlAndLaterSourcesOverrideThem() {
    JsonObject raw = ConfigLoader.loadRaw(resources.vertx(), new JsonObject().put(ConfigKeys.HOST, "::1")).await();

    assertThat(String.valueOf(raw.getValue(ConfigKeys.PORT))).isIn("8080", System.getenv().getOrDefault("PORT", "8080"));
    assertThat(raw.getValue(ConfigKeys.HOST)).isEqualTo("::1");
    assertThat(String.valueOf(raw.getValue(ConfigKeys.SHUTDOWN_TIMEOUT))).isEqualTo("20");
  }

  @Test
  void environmentValuesArriveAsStringsAndAreConverted() {
    JsonObject raw = TestConfig.raw("postgres://u:p@db/app").put(ConfigKeys.PORT, "9090")
        .put(ConfigKeys.MIGRATE_ON_START, "false").put(ConfigKeys.HTTP_INSTANCES, "3");

    CatwalkConfig config = CatwalkConfig.from(raw, CatwalkConfig.Purpose.SERVE);

    assertThat(config.port()).isEqualTo(9090);
    assertThat(config.migrateOnStart()).isFalse();
    assertThat(config.httpInstances()).isEqualTo(3);
    assertThat(config.publicUrl()).isEqualTo("http://127.0.0.1:9090");
    assertThat(config.encryptionKey()).hasSize(32);
  }

  @Test
  void theLocalSandboxIsOnByDefaultOffOnlyWhenSaidAndItsBindsAreAList() {
    CatwalkConfig defaults = CatwalkConfig.from(TestConfig.raw("postgres://u:p@db/app"), CatwalkConfig.Purpose.SERVE);
    assertThat(defaults.serve().localSandbox()).isEqualTo("on");
    assertThat(defaults.serve().sandboxBinds()).isEmpty();
    CatwalkConfig off = CatwalkConfig.from(TestConfig.raw("postgres://u:p@db/app").put(ConfigKeys.LOCAL_SANDBOX, "OFF")
        .put(ConfigKeys.SANDBOX_BIND, " /opt/servers, /srv/data ,"), CatwalkConfig.Purpose.SERVE);
    assertThat(off.serve().localSandbox()).isEqualTo("off");
    assertThat(off.serve().sandboxBinds()).containsExactly("/opt/servers", "/srv/data");
    assertThat(CatwalkConfig.from(TestConfig.raw("postgres://u:p@db/app").put(ConfigKeys.LOCAL_SANDBOX, false),
        CatwalkConfig.Purpose.SERVE).serve().localSandbox()).as("YAML's unquoted off").isEqualTo("off");
    assertThatThrownBy(() -> CatwalkConfig.from(TestConfig.raw("postgres://u:p@db/app")
        .put(ConfigKeys.LOCAL_SANDBOX, "maybe"), CatwalkConfig.Purpose.SERVE))
        .hasMessageContaining("CATWALK_LOCAL_SANDBOX: 'maybe' is not on or off");
  }

  @Test
  void theGatewaysOwnSecretsAreListedForRedaction() {
    CatwalkConfig config = CatwalkConfig.from(TestConfig.raw("postgres://u:db-pass@db/app")
        .put(ConfigKeys.GITHUB_TOKEN, "ghp_secret"), CatwalkConfig.Purpose.SERVE);
    assertThat(config.secretValues()).containsExactlyInAnyOrder(TestConfig.ADMIN_TOKEN, TestConfig.ENCRYPTION_KEY,
        "db-pass", "ghp_secret");
  }

  @Test
  void serveOptionsHaveDefaultsAndParseTheirValues() {
    CatwalkConfig defaults = CatwalkConfig.from(new JsonObject(TestConfig.raw("postgres://u:p@db/app").getMap())
        .put(ConfigKeys.ADMIN_PORT, null).put(ConfigKeys.ALLOW_PRIVATE_UPSTREAMS, null)
        .put(ConfigKeys.RECONCILE_INTERVAL, null), CatwalkConfig.Purpose.SERVE);
    assertThat(defaults.serve().adminPort()).isEqualTo(7071);
    assertThat(defaults.serve().allowPrivateUpstreams()).isFalse();
    assertThat(defaults.serve().allowedOrigins()).isEmpty();
    assertThat(defaults.serve().reconcileInterval()).hasSeconds(30);

    CatwalkConfig set = CatwalkConfig.from(TestConfig.raw("postgres://u:p@db/app")
        .put(ConfigKeys.ALLOWED_ORIGINS, " https://a.example , https://b.example,")
        .put(ConfigKeys.LOCAL_PATH, "/opt/tools").put(ConfigKeys.GITHUB_TOKEN, "ghp_x")
        .put(ConfigKeys.RECONCILE_INTERVAL, "5"), CatwalkConfig.Purpose.SERVE);
    assertThat(set.serve().allowedOrigins()).containsExactly("https://a.example", "https://b.example");
    assertThat(set.serve().localPath()).isEqualTo("/opt/tools");
    assertThat(set.serve().settingsFromEnv()).containsExactly(java.util.Map.entry("githubToken", "ghp_x"));
    assertThat(set.serve().reconcileInterval()).hasSeconds(5);
    assertThat(set.toString()).doesNotContain("ghp_x");
  }

  @Test
  void analysisOptionsHaveDefaultsAndRefuseUrlsThatAreNotHttp() {
    CatwalkConfig defaults = CatwalkConfig.from(TestConfig.raw("postgres://u:p@db/app"), CatwalkConfig.Purpose.SERVE);
    assertThat(defaults.serve().githubApiUrl()).isEqualTo("https://api.github.com");
    assertThat(defaults.serve().githubHosts()).isEmpty();
    assertThat(defaults.serve().llmBaseUrl()).isEqualTo("https://openrouter.ai/api/v1");
    assertThat(defaults.serve().llmModel()).isNull();

    CatwalkConfig set = CatwalkConfig.from(TestConfig.raw("postgres://u:p@db/app")
        .put(ConfigKeys.GITHUB_API_URL, "https://git.corp.example/api/v3/").put(ConfigKeys.GITHUB_HOSTS, "Git.Corp.Example, ")
        .put(ConfigKeys.LLM_MODEL, "openai/gpt-4o-mini"), CatwalkConfig.Purpose.SERVE);
    assertThat(set.serve().githubApiUrl()).isEqualTo("https://git.corp.example/api/v3");
    assertThat(set.serve().githubHosts()).containsExactly("git.corp.example");
    assertThat(set.serve().llmModel()).isEqualTo("openai/gpt-4o-mini");

    assertThatThrownBy(() -> CatwalkConfig.from(TestConfig.raw("postgres://u:p@db/app")
        .put(ConfigKeys.GITHUB_API_URL, "ftp://x").put(ConfigKeys.LLM_BASE_URL, "https://u:secretpw@llm.example"),
        CatwalkConfig.Purpose.SERVE))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(ConfigKeys.GITHUB_API_URL).hasMessageContaining(ConfigKeys.LLM_BASE_URL)
        .message().doesNotContain("secretpw");
  }

  @Test
  void flyTimingsComeFromConfYamlOnceTheFlyBackendIsConfigured() {
    JsonObject overrides = TestConfig.raw("postgres://u:p@db/app").put(ConfigKeys.FLY_ORG, "acme")
        .put(ConfigKeys.FLY_IMAGE, "registry.fly.io/runner:1");
    java.util.List.of(ConfigKeys.FLY_BOOT_TIMEOUT, ConfigKeys.FLY_HEALTH_TIMEOUT, ConfigKeys.FLY_WAIT_WINDOW,
        ConfigKeys.FLY_POLL_MILLIS, ConfigKeys.FLY_API_ATTEMPTS, ConfigKeys.FLY_API_BACKOFF_MILLIS)
        .forEach(overrides::remove);
    JsonObject defaults = ConfigLoader.loadRaw(resources.vertx(), overrides).await();

    CatwalkConfig.FlyTiming timing = CatwalkConfig.from(defaults, CatwalkConfig.Purpose.SERVE).serve().fly().timing();
    assertThat(timing).isEqualTo(new CatwalkConfig.FlyTiming(java.time.Duration.ofMinutes(5),
        java.time.Duration.ofMinutes(2), java.time.Duration.ofSeconds(10), java.time.Duration.ofMillis(500), 5,
        java.time.Duration.ofMillis(500)));
    assertThatThrownBy(() -> CatwalkConfig.from(defaults.copy().put(ConfigKeys.FLY_WAIT_WINDOW, "90")
        .put(ConfigKeys.FLY_API_ATTEMPTS, "0"), CatwalkConfig.Purpose.SERVE))
        .hasMessageContaining(ConfigKeys.FLY_WAIT_WINDOW + ": '90' is not a whole number from 1 to 60")
        .hasMessageContaining(ConfigKeys.FLY_API_ATTEMPTS + ": '0'");
    assertThat(CatwalkConfig.from(TestConfig.raw("postgres://u:p@db/app"), CatwalkConfig.Purpose.SERVE).serve().fly()
        .timing()).as("not read while the fly backend is off").isNull();
  }

  @Test
  void theRelayLimitsComeFromTheConfigurationAndBadOnesAreNamed() {
    CatwalkConfig defaults = CatwalkConfig.from(TestConfig.raw("postgres://u:p@db/app"), CatwalkConfig.Purpose.SERVE);
    assertThat(defaults.relay().idleTimeout()).hasMinutes(30);
    assertThat(defaults.relay().handshakeTimeout()).hasSeconds(30);
    assertThat(defaults.relay().requestTimeout()).hasSeconds(120);
    assertThat(defaults.relay().maxSessions()).isEqualTo(1000);

    RelayOptions set = CatwalkConfig.relayOptions(TestConfig.defaults().put(ConfigKeys.MCP_IDLE_TIMEOUT, "90")
        .put(ConfigKeys.MCP_HANDSHAKE_TIMEOUT, "5").put(ConfigKeys.MCP_MAX_SESSIONS, "12"));
    assertThat(set.idleTimeout()).hasSeconds(90);
    assertThat(set.handshakeTimeout()).hasSeconds(5);
    assertThat(set.maxSessions()).isEqualTo(12);

    assertThatThrownBy(() -> CatwalkConfig.relayOptions(TestConfig.defaults().put(ConfigKeys.MCP_IDLE_TIMEOUT, "soon")))
        .isInstanceOf(ConfigException.class).hasMessageContaining(ConfigKeys.MCP_IDLE_TIMEOUT + ": 'soon'");
  }

  @Test
  void everyProblemIsNamedInOneMessageWithoutSecretValues() {
    JsonObject raw = TestConfig.defaults()
        .put(ConfigKeys.PORT, "http")
        .put(ConfigKeys.HOST, "0.0.0.0")
        .put(ConfigKeys.DATABASE_URL, "mysql://root:sup3rsecretpw@db/app")
        .put(ConfigKeys.DB_PGBOUNCER, "maybe")
        .put(ConfigKeys.DB_POOL_SIZE, 0)
        .put(ConfigKeys.MIGRATE_ON_START, "perhaps")
        .put(ConfigKeys.ENCRYPTION_KEY, "bm90LTMyLWJ5dGVzLXNlY3JldC1rZXk=")
        .put(ConfigKeys.ADMIN_TOKEN, "tiny-secret")
        .put(ConfigKeys.PUBLIC_URL, "ftp://example.com")
        .put(ConfigKeys.SHUTDOWN_TIMEOUT, -1)
        .put(ConfigKeys.HTTP_INSTANCES, 1);

    assertThatThrownBy(() -> CatwalkConfig.from(raw, CatwalkConfig.Purpose.SERVE))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).hasSize(9))
        .hasMessageContaining("PORT: 'http'")
        .hasMessageContaining("DATABASE_URL: invalid database URL")
        .hasMessageContaining("CATWALK_DB_PGBOUNCER")
        .hasMessageContaining("CATWALK_DB_POOL_SIZE")
        .hasMessageContaining("CATWALK_MIGRATE_ON_START")
        .hasMessageContaining("CATWALK_ENCRYPTION_KEY: must be base64 of exactly 32 bytes")
        .hasMessageContaining("CATWALK_ADMIN_TOKEN: too short")
        .hasMessageContaining("CATWALK_PUBLIC_URL")
        .hasMessageContaining("CATWALK_SHUTDOWN_TIMEOUT")
        .message()
        .doesNotContain("sup3rsecretpw")
        .doesNotContain("bm90LTMyLWJ5dGVzLXNlY3JldC1rZXk=")
        .doesNotContain("tiny-secret");
  }

  @Test
  void serveNeedsSecretsButMigrateDoesNot() {
    JsonObject raw = TestConfig.raw("postgres://u:p@db/app");
    raw.remove(ConfigKeys.ENCRYPTION_KEY);
    raw.remove(ConfigKeys.ADMIN_TOKEN);

    assertThat(CatwalkConfig.from(raw, CatwalkConfig.Purpose.MIGRATE).migrationDatabaseUrl().host()).isEqualTo("db");
    assertThatThrownBy(() -> CatwalkConfig.from(raw, CatwalkConfig.Purpose.SERVE))
        .hasMessageContaining("CATWALK_ENCRYPTION_KEY: missing")
        .hasMessageContaining("CATWALK_ADMIN_TOKEN: missing");
  }

  @Test
  void developmentSecretsAreGeneratedOnceForLoopbackAndKeptPrivate(@TempDir Path home) throws Exception {
    JsonObject first = new JsonObject().put(ConfigKeys.HOST, "127.0.0.1").put(ConfigKeys.HOME, home.toString());
    JsonObject second = first.copy();

    Path file = DevSecrets.fillMissing(first);
    DevSecrets.fillMissing(second);

    assertThat(file).exists();
    assertThat(Files.getPosixFilePermissions(file))
        .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    assertThat(first.getString(ConfigKeys.ENCRYPTION_KEY)).isNotBlank()
        .isEqualTo(second.getString(ConfigKeys.ENCRYPTION_KEY));
    assertThat(first.getString(ConfigKeys.ADMIN_TOKEN)).hasSizeGreaterThanOrEqualTo(32)
        .isEqualTo(second.getString(ConfigKeys.ADMIN_TOKEN));
  }

  @Test
  void developmentSecretsAreNeverGeneratedForAPublicBind(@TempDir Path home) {
    JsonObject raw = new JsonObject().put(ConfigKeys.HOST, "0.0.0.0").put(ConfigKeys.HOME, home.toString());

    assertThat(DevSecrets.fillMissing(raw)).isNull();
    assertThat(raw.containsKey(ConfigKeys.ENCRYPTION_KEY)).isFalse();
  }
}
