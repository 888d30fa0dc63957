package dev.catwalk.oauth;

import dev.catwalk.config.ConfigKeys;
import dev.catwalk.crypto.Tokens;
import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.GatewayHarness;
import dev.catwalk.testsupport.GatewayHarness.Reply;
import dev.catwalk.testsupport.OAuthTestSupport;
import dev.catwalk.testsupport.OAuthTestSupport.Authorization;
import dev.catwalk.testsupport.browser.PageClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The lifetimes of the oauth: section ({@code CATWALK_OAUTH_ACCESS_TOKEN_TTL}, {@code _REFRESH_TOKEN_TTL},
 * {@code _CODE_TTL}) are what the authorization server issues, each checked on a gateway configured with a
 * short one: waits poll the gateway (or the token's row) with a deadline, never a fixed sleep.
 */
@Timeout(180)
class TokenLifetimeTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.withDatabase();

  static final String USER = "linus";
  static final String PASSWORD = "correct horse battery staple";
  static final String CALLBACK = "https://client.example/cb";
  static final Duration DEADLINE = Duration.ofSeconds(30);

  @Test
  void anExpiredAccessTokenGets401InvalidTokenAndRefreshStillRotates() {
    withGateway(raw -> raw.put(ConfigKeys.OAUTH_ACCESS_TOKEN_TTL, 3), (gateway, deploymentId) -> {
      String clientId = OAuthTestSupport.register(gateway, new JsonArray().add(CALLBACK)).getString("client_id");
      JsonObject tokens = exchange(gateway, authorize(gateway, clientId, deploymentId), clientId);
      assertThat(tokens.getLong("expires_in")).isEqualTo(3L);
      String access = tokens.getString("access_token");
      Reply opened = gateway.mcpInitialize(deploymentId, access);
      assertThat(opened.status()).as("a fresh token opens a session").isEqualTo(200);
      String session = opened.headers().get("MCP-Session-Id");
      Reply initialized = sessionRequest(gateway, deploymentId, session, access, new JsonObject().put("jsonrpc", "2.0")
          .put("method", "notifications/initialized"));
      assertThat(initialized.status()).as("the handshake ends as a client ends it").isEqualTo(202);

      GatewayHarness.eventually(() -> ping(gateway, deploymentId, session, access).status() == 401,
          "the access token expires and its session refuses it", DEADLINE);
      Reply expired = gateway.mcpInitialize(deploymentId, access);
      assertThat(expired.status()).isEqualTo(401);
      assertThat(expired.headers().get("WWW-Authenticate")).contains("error=\"invalid_token\"");

      Map<String, String> refresh = Map.of("grant_type", "refresh_token", "refresh_token",
          tokens.getString("refresh_token"), "client_id", clientId);
      Reply rotated = token(gateway, refresh);
      assertThat(rotated.status()).as(rotated.body()).isEqualTo(200);
      assertThat(rotated.json().getLong("expires_in")).isEqualTo(3L);
      assertThat(rotated.json().getString("refresh_token")).isNotEqualTo(tokens.getString("refresh_token"));
      assertThat(token(gateway, refresh).json().getString("error")).as("the old refresh token was retired")
          .isEqualTo("invalid_grant");
    });
  }

  @Test
  void anExpiredCodeIsRefused() {
    withGateway(raw -> raw.put(ConfigKeys.OAUTH_CODE_TTL, 1), (gateway, deploymentId) -> {
      String clientId = OAuthTestSupport.register(gateway, new JsonArray().add(CALLBACK)).getString("client_id");
      Authorization auth = authorize(gateway, clientId, deploymentId);
      Map<String, String> exchange = exchangeForm(auth, clientId);
      Map<String, String> probe = new HashMap<>(exchange);
      probe.put("code_verifier", OAuthTestSupport.random());
      // a wrong verifier leaves a live code usable and says so; an expired code is just invalid
      GatewayHarness.eventually(() -> token(gateway, probe).json().getString("error_description").contains("expired"),
          "the code expires", DEADLINE);

      Reply late = token(gateway, exchange);
      assertThat(late.status()).isEqualTo(400);
      assertThat(late.json().getString("error")).isEqualTo("invalid_grant");
    });
  }

  @Test
  void anExpiredRefreshTokenIsRefused() {
    withGateway(raw -> raw.put(ConfigKeys.OAUTH_REFRESH_TOKEN_TTL, 1), (gateway, deploymentId) -> {
      String clientId = OAuthTestSupport.register(gateway, new JsonArray().add(CALLBACK)).getString("client_id");
      JsonObject tokens = exchange(gateway, authorize(gateway, clientId, deploymentId), clientId);
      Tuple hash = Tuple.of(Buffer.buffer(Tokens.hash(tokens.getString("refresh_token"))));
      GatewayHarness.eventually(() -> gateway.gateway().pool().preparedQuery("SELECT expires_at < now() AS expired"
              + " FROM oauth_tokens WHERE token_hash = $1").execute(hash).await().iterator().next().getBoolean("expired"),
          "the refresh token's lifetime is over", DEADLINE);

      Reply refused = token(gateway, Map.of("grant_type", "refresh_token", "refresh_token",
          tokens.getString("refresh_token"), "client_id", clientId));
      assertThat(refused.status()).isEqualTo(400);
      assertThat(refused.json().getString("error")).isEqualTo("invalid_grant");
    });
  }

  /** A test body given a running gateway and a deployment on it. */
  private interface Body {
    void run(GatewayHarness gateway, String deploymentId);
  }

  private static void withGateway(Consumer<JsonObject> overrides, Body body) {
    try (GatewayHarness gateway = GatewayHarness.start(resources, overrides)) {
      Reply account = gateway.admin(HttpMethod.POST, "/api/accounts", new JsonObject().put("username", USER)
          .put("password", PASSWORD).put("role", "member"));
      assertThat(account.status()).as(account.body()).isIn(201, 409);
      String name = "lifetimes-" + java.util.UUID.randomUUID().toString().substring(0, 8);
      body.run(gateway, gateway.createFixtureDeployment(name, null, new JsonObject()).getString("id"));
    }
  }

  private static Authorization authorize(GatewayHarness gateway, String clientId, String deploymentId) {
    return OAuthTestSupport.authorize(gateway.port(), clientId, "http://127.0.0.1:" + gateway.port() + "/api/mcp/"
        + deploymentId, CALLBACK, new PageClient(), USER, PASSWORD);
  }

  private static Map<String, String> exchangeForm(Authorization auth, String clientId) {
    return Map.of("grant_type", "authorization_code", "code", OAuthTestSupport.query(auth.callback()).get("code"),
        "redirect_uri", CALLBACK, "code_verifier", auth.verifier(), "client_id", clientId);
  }

  private static JsonObject exchange(GatewayHarness gateway, Authorization auth, String clientId) {
    Reply token = token(gateway, exchangeForm(auth, clientId));
    assertThat(token.status()).as(token.body()).isEqualTo(200);
    return token.json();
  }

  private static Reply ping(GatewayHarness gateway, String deploymentId, String session, String token) {
    return sessionRequest(gateway, deploymentId, session, token, new JsonObject().put("jsonrpc", "2.0").put("id", 7)
        .put("method", "ping"));
  }

  /**
   * A message on an open session. The fixture server (MCP Java SDK) answers nothing before
   * {@code notifications/initialized}, so a ping sent before it waits for good.
   */
  private static Reply sessionRequest(GatewayHarness gateway, String deploymentId, String session, String token,
      JsonObject message) {
    return gateway.send(HttpMethod.POST, "/api/mcp/" + deploymentId, message, "Bearer " + token,
        Map.of("Accept", "application/json, text/event-stream", "MCP-Session-Id", session, "MCP-Protocol-Version", "2025-06-18"));
  }

  private static Reply token(GatewayHarness gateway, Map<String, String> fields) {
    return OAuthTestSupport.postForm(resources.vertx(), gateway.port(), "/token", fields);
  }
}
