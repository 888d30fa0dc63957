package dev.catwalk.deploy;

import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.GatewayHarness;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Locale;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** One canonical id text (lower-case 8-4-4-4-12), compared the same way on the MCP endpoint and the REST API. */
@Timeout(120)
class IdFormsTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.withDatabase();

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
  void aSessionOpenedOnAnUpperCaseIdKeepsWorkingOnEitherSpelling() {
    JsonObject deployment = gateway.createFixtureDeployment("upper-id", null, new JsonObject());
    String id = deployment.getString("id");
    String token = deployment.getString("accessToken");

    GatewayHarness.Reply initialize = gateway.mcpInitialize(id.toUpperCase(Locale.ROOT), token);
    String session = initialize.headers().get("MCP-Session-Id");

    assertThat(initialize.status()).isEqualTo(200);
    assertThat(gateway.send(HttpMethod.POST, "/api/mcp/" + id.toUpperCase(Locale.ROOT), new JsonObject()
        .put("jsonrpc", "2.0").put("method", "notifications/initialized"), "Bearer " + token, Map.of("Accept",
        "application/json, text/event-stream", "MCP-Session-Id", session, "MCP-Protocol-Version", "2025-06-18"))
        .status()).isEqualTo(202);
    assertThat(ping(id.toUpperCase(Locale.ROOT), token, session).status()).isEqualTo(200);
    assertThat(ping(id, token, session).status()).isEqualTo(200);
    JsonObject sessions = gateway.admin(HttpMethod.GET, "/api/admin/sessions", null).json();
    assertThat(sessions.encode()).contains(id);
    assertThat(gateway.send(HttpMethod.DELETE, "/api/mcp/" + id, null, "Bearer " + token,
        Map.of("MCP-Session-Id", session)).status()).isEqualTo(200);
  }

  @Test
  void theRestApiTakesTheCanonicalFormInAnyCaseAndNothingElse() {
    String id = gateway.createFixtureDeployment("rest-id", null, new JsonObject()).getString("id");

    GatewayHarness.Reply upper = gateway.admin(HttpMethod.GET, "/api/deployments/" + id.toUpperCase(Locale.ROOT), null);

    assertThat(upper.status()).isEqualTo(200);
    assertThat(upper.json().getString("id")).isEqualTo(id);
    assertThat(gateway.admin(HttpMethod.GET, "/api/deployments/0" + id, null).status()).as("a leading zero")
        .isEqualTo(404);
    assertThat(gateway.admin(HttpMethod.GET, "/api/deployments/%7B" + id + "%7D", null).status()).as("braces")
        .isEqualTo(404);
    assertThat(gateway.admin(HttpMethod.GET, "/api/deployments/" + id.replace("-", ""), null).status())
        .as("no hyphens").isEqualTo(404);
    assertThat(gateway.mcpInitialize("0" + id, "cwk_whatever").status()).isEqualTo(404);
  }

  @Test
  void shortAndOddFormsThatUuidFromStringTakesAreNotIds() {
    assertThat(java.util.UUID.fromString("1-1-1-1-1")).as("what the JDK accepts").isNotNull();

    assertThat(dev.catwalk.Ids.parse("1-1-1-1-1")).isEmpty();
    assertThat(dev.catwalk.Ids.parse("+1234567-1234-1234-1234-123456789abc")).isEmpty();
    assertThat(dev.catwalk.Ids.canonical("0B6F3C2E-8D1A-4C57-9A3E-2F6D7B1C9E40"))
        .isEqualTo("0b6f3c2e-8d1a-4c57-9a3e-2f6d7b1c9e40");
  }

  private static GatewayHarness.Reply ping(String id, String token, String session) {
    return gateway.send(HttpMethod.POST, "/api/mcp/" + id, new JsonObject().put("jsonrpc", "2.0").put("id", 2)
        .put("method", "ping"), "Bearer " + token, Map.of("Accept", "application/json", "MCP-Session-Id", session,
        "MCP-Protocol-Version", "2025-06-18"));
  }
}
