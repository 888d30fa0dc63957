package dev.catwalk.deploy;

import dev.catwalk.crypto.SecretBox;
import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.GatewayHarness;
import dev.catwalk.testsupport.LogCapture;
import dev.catwalk.testsupport.TestConfig;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad input the attack on the gateway used, each refused with a clear 4xx: values a process environment
 * (or Postgres text) cannot carry (a NUL character, a lone surrogate) refused by field name, never echoing
 * the value, even when stored before; bodies that are not JSON or repeat a key; ids in other spellings
 * than the one canonical form, compared the same way on the MCP endpoint and the REST API.
 */
@Timeout(120)
class HardenedInputTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.withDatabase();

  private static final JsonObject SCHEMA = new JsonObject().put("type", "object").put("properties", new JsonObject()
      .put("API_KEY", new JsonObject().put("type", "string").put("writeOnly", true))
      .put("REGION", new JsonObject().put("type", "string")));

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
  void aSecretWithANulIsRefusedByNameAndNotEchoed() {
    String marker = "nul-marker-" + UUID.randomUUID();

    GatewayHarness.Reply reply = gateway.admin(HttpMethod.POST, "/api/deployments", GatewayHarness.fixtureDeployment(
        "nul-secret", SCHEMA, new JsonObject().put("API_KEY", marker + "\u0000tail")));

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.headers().get("Content-Type")).startsWith("application/problem+json");
    assertThat(reply.json().getString("detail")).contains("config.API_KEY").doesNotContain(marker);
  }

  @Test
  void aPlainValueWithANulIsA400NotA500() {
    GatewayHarness.Reply reply = gateway.admin(HttpMethod.POST, "/api/deployments", GatewayHarness.fixtureDeployment(
        "nul-plain", SCHEMA, new JsonObject().put("API_KEY", "k").put("REGION", "eu\u0000west")));

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.json().getString("detail")).contains("config.REGION").doesNotContain("west");
  }

  @Test
  void aLoneSurrogateIsRefusedToo() {
    GatewayHarness.Reply reply = gateway.admin(HttpMethod.POST, "/api/deployments",
        "{\"name\":\"surrogate\",\"recipe\":{\"runtime\":\"command\",\"command\":\"true\"},"
            + "\"config\":{\"API_KEY\":\"a\\ud800b\"}}");

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.json().getString("detail")).contains("config.API_KEY");
  }

  @Test
  void aTokenLabelOrNameWithANulIsA400NotA500() {
    JsonObject deployment = gateway.createFixtureDeployment("nul-label", SCHEMA, new JsonObject().put("API_KEY", "k"));
    String id = deployment.getString("id");

    GatewayHarness.Reply label = gateway.admin(HttpMethod.POST, "/api/deployments/" + id + "/tokens",
        new JsonObject().put("label", "ci\u0000bot"));
    GatewayHarness.Reply name = gateway.admin(HttpMethod.PATCH, "/api/deployments/" + id,
        new JsonObject().put("name", "re\u0000named"));

    assertThat(label.status()).isEqualTo(400);
    assertThat(label.json().getString("detail")).contains("label");
    assertThat(name.status()).isEqualTo(400);
    assertThat(name.json().getString("detail")).contains("name");
  }

  @Test
  void aStoredValueAProcessCannotTakeIsNeverEchoedByInitialize() {
    String marker = "stored-nul-marker-" + UUID.randomUUID();
    JsonObject deployment = gateway.createFixtureDeployment("nul-stored", SCHEMA, new JsonObject().put("API_KEY", "k"));
    UUID id = UUID.fromString(deployment.getString("id"));
    SecretBox box = new SecretBox(Base64.getDecoder().decode(TestConfig.ENCRYPTION_KEY), null);
    new DeploymentRepository(gateway.gateway().pool()).putSecret(id, "API_KEY",
        box.seal(marker + "\u0000", DeploymentRepository.secretContext(id, "API_KEY"))).await();
    List<String> logs;
    GatewayHarness.Reply reply;
    try (LogCapture capture = LogCapture.begin()) {
      reply = gateway.mcpInitialize(id.toString(), deployment.getString("accessToken"));
      logs = capture.lines();
    }

    assertThat(reply.status()).isGreaterThanOrEqualTo(400);
    assertThat(reply.body()).contains("API_KEY").doesNotContain(marker);
    assertThat(logs).noneMatch(line -> line.contains(marker));
  }

  @Test
  void aBodyThatIsNotDeclaredJsonIsRefusedWith415() {
    String body = GatewayHarness.fixtureDeployment("plain-text", null, new JsonObject()).encode();

    HttpResponse<Buffer> plain = raw(HttpMethod.POST, "/api/deployments", "text/plain", body);
    HttpResponse<Buffer> none = raw(HttpMethod.POST, "/api/deployments", null, body);
    HttpResponse<Buffer> json = raw(HttpMethod.POST, "/api/deployments", "application/json; charset=utf-8", body);

    assertThat(plain.statusCode()).isEqualTo(415);
    assertThat(plain.getHeader("Content-Type")).startsWith("application/problem+json");
    assertThat(plain.bodyAsJsonObject().getString("detail")).contains("application/json");
    assertThat(none.statusCode()).isEqualTo(415);
    assertThat(json.statusCode()).isEqualTo(201);
  }

  @Test
  void aRepeatedKeyIsRefusedWith400NamingIt() {
    HttpResponse<Buffer> top = raw(HttpMethod.POST, "/api/deployments", "application/json",
        "{\"name\":\"first\",\"name\":\"second\",\"recipe\":{\"runtime\":\"command\",\"command\":\"true\"}}");
    HttpResponse<Buffer> nested = raw(HttpMethod.POST, "/api/deployments", "application/json",
        "{\"name\":\"nested\",\"recipe\":{\"runtime\":\"command\",\"command\":\"true\"},"
            + "\"config\":{\"API_KEY\":\"a\",\"API_KEY\":\"b\"}}");

    assertThat(top.statusCode()).isEqualTo(400);
    assertThat(top.getHeader("Content-Type")).startsWith("application/problem+json");
    assertThat(top.bodyAsJsonObject().getString("detail")).contains("\"name\"").contains("twice");
    assertThat(nested.statusCode()).isEqualTo(400);
    assertThat(nested.bodyAsJsonObject().getString("detail")).contains("API_KEY");
    assertThat(gateway.admin(HttpMethod.GET, "/api/deployments", null).body()).doesNotContain("second", "nested");
  }

  private static HttpResponse<Buffer> raw(HttpMethod method, String path, String contentType, String body) {
    HttpRequest<Buffer> request = WebClient.create(resources.vertx()).request(method, gateway.port(), "127.0.0.1", path)
        .putHeader("Authorization", "Bearer " + TestConfig.ADMIN_TOKEN);
    if (contentType != null) {
      request.putHeader("Content-Type", contentType);
    }
    return request.sendBuffer(Buffer.buffer(body)).await();
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
