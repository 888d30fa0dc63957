package dev.catwalk.deploy;

import dev.catwalk.config.ConfigKeys;
import dev.catwalk.mcp.RelayOptions;
import dev.catwalk.mcp.Runner;
import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.GatewayHarness;
import dev.catwalk.testsupport.TestConfig;
import dev.catwalk.testsupport.mcp.FixtureCommand;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Deployments of the other runtimes, end to end with the MCP Java SDK as the client:
 * {@code npm} runs {@code @modelcontextprotocol/server-everything} through {@code npx} (from the npm
 * registry) and its {@code get-env} tool shows the configured variables arrived; {@code remote}
 * fronts another Streamable HTTP server (a Catwalk runner) with a header built from a secret; and a
 * remote URL on a private address is refused unless allowed.
 */
@Timeout(600)
class RuntimeDeploymentTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.withDatabase();

  static final String SERVER_EVERYTHING_VERSION = "2026.8.31";

  @Test
  void npmPackageRunsThroughNpxWithItsConfiguration() {
    try (GatewayHarness gateway = GatewayHarness.start(resources)) {
      JsonObject body = new JsonObject().put("name", "everything")
          .put("recipe", new JsonObject().put("runtime", "npm").put("package", "@modelcontextprotocol/server-everything")
              .put("version", SERVER_EVERYTHING_VERSION).put("args", new JsonArray().add("stdio")))
          .put("configSchema", new JsonObject().put("type", "object").put("properties", new JsonObject()
              .put("EVERYTHING_API_KEY", new JsonObject().put("type", "string").put("writeOnly", true))
              .put("EVERYTHING_MODE", new JsonObject().put("type", "string"))))
          .put("config", new JsonObject().put("EVERYTHING_API_KEY", "sk-everything-123").put("EVERYTHING_MODE", "demo"));
      GatewayHarness.Reply created = gateway.admin(HttpMethod.POST, "/api/deployments", body);
      assertThat(created.status()).as(created.body()).isEqualTo(201);
      assertThat(created.json().getString("status")).isEqualTo("running");

      try (McpSyncClient mcp = gateway.mcpClient(created.json().getString("id"), created.json().getString("accessToken"))) {
        assertThat(mcp.listTools().tools()).extracting(McpSchema.Tool::name).contains("echo", "get-env");
        assertThat(GatewayHarness.call(mcp, "echo", Map.of("message", "via npx"))).isEqualTo("Echo: via npx");
        String env = GatewayHarness.call(mcp, "get-env", Map.of());
        assertThat(env).contains("sk-everything-123").contains("\"EVERYTHING_MODE\": \"demo\"")
            .doesNotContain(TestConfig.ADMIN_TOKEN).doesNotContain("CATWALK_ENCRYPTION_KEY");
      }
      String logs = gateway.admin(HttpMethod.GET, "/api/deployments/" + created.json().getString("id") + "/logs", null)
          .body();
      assertThat(logs).contains("installing @modelcontextprotocol/server-everything@" + SERVER_EVERYTHING_VERSION + "…")
          .contains("the MCP server answered after");
    }
  }

  @Test
  void remoteServerIsFrontedWithAHeaderBuiltFromASecret() {
    Runner remote = Runner.start(resources.vertx(), "127.0.0.1", TestConfig.freePort(), FixtureCommand.command(),
        Map.of("WHERE", "behind-the-remote"), "remote-runner-token", TestConfig.relayOptions()).await();
    try (GatewayHarness gateway = GatewayHarness.start(resources)) {
      JsonObject body = new JsonObject().put("name", "fronted")
          .put("recipe", new JsonObject().put("runtime", "remote")
              .put("url", "http://127.0.0.1:" + remote.port() + Runner.MCP_PATH)
              .put("headers", new JsonObject().put("Authorization", "Bearer ${REMOTE_TOKEN}")))
          .put("configSchema", new JsonObject().put("type", "object").put("properties", new JsonObject()
              .put("REMOTE_TOKEN", new JsonObject().put("type", "string").put("writeOnly", true))))
          .put("config", new JsonObject().put("REMOTE_TOKEN", "remote-runner-token"));
      GatewayHarness.Reply created = gateway.admin(HttpMethod.POST, "/api/deployments", body);
      assertThat(created.status()).as(created.body()).isEqualTo(201);
      assertThat(created.body()).doesNotContain("remote-runner-token");

      try (McpSyncClient mcp = gateway.mcpClient(created.json().getString("id"), created.json().getString("accessToken"))) {
        assertThat(GatewayHarness.call(mcp, "get_env", Map.of("name", "WHERE"))).isEqualTo("behind-the-remote");
        assertThat(remote.sessionCount()).isEqualTo(1);
      }
      GatewayHarness.eventually(() -> remote.sessionCount() == 0, "closing the client ends the remote session");

      GatewayHarness.Reply undeclared = gateway.admin(HttpMethod.POST, "/api/deployments", body.copy().put("name", "bad")
          .put("configSchema", new JsonObject().put("type", "object").put("properties", new JsonObject()))
          .put("config", new JsonObject()));
      assertThat(undeclared.status()).isEqualTo(400);
      assertThat(undeclared.json().getString("detail")).contains("${REMOTE_TOKEN} is not a configuration variable");
    } finally {
      remote.close().await();
    }
  }

  @Test
  void privateRemoteAddressesAreRefusedUnlessAllowed() {
    try (GatewayHarness gateway = GatewayHarness.start(resources,
        raw -> raw.put(ConfigKeys.ALLOW_PRIVATE_UPSTREAMS, false))) {
      for (String url : new String[] {"http://127.0.0.1:9/mcp", "http://10.1.2.3/mcp", "http://[::1]:9/mcp",
          "http://169.254.169.254/latest"}) {
        GatewayHarness.Reply reply = gateway.admin(HttpMethod.POST, "/api/deployments", new JsonObject()
            .put("name", "ssrf").put("recipe", new JsonObject().put("runtime", "remote").put("url", url)));
        assertThat(reply.status()).as(url).isEqualTo(422);
        assertThat(reply.json().getString("detail")).contains("CATWALK_ALLOW_PRIVATE_UPSTREAMS");
      }
    }
  }
}
