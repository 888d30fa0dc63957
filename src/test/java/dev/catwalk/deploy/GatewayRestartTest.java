package dev.catwalk.deploy;

import dev.catwalk.config.ConfigKeys;
import dev.catwalk.config.SettingsRepository;
import dev.catwalk.crypto.SecretBox;
import dev.catwalk.db.DatabaseUrl;
import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.GatewayHarness;
import dev.catwalk.testsupport.TestDatabase;
import dev.catwalk.testsupport.mcp.FixtureCommand;
import io.modelcontextprotocol.client.McpSyncClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Deployments, tokens and settings live in Postgres: a restarted gateway serves them as before; a
 * new encryption key with the old one as previous reads everything, rotation re-encrypts it all, and
 * afterwards the old key is no longer needed; a runtime that disappeared fails its deployment.
 */
@Timeout(240)
class GatewayRestartTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.withDatabase();

  private static final String OLD_KEY = Base64.getEncoder().encodeToString(new byte[32]);
  private static final String NEW_KEY = Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes());
  private static final JsonObject SCHEMA = new JsonObject().put("type", "object").put("properties", new JsonObject()
      .put("SECRET", new JsonObject().put("type", "string").put("writeOnly", true)));

  @Test
  void deploymentsTokensAndSettingsSurviveRestartsAndKeyRotation() {
    // Its own database: after the rotation it is served with NEW_KEY, which the class database's other gateways lack.
    DatabaseUrl database = TestDatabase.create(resources.vertx(), GatewayRestartTest.class);
    try {
      survivesRestartsAndRotation(database);
    } finally {
      TestDatabase.drop(resources.vertx(), database);
    }
  }

  private static void survivesRestartsAndRotation(DatabaseUrl database) {
    JsonObject deployment;
    String extraToken;
    try (GatewayHarness first = GatewayHarness.start(resources.vertx(), database, raw -> raw.put(ConfigKeys.ENCRYPTION_KEY, OLD_KEY))) {
      deployment = first.createFixtureDeployment("survivor", SCHEMA, new JsonObject().put("SECRET", "kept-across-restarts"));
      extraToken = first.admin(HttpMethod.POST, "/api/deployments/" + deployment.getString("id") + "/tokens",
          new JsonObject().put("label", "second")).json().getString("accessToken");
      assertThat(first.admin(HttpMethod.PUT, "/api/settings", new JsonObject().put("githubToken", "ghp_stored")).status())
          .isEqualTo(200);
    }
    String id = deployment.getString("id");

    try (GatewayHarness second = GatewayHarness.start(resources.vertx(), database, raw -> raw.put(ConfigKeys.ENCRYPTION_KEY, OLD_KEY))) {
      assertSecretServed(second, id, deployment.getString("accessToken"));
      assertSecretServed(second, id, extraToken);
      assertThat(settingSource(second, "githubToken")).isEqualTo("database");
    }

    try (GatewayHarness rotated = GatewayHarness.start(resources.vertx(), database, raw -> raw.put(ConfigKeys.ENCRYPTION_KEY, NEW_KEY)
        .put(ConfigKeys.ENCRYPTION_KEY_PREVIOUS, OLD_KEY))) {
      assertSecretServed(rotated, id, extraToken);
      JsonObject rotation = rotated.admin(HttpMethod.POST, "/api/admin/rotate-key", null).json();
      assertThat(rotation.getInteger("secrets")).as("the configured secret and Catwalk's runner token at least")
          .isGreaterThanOrEqualTo(2);
      assertThat(rotation.getInteger("settings")).isEqualTo(1);
      assertThat(rotation.getString("keyId")).isEqualTo(SecretBox.keyId(Base64.getDecoder().decode(NEW_KEY)));
      assertThat(rotated.admin(HttpMethod.POST, "/api/admin/rotate-key", null).json().getInteger("secrets"))
          .as("nothing left under the old key").isZero();
    }

    try (GatewayHarness newKeyOnly = GatewayHarness.start(resources.vertx(), database, raw -> raw.put(ConfigKeys.ENCRYPTION_KEY, NEW_KEY)
        .put(ConfigKeys.GITHUB_TOKEN, "ghp_from_env"))) {
      assertSecretServed(newKeyOnly, id, deployment.getString("accessToken"));
      SettingsRepository stored = new SettingsRepository(newKeyOnly.gateway().pool(),
          new SecretBox(Base64.getDecoder().decode(NEW_KEY), null), Map.of());
      assertThat(stored.value("githubToken").await()).contains("ghp_stored");
      assertThat(settingSource(newKeyOnly, "githubToken")).as("the environment wins").isEqualTo("environment");
    }
  }

  @Test
  void aRuntimeThatDisappearedFailsItsDeploymentWithAReason() throws Exception {
    Path tools = Files.createTempDirectory("catwalk-tools");
    Path empty = Files.createTempDirectory("catwalk-empty");
    Path server = tools.resolve("fixture-mcp-server");
    Files.writeString(server, "#!/bin/sh\nexec " + String.join(" ", FixtureCommand.command().stream()
        .map(arg -> "'" + arg + "'").toList()) + "\n");
    Files.setPosixFilePermissions(server, PosixFilePermissions.fromString("rwxr-xr-x"));
    JsonObject body = new JsonObject().put("name", "vanishing")
        .put("recipe", new JsonObject().put("runtime", "command").put("command", "fixture-mcp-server"));
    String id;
    // The tool is a wrapper script: the sandbox binds it, and the class path it names is bound explicitly.
    String classPath = String.join(",", System.getProperty("java.class.path").split(java.io.File.pathSeparator));
    try (GatewayHarness withTool = GatewayHarness.start(resources, raw -> raw.put(ConfigKeys.LOCAL_PATH, tools.toString())
        .put(ConfigKeys.SANDBOX_BIND, classPath))) {
      JsonObject created = withTool.admin(HttpMethod.POST, "/api/deployments", body).json();
      assertThat(created.getString("status")).isEqualTo("running");
      id = created.getString("id");
      try (McpSyncClient mcp = withTool.mcpClient(id, created.getString("accessToken"))) {
        assertThat(GatewayHarness.call(mcp, "echo", Map.of("message", "found on CATWALK_LOCAL_PATH")))
            .isEqualTo("found on CATWALK_LOCAL_PATH");
      }
    }

    try (GatewayHarness without = GatewayHarness.start(resources, raw -> raw.put(ConfigKeys.LOCAL_PATH, empty.toString()))) {
      GatewayHarness.eventually(() -> "failed".equals(without.admin(HttpMethod.GET, "/api/deployments/" + id, null)
          .json().getString("status")), "reconciliation fails the deployment");
      JsonObject failed = without.admin(HttpMethod.GET, "/api/deployments/" + id, null).json();
      assertThat(failed.getString("statusReason")).isEqualTo("the command 'fixture-mcp-server' was not found on this host");
      GatewayHarness.Reply npm = without.admin(HttpMethod.POST, "/api/deployments", new JsonObject().put("name", "no-node")
          .put("recipe", new JsonObject().put("runtime", "npm").put("package", "@modelcontextprotocol/server-everything")));
      assertThat(npm.status()).isEqualTo(422);
      assertThat(npm.json().getString("detail")).contains("npx (Node.js) is not installed");
      GatewayHarness.Reply pypi = without.admin(HttpMethod.POST, "/api/deployments", new JsonObject().put("name", "no-uv")
          .put("recipe", new JsonObject().put("runtime", "pypi").put("package", "mcp-server-fetch")));
      assertThat(pypi.json().getString("detail")).contains("uvx (uv) is not installed");
      GatewayHarness.Reply oci = without.admin(HttpMethod.POST, "/api/deployments", new JsonObject().put("name", "no-docker")
          .put("recipe", new JsonObject().put("runtime", "oci").put("package", "ghcr.io/acme/mcp-server")));
      assertThat(oci.json().getString("detail")).contains("docker is not installed");
      assertThat(without.admin(HttpMethod.GET, "/api/deployments", null).json().getJsonArray("items"))
          .extracting(d -> ((JsonObject) d).getString("name")).containsExactly("vanishing");
    }
  }

  private static void assertSecretServed(GatewayHarness gateway, String id, String token) {
    GatewayHarness.eventually(() -> "running".equals(gateway.admin(HttpMethod.GET, "/api/deployments/" + id, null)
        .json().getString("status")), "the deployment runs");
    try (McpSyncClient mcp = gateway.mcpClient(id, token)) {
      assertThat(GatewayHarness.call(mcp, "get_env", Map.of("name", "SECRET"))).isEqualTo("kept-across-restarts");
    }
  }

  private static String settingSource(GatewayHarness gateway, String name) {
    JsonArray settings = gateway.admin(HttpMethod.GET, "/api/settings", null).json().getJsonArray("settings");
    return settings.stream().map(JsonObject.class::cast).filter(s -> s.getString("name").equals(name))
        .findFirst().orElseThrow().getString("source");
  }
}
