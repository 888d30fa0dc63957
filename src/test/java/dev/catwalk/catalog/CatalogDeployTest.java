package dev.catwalk.catalog;

import dev.catwalk.config.ConfigKeys;
import dev.catwalk.mcp.Runner;
import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.GatewayHarness;
import dev.catwalk.testsupport.TestConfig;
import dev.catwalk.testsupport.catalog.FakeRegistry;
import dev.catwalk.testsupport.mcp.FixtureCommand;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One step from a catalog entry to a working MCP session, with the MCP Java SDK as the client: a remote
 * entry (the SDK fixture server behind {@code catwalk runner}, which wants a bearer token in a header the entry
 * declares as a secret, at a URL with a variable), and the npm package of the reference "everything" server,
 * run with the real {@code npx} from the npm registry.
 */
@Timeout(300)
class CatalogDeployTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.withDatabase();

  private static final String RUNNER_TOKEN = "runner-token-" + java.util.UUID.randomUUID();

  private static FakeRegistry registry;
  private static Runner runner;
  private static GatewayHarness gateway;

  @BeforeAll
  static void start() {
    runner = Runner.start(resources.vertx(), "127.0.0.1", TestConfig.freePort(), FixtureCommand.command(), Map.of(),
        RUNNER_TOKEN, TestConfig.relayOptions()).await();
    registry = FakeRegistry.withFixtures(resources.vertx());
    registry.publish(new JsonObject().put("name", "io.github.catwalk-tests/fixture-remote").put("version", "1.0.0")
        .put("description", "The conformance fixture tools, hosted behind a token.")
        .put("remotes", new JsonArray().add(new JsonObject().put("type", "streamable-http")
            .put("url", "http://127.0.0.1:" + runner.port() + "/{endpoint}")
            .put("variables", new JsonObject().put("endpoint", new JsonObject().put("default", "mcp")
                .put("description", "Path of the MCP endpoint")))
            .put("headers", new JsonArray().add(new JsonObject().put("name", "Authorization")
                .put("value", "Bearer {runner_token}").put("isRequired", true).put("isSecret", true)
                .put("description", "Token of the hosted server"))))));
    gateway = GatewayHarness.start(resources, raw -> raw.put(ConfigKeys.REGISTRY_URL, registry.url()));
    GatewayHarness.eventually(() -> status().getString("lastSuccessAt") != null, "the first sync",
        Duration.ofSeconds(60));
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
    registry.close();
    runner.close().await();
  }

  private static JsonObject status() {
    return gateway.admin(HttpMethod.GET, "/api/catalog/status", null).json().getJsonArray("sources").getJsonObject(0);
  }

  @Test
  void aRemoteEntryWithASecretHeaderAndAUrlVariableServesAnMcpSession() {
    String id = CatalogIds.entryId("registry", "io.github.catwalk-tests/fixture-remote").toString();
    JsonObject entry = gateway.admin(HttpMethod.GET, "/api/catalog/" + id, null).json();
    assertThat(entry.getJsonObject("recipe").getJsonObject("headers").getString("Authorization"))
        .isEqualTo("Bearer ${runner_token}");
    assertThat(entry.getJsonObject("configSchema").getJsonArray("required").getList()).containsExactly("runner_token");

    GatewayHarness.Reply created = gateway.admin(HttpMethod.POST, "/api/deployments", new JsonObject()
        .put("catalogId", id).put("config", new JsonObject().put("runner_token", RUNNER_TOKEN)));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    JsonObject deployment = created.json();
    assertThat(deployment.getString("name")).isEqualTo("fixture-remote");
    assertThat(deployment.getString("status")).isEqualTo("running");
    assertThat(deployment.getJsonObject("recipe").getString("url")).isEqualTo("http://127.0.0.1:" + runner.port() + "/mcp");
    assertThat(created.body()).doesNotContain(RUNNER_TOKEN);

    McpSyncClient mcp = gateway.mcpClient(deployment.getString("id"), deployment.getString("accessToken"));
    try {
      assertThat(GatewayHarness.call(mcp, "echo", Map.of("message", "from the catalog"))).isEqualTo("from the catalog");
    } finally {
      mcp.closeGracefully();
    }
  }

  @Test
  void theNpmPackageOfAnEntryRunsWithNpxAndServesAnMcpSession() {
    String id = CatalogIds.entryId("registry", "io.github.modelcontextprotocol/server-everything").toString();
    GatewayHarness.Reply created = gateway.admin(HttpMethod.POST, "/api/deployments", new JsonObject()
        .put("catalogId", id));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    JsonObject deployment = created.json();
    assertThat(deployment.getString("status")).as(deployment.getString("statusReason", "")).isEqualTo("running");
    assertThat(deployment.getJsonObject("recipe")).isEqualTo(new JsonObject().put("runtime", "npm")
        .put("transport", "stdio").put("package", "@modelcontextprotocol/server-everything").put("version", "2026.8.31")
        .put("args", new JsonArray().add("stdio")));

    McpSyncClient mcp = gateway.mcpClient(deployment.getString("id"), deployment.getString("accessToken"));
    try {
      assertThat(mcp.listTools().tools()).extracting(McpSchema.Tool::name).contains("echo");
      assertThat(GatewayHarness.call(mcp, "echo", Map.of("message", "hello from npx"))).contains("hello from npx");
    } finally {
      mcp.closeGracefully();
    }
  }
}
