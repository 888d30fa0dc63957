package dev.catwalk.deploy;

import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.GatewayHarness;
import io.modelcontextprotocol.client.McpSyncClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The MCP endpoint of deployments, {@code /api/mcp/{id}}, with the MCP Java SDK as the client and
 * the SDK fixture server run by the local backend: configuration reaches the process; tokens are
 * checked, bound to their sessions, and revocation, stop and delete end sessions.
 */
@Timeout(180)
class DeploymentMcpTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.withDatabase();

  private static final JsonObject SCHEMA = new JsonObject().put("type", "object").put("properties", new JsonObject()
      .put("SERVICE_TOKEN", new JsonObject().put("type", "string").put("writeOnly", true))
      .put("MODE", new JsonObject().put("type", "string"))
      .put("LIMIT", new JsonObject().put("type", "integer")));

  private static GatewayHarness gateway;

  @BeforeAll
  static void start() {
    gateway = GatewayHarness.start(resources);
  }

  @AfterAll
  static void stop() {
    gateway.close();
  }

  @Test
  void configurationAndSecretsReachTheServerAndNothingElseDoes() {
    JsonObject deployment = gateway.createFixtureDeployment("mcp-env", SCHEMA,
        new JsonObject().put("SERVICE_TOKEN", "svc-secret-value").put("MODE", "fast").put("LIMIT", 7));
    try (McpSyncClient mcp = gateway.mcpClient(deployment.getString("id"), deployment.getString("accessToken"))) {
      assertThat(GatewayHarness.call(mcp, "get_env", Map.of("name", "SERVICE_TOKEN"))).isEqualTo("svc-secret-value");
      assertThat(GatewayHarness.call(mcp, "get_env", Map.of("name", "MODE"))).isEqualTo("fast");
      assertThat(GatewayHarness.call(mcp, "get_env", Map.of("name", "LIMIT"))).isEqualTo("7");
      assertThat(GatewayHarness.call(mcp, "get_env", Map.of("name", "CATWALK_ADMIN_TOKEN"))).isEqualTo("(unset)");
      assertThat(GatewayHarness.call(mcp, "get_env", Map.of("name", "DATABASE_URL"))).isEqualTo("(unset)");
      assertThat(GatewayHarness.call(mcp, "echo", Map.of("message", "through a deployment"))).isEqualTo("through a deployment");
      JsonObject sessions = gateway.admin(HttpMethod.GET, "/api/admin/sessions?deploymentId=" + deployment.getString("id"),
          null).json();
      assertThat(sessions.getJsonArray("sessions")).hasSize(1);
      assertThat(sessions.getJsonArray("sessions").getJsonObject(0).getJsonObject("client").getString("name"))
          .isEqualTo("catwalk-gateway-test");
    }
  }

  @Test
  void tokensAreRequiredCheckedAndBoundToTheirDeployment() {
    JsonObject first = gateway.createFixtureDeployment("mcp-first", null, new JsonObject());
    JsonObject second = gateway.createFixtureDeployment("mcp-second", null, new JsonObject());
    String url = "/api/mcp/" + first.getString("id");

    HttpResponse<Buffer> none = initialize(url, null);
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.getHeader("WWW-Authenticate")).startsWith("Bearer realm=\"catwalk\", resource_metadata=")
        .doesNotContain("error=");
    assertThat(none.bodyAsJsonObject().getJsonObject("error").getString("message")).contains("access token");

    HttpResponse<Buffer> wrong = initialize(url, "cwk_wrong");
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(wrong.getHeader("WWW-Authenticate")).contains("error=\"invalid_token\"");

    assertThat(initialize(url, second.getString("accessToken")).statusCode())
        .as("a token of another deployment").isEqualTo(401);
    assertThat(initialize(url, gateway.gateway().config().adminToken()).statusCode())
        .as("the admin token is not an access token").isEqualTo(401);
    assertThat(initialize("/api/mcp/" + java.util.UUID.randomUUID(), first.getString("accessToken")).statusCode())
        .isEqualTo(404);

    assertThat(WebClient.create(resources.vertx()).post(gateway.port(), "127.0.0.1", url)
        .putHeader("Accept", "application/json, text/event-stream").putHeader("Content-Type", "application/json")
        .putHeader("Origin", "https://evil.example").putHeader("Authorization", "Bearer " + first.getString("accessToken"))
        .sendJsonObject(new JsonObject()).await().statusCode()).as("a foreign browser origin").isEqualTo(403);

    HttpResponse<Buffer> ok = initialize(url, first.getString("accessToken"));
    assertThat(ok.statusCode()).isEqualTo(200);
    String session = ok.getHeader("MCP-Session-Id");
    assertThat(session).isNotBlank();
    assertThat(post(url, session, first.getString("accessToken"), new JsonObject().put("jsonrpc", "2.0")
        .put("method", "notifications/initialized")).statusCode()).isEqualTo(202);

    JsonObject extra = gateway.admin(HttpMethod.POST, "/api/deployments/" + first.getString("id") + "/tokens",
        new JsonObject().put("label", "ci")).json();
    assertThat(ping(url, session, extra.getString("accessToken")).statusCode())
        .as("a session is bound to the token that opened it").isEqualTo(401);
    assertThat(ping("/api/mcp/" + second.getString("id"), session, second.getString("accessToken")).statusCode())
        .as("a session id is unknown under another deployment").isEqualTo(404);
    assertThat(ping(url, session, first.getString("accessToken")).statusCode()).isEqualTo(200);
    assertThat(initialize(url, extra.getString("accessToken")).statusCode()).as("the new token works").isEqualTo(200);
  }

  @Test
  void revokingATokenEndsItsSessionsAndRefusesIt() {
    JsonObject deployment = gateway.createFixtureDeployment("mcp-revoke", null, new JsonObject());
    String id = deployment.getString("id");
    String token = deployment.getString("accessToken");
    JsonObject spare = gateway.admin(HttpMethod.POST, "/api/deployments/" + id + "/tokens", new JsonObject()).json();
    McpSyncClient kept = gateway.mcpClient(id, spare.getString("accessToken"));
    McpSyncClient mcp = gateway.mcpClient(id, token);
    assertThat(GatewayHarness.call(mcp, "echo", Map.of("message", "before"))).isEqualTo("before");
    String tokenId = gateway.admin(HttpMethod.GET, "/api/deployments/" + id, null).json().getJsonArray("tokens")
        .stream().map(JsonObject.class::cast).filter(t -> t.getString("prefix").equals(token.substring(0, 10)))
        .findFirst().orElseThrow().getString("id");

    assertThat(gateway.admin(HttpMethod.DELETE, "/api/deployments/" + id + "/tokens/" + tokenId, null).status())
        .isEqualTo(200);

    assertThat(gateway.gateway().mcpEndpoint().sessions(g -> tokenId.equals(g.credentialId()))).isEmpty();
    assertThatThrownBy(() -> GatewayHarness.call(mcp, "echo", Map.of("message", "after"))).isNotNull();
    assertThat(initialize("/api/mcp/" + id, token).statusCode()).isEqualTo(401);
    assertThat(GatewayHarness.call(kept, "echo", Map.of("message", "other token"))).isEqualTo("other token");
    kept.close();
    mcp.closeGracefully();
  }

  @Test
  void stoppedAndDeletedDeploymentsRefuseSessions() {
    JsonObject deployment = gateway.createFixtureDeployment("mcp-stop", null, new JsonObject());
    String id = deployment.getString("id");
    String url = "/api/mcp/" + id;
    String token = deployment.getString("accessToken");
    McpSyncClient mcp = gateway.mcpClient(id, token);

    gateway.admin(HttpMethod.POST, "/api/deployments/" + id + "/stop", null);
    assertThat(gateway.gateway().mcpEndpoint().sessions(g -> id.equals(g.owner()))).isEmpty();
    HttpResponse<Buffer> stopped = initialize(url, token);
    assertThat(stopped.statusCode()).isEqualTo(503);
    assertThat(stopped.bodyAsJsonObject().getJsonObject("error").getString("message")).contains("stopped");

    gateway.admin(HttpMethod.POST, "/api/deployments/" + id + "/restart", null);
    assertThat(initialize(url, token).statusCode()).isEqualTo(200);

    assertThat(gateway.admin(HttpMethod.DELETE, "/api/deployments/" + id, null).status()).isEqualTo(200);
    assertThat(gateway.gateway().mcpEndpoint().sessions(g -> id.equals(g.owner()))).isEmpty();
    assertThat(initialize(url, token).statusCode()).isEqualTo(404);
    mcp.closeGracefully();
  }

  private static HttpResponse<Buffer> initialize(String path, String token) {
    JsonObject request = new JsonObject().put("jsonrpc", "2.0").put("id", 1).put("method", "initialize")
        .put("params", new JsonObject().put("protocolVersion", "2025-06-18").put("capabilities", new JsonObject())
            .put("clientInfo", new JsonObject().put("name", "raw").put("version", "1")));
    return post(path, null, token, request);
  }

  private static HttpResponse<Buffer> ping(String path, String session, String token) {
    return post(path, session, token, new JsonObject().put("jsonrpc", "2.0").put("id", 2).put("method", "ping"));
  }

  private static HttpResponse<Buffer> post(String path, String session, String token, JsonObject body) {
    var request = WebClient.create(resources.vertx()).post(gateway.port(), "127.0.0.1", path)
        .putHeader("Accept", "application/json, text/event-stream").putHeader("Content-Type", "application/json")
        .putHeader("MCP-Protocol-Version", "2025-06-18");
    if (token != null) {
      request.putHeader("Authorization", "Bearer " + token);
    }
    if (session != null) {
      request.putHeader("MCP-Session-Id", session);
    }
    return request.sendJsonObject(body).await();
  }

}
