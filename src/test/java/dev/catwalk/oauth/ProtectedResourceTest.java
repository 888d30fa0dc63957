package dev.catwalk.oauth;

import dev.catwalk.config.ConfigKeys;
import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.GatewayHarness;
import dev.catwalk.testsupport.GatewayHarness.Reply;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The resource-server half of MCP authorization over real HTTP: a 401 names the deployment's RFC 9728
 * metadata, the metadata names the exact public MCP URL and this gateway as authorization server, and
 * browser clients may read it cross-origin. Static tokens keep working.
 */
@Timeout(120)
class ProtectedResourceTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.withDatabase();

  private static final String PUBLIC_URL = "https://gw.example";
  private static GatewayHarness gateway;

  @BeforeAll
  static void start() {
    gateway = GatewayHarness.start(resources, raw -> raw.put(ConfigKeys.PUBLIC_URL, PUBLIC_URL));
  }

  @AfterAll
  static void stop() {
    gateway.close();
  }

  @Test
  void aMissingTokenIsChallengedWithTheDeploymentsMetadataUrl() {
    JsonObject deployment = gateway.createFixtureDeployment("prm-challenge", null, new JsonObject());
    String id = deployment.getString("id");

    Reply none = gateway.mcpInitialize(id, null);
    assertThat(none.status()).isEqualTo(401);
    String expectedMetadata = PUBLIC_URL + "/.well-known/oauth-protected-resource/api/mcp/" + id;
    assertThat(none.headers().get("WWW-Authenticate")).isEqualTo("Bearer realm=\"catwalk\", resource_metadata=\""
        + expectedMetadata + "\", scope=\"mcp:tools\"");

    Reply bad = gateway.mcpInitialize(id, "cwk_not-a-token");
    assertThat(bad.status()).isEqualTo(401);
    assertThat(bad.headers().get("WWW-Authenticate")).contains("resource_metadata=\"" + expectedMetadata + "\"")
        .contains("error=\"invalid_token\"");

    Reply metadata = gateway.send(HttpMethod.GET, URI.create(expectedMetadata).getPath(), null, null);
    assertThat(metadata.status()).isEqualTo(200);
    assertThat(metadata.json().getString("resource")).isEqualTo(PUBLIC_URL + "/api/mcp/" + id);
    assertThat(metadata.json().getJsonArray("authorization_servers").getList()).containsExactly(PUBLIC_URL);
    assertThat(metadata.json().getJsonArray("scopes_supported").getList()).containsExactly("mcp:tools");
    assertThat(metadata.json().getJsonArray("bearer_methods_supported").getList()).containsExactly("header");
    assertThat(metadata.json().getString("resource_name")).isEqualTo("prm-challenge");
    assertThat(metadata.headers().get("Access-Control-Allow-Origin")).isEqualTo("*");

    assertThat(gateway.mcpInitialize(id, deployment.getString("accessToken")).status())
        .as("static tokens keep working").isEqualTo(200);
  }

  @Test
  void browserClientsMayPreflightTheMetadata() {
    JsonObject deployment = gateway.createFixtureDeployment("prm-cors", null, new JsonObject());
    Reply preflight = gateway.send(HttpMethod.OPTIONS, "/.well-known/oauth-protected-resource/api/mcp/"
        + deployment.getString("id"), null, null, Map.of("Origin", "https://app.example",
        "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "mcp-protocol-version"));
    assertThat(preflight.status()).isEqualTo(204);
    assertThat(preflight.headers().get("Access-Control-Allow-Origin")).isEqualTo("*");
    assertThat(preflight.headers().get("Access-Control-Allow-Headers")).contains("mcp-protocol-version");
  }

  @Test
  void unknownDeploymentsHaveNoMetadataAndTheGatewayAsAWholeIsNoResource() {
    assertThat(gateway.send(HttpMethod.GET, "/.well-known/oauth-protected-resource/api/mcp/" + UUID.randomUUID(),
        null, null).status()).isEqualTo(404);
    assertThat(gateway.send(HttpMethod.GET, "/.well-known/oauth-protected-resource/api/mcp/not-a-uuid",
        null, null).status()).isEqualTo(404);
    assertThat(gateway.send(HttpMethod.GET, "/.well-known/oauth-protected-resource", null, null).status())
        .isEqualTo(404);
  }
}
