package dev.catwalk.deploy;

import dev.catwalk.crypto.SecretBox;
import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.GatewayHarness;
import dev.catwalk.testsupport.LogCapture;
import dev.catwalk.testsupport.TestConfig;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Base64;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Values a process environment (or Postgres text) cannot carry — a NUL character, a lone surrogate —
 * are refused at input with 400 naming the field, never echoing the value; a value that got stored
 * anyway never appears in an error message.
 */
@Timeout(120)
class UnsafeValuesTest {

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
}
