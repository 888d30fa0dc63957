package dev.catwalk.deploy;

import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.GatewayHarness;
import dev.catwalk.testsupport.LogCapture;
import io.modelcontextprotocol.client.McpSyncClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A deployment whose secret is a unique marker goes through its whole life — create, sessions, a
 * server that prints the secret to its log, bad updates, stop, restart, delete — and the marker
 * appears in no log line, no REST response, no error message and no stored row in clear.
 */
@Timeout(180)
class SecretLeakTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.withDatabase();

  @Test
  void theSecretNeverLeaves() {
    String marker = "leak-marker-" + UUID.randomUUID();
    String settingMarker = "setting-marker-" + UUID.randomUUID();
    JsonObject schema = new JsonObject().put("type", "object").put("properties", new JsonObject()
        .put("API_KEY", new JsonObject().put("type", "string").put("writeOnly", true).put("pattern", "^leak-"))
        .put("REGION", new JsonObject().put("type", "string")));
    List<String> mcpSeen = new ArrayList<>();
    List<String> logs;
    GatewayHarness gateway;
    try (LogCapture capture = LogCapture.begin()) {
      gateway = GatewayHarness.start(resources);
      try {
        JsonObject deployment = gateway.createFixtureDeployment("leak", schema,
            new JsonObject().put("API_KEY", marker).put("REGION", "eu"));
        String id = deployment.getString("id");
        String path = "/api/deployments/" + id;
        try (McpSyncClient mcp = gateway.mcpClient(id, deployment.getString("accessToken"))) {
          assertThat(GatewayHarness.call(mcp, "get_env", Map.of("name", "API_KEY")))
              .as("the secret reached the server").isEqualTo(marker);
          mcpSeen.add(GatewayHarness.call(mcp, "log_to_stderr", Map.of("message", "connecting with key " + marker)));
        }
        GatewayHarness.eventually(() -> gateway.admin(HttpMethod.GET, path + "/logs", null).body()
            .contains("connecting with key [redacted]"), "the server's log line is kept, redacted");

        gateway.admin(HttpMethod.PATCH, path, new JsonObject().put("config", new JsonObject().put("API_KEY", "x" + marker)));
        gateway.admin(HttpMethod.PATCH, path, new JsonObject().put("config", new JsonObject().put("API_KEY", 42)));
        gateway.admin(HttpMethod.POST, "/api/deployments", GatewayHarness.fixtureDeployment("leak", schema,
            new JsonObject().put("API_KEY", marker)));
        gateway.admin(HttpMethod.POST, "/api/deployments", GatewayHarness.fixtureDeployment("leak-2", schema,
            new JsonObject().put("API_KEY", "no" + marker)));
        gateway.admin(HttpMethod.PUT, "/api/settings", new JsonObject().put("githubToken", settingMarker));
        gateway.admin(HttpMethod.PUT, "/api/settings", new JsonObject().put("unknownSetting", settingMarker));
        gateway.admin(HttpMethod.GET, "/api/settings", null);
        gateway.admin(HttpMethod.GET, path, null);
        gateway.admin(HttpMethod.GET, "/api/deployments", null);
        gateway.admin(HttpMethod.POST, path + "/stop", null);
        gateway.admin(HttpMethod.POST, path + "/restart", null);
        gateway.admin(HttpMethod.GET, path + "/logs", null);
        assertStoredOnlyEncrypted(gateway, marker, settingMarker);
        gateway.admin(HttpMethod.DELETE, path, null);
      } finally {
        gateway.close();
      }
      logs = capture.lines();
    }

    assertThat(mcpSeen).containsExactly("logged");
    assertThat(logs).as("log lines").isNotEmpty().noneMatch(line -> line.contains(marker) || line.contains(settingMarker));
    assertThat(gateway.seen()).as("REST responses").hasSizeGreaterThan(10)
        .noneMatch(response -> response.contains(marker) || response.contains(settingMarker));
    assertThat(gateway.seen()).anyMatch(response -> response.contains("\"githubToken\"") && response.contains("\"set\":true"));
  }

  private static void assertStoredOnlyEncrypted(GatewayHarness gateway, String... markers) {
    StringBuilder stored = new StringBuilder();
    for (String table : List.of("deployments", "deployment_secrets", "access_tokens", "settings", "audit_events")) {
      gateway.gateway().pool().query("SELECT * FROM " + table).execute().await().forEach(row -> {
        for (int i = 0; i < row.size(); i++) {
          Object value = row.getValue(i);
          stored.append(value instanceof io.vertx.core.buffer.Buffer buffer
              ? new String(buffer.getBytes(), StandardCharsets.ISO_8859_1) : String.valueOf(value)).append('|');
        }
      });
    }
    assertThat(stored.toString()).contains("leak").doesNotContain(markers);
  }
}
