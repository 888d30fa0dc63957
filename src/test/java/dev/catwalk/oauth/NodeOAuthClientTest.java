package dev.catwalk.oauth;

import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.GatewayHarness;
import dev.catwalk.testsupport.NodePackages;
import dev.catwalk.testsupport.browser.PageClient;
import dev.catwalk.testsupport.browser.PageClient.Page;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The TypeScript SDK client's own OAuth support ({@code @modelcontextprotocol/sdk}, pinned in
 * {@code src/test/node}, script {@code e2e-oauth.mjs}) against a gateway deployment, given only the
 * MCP URL: it discovers, registers and sends the person to the authorization URL; the test signs in
 * and presses "Allow" on the real pages; the SDK finishes with its loopback callback, lists and calls
 * tools, and refreshes its token.
 */
@Timeout(600)
class NodeOAuthClientTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.withDatabase();

  @Test
  void theTypescriptSdkConnectsByUrlAlone() throws Exception {
    Path work = NodePackages.install();
    try (GatewayHarness gateway = GatewayHarness.start(resources)) {
      assertThat(gateway.admin(HttpMethod.POST, "/api/accounts", new JsonObject().put("username", "ada")
          .put("password", OAuthFlowTest.PASSWORD)).status()).isEqualTo(201);
      JsonObject deployment = gateway.createFixtureDeployment("node-oauth", null, new JsonObject());
      Process node = new ProcessBuilder("node", "e2e-oauth.mjs", deployment.getString("mcpUrl"))
          .directory(work.toFile()).redirectErrorStream(true).start();
      List<String> lines = new ArrayList<>();
      try (BufferedReader out = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = out.readLine()) != null) {
          lines.add(line);
          if (line.startsWith("AUTHORIZE ")) {
            consent(URI.create(line.substring("AUTHORIZE ".length())));
          }
        }
      }
      assertThat(node.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(node.exitValue()).as(String.join("\n", lines)).isZero();
      JsonObject seen = new JsonObject(lines.getLast());
      assertThat(seen.getBoolean("challenged")).as("the first connect got the 401").isTrue();
      assertThat(seen.getString("iss")).isEqualTo("http://127.0.0.1:" + gateway.port());
      assertThat(seen.getString("clientId")).startsWith("cw-client-");
      assertThat(seen.getJsonArray("tools").getList()).contains("echo");
      assertThat(seen.getString("echo")).isEqualTo("oauth from node");
      assertThat(seen.getString("refreshed")).isEqualTo("AUTHORIZED");
      assertThat(seen.getBoolean("tokenChanged")).isTrue();
      assertThat(seen.getString("after")).isEqualTo("after refresh");
      assertThat(gateway.admin(HttpMethod.GET, "/api/deployments/" + deployment.getString("id") + "/grants", null)
          .json().getJsonArray("grants").getJsonObject(0).getString("clientName")).isEqualTo("catwalk-node-oauth");
    }
  }

  /** What the person does in the browser: sign in, press Allow, and the browser opens the client's callback. */
  private static void consent(URI authorizationUrl) {
    assertThat(authorizationUrl.getQuery()).contains("code_challenge_method=S256").contains("resource=");
    PageClient browser = new PageClient();
    Page signIn = browser.get(authorizationUrl);
    Page consent = browser.follow(browser.submit(signIn, "form[action=/signin]", Map.of("username", "ada",
        "password", OAuthFlowTest.PASSWORD), "button[type=submit]"));
    Page back = browser.submit(consent, "form[action=/authorize]", Map.of(), "button[value=allow]");
    assertThat(back.status()).isEqualTo(303);
    assertThat(browser.follow(back).status()).as("the client's loopback callback").isEqualTo(200);
  }
}
