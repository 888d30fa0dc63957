package dev.catwalk.oauth;

import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.GatewayHarness;
import dev.catwalk.testsupport.GatewayHarness.Reply;
import dev.catwalk.testsupport.OAuthTestSupport;
import dev.catwalk.testsupport.TestConfig;
import dev.catwalk.testsupport.browser.Browsers;
import io.modelcontextprotocol.client.McpSyncClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sign-in and consent pages in a real browser (headless chromium): a person types the user name
 * and password, presses "Sign in", then "Allow"; the browser follows the redirect to the client's
 * loopback callback (a real HTTP server here), whose code the client exchanges for a token that
 * opens an MCP session. This is also what shows that the consent page's CSP lets the hand-back through.
 */
@Timeout(180)
class BrowserConsentTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.withDatabase();

  private static GatewayHarness gateway;

  @BeforeAll
  static void start() {
    gateway = GatewayHarness.start(resources);
    assertThat(gateway.admin(HttpMethod.POST, "/api/accounts", new JsonObject().put("username", "ada")
        .put("password", "correct horse battery staple")).status()).isEqualTo(201);
  }

  @AfterAll
  static void stop() {
    gateway.close();
  }

  @Test
  void aPersonSignsInAndAllowsAClientInChromium() throws Exception {
    JsonObject deployment = gateway.createFixtureDeployment("browser-consent", null, new JsonObject());
    String resource = "http://127.0.0.1:" + gateway.port() + "/api/mcp/" + deployment.getString("id");
    CompletableFuture<Map<String, String>> callback = new CompletableFuture<>();
    HttpServer client = resources.vertx().createHttpServer().requestHandler(request -> {
      callback.complete(Map.of("code", String.valueOf(request.getParam("code")),
          "state", String.valueOf(request.getParam("state")), "iss", String.valueOf(request.getParam("iss"))));
      request.response().putHeader("Content-Type", "text/plain").end("You can close this window.");
    }).listen(TestConfig.freePort(), "127.0.0.1").await();
    String redirect = "http://127.0.0.1:" + client.actualPort() + "/callback";
    Reply registered = gateway.send(HttpMethod.POST, "/register", new JsonObject().put("client_name", "Browser client")
        .put("redirect_uris", new JsonArray().add("http://127.0.0.1/callback"))
        .put("token_endpoint_auth_method", "none"), null);
    String clientId = registered.json().getString("client_id");
    String verifier = OAuthTestSupport.random();
    String state = OAuthTestSupport.random();

    ChromeDriver browser = Browsers.chromium();
    try {
      browser.get("http://127.0.0.1:" + gateway.port() + "/authorize?response_type=code&client_id=" + clientId
          + "&redirect_uri=" + encode(redirect) + "&code_challenge=" + OAuthTestSupport.challenge(verifier)
          + "&code_challenge_method=S256&state=" + state + "&scope=mcp%3Atools&resource=" + encode(resource));
      browser.findElement(By.xpath("//label[text()='Username']/following-sibling::input[@id='username']"))
          .sendKeys("ada");
      browser.findElement(By.id("password")).sendKeys("correct horse battery staple");
      browser.findElement(By.xpath("//button[text()='Sign in']")).click();
      new WebDriverWait(browser, Duration.ofSeconds(20)).until(d -> d.getPageSource().contains("Allow"));
      assertThat(browser.findElement(By.tagName("main")).getText()).contains("Browser client")
          .contains("browser-consent").contains("127.0.0.1:" + client.actualPort());
      browser.findElement(By.xpath("//button[text()='Allow']")).click();
      Map<String, String> answer = callback.get(30, TimeUnit.SECONDS);
      assertThat(answer).containsEntry("state", state).containsEntry("iss", "http://127.0.0.1:" + gateway.port());

      Reply token = OAuthTestSupport.postForm(resources.vertx(), gateway.port(), "/token", Map.of("grant_type", "authorization_code",
          "code", answer.get("code"), "redirect_uri", redirect, "code_verifier", verifier, "client_id", clientId));
      assertThat(token.status()).as(token.body()).isEqualTo(200);
      try (McpSyncClient mcp = gateway.mcpClient(deployment.getString("id"), token.json().getString("access_token"))) {
        assertThat(GatewayHarness.call(mcp, "echo", Map.of("message", "from chromium"))).isEqualTo("from chromium");
      }
    } finally {
      browser.quit();
      client.close().await();
    }
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
