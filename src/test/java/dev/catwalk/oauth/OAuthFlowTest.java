package dev.catwalk.oauth;

import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.GatewayHarness;
import dev.catwalk.testsupport.GatewayHarness.Reply;
import dev.catwalk.testsupport.OAuthTestSupport;
import dev.catwalk.testsupport.OAuthTestSupport.Authorization;
import dev.catwalk.testsupport.browser.PageClient;
import dev.catwalk.testsupport.browser.PageClient.Page;
import io.modelcontextprotocol.client.McpSyncClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole MCP authorization flow over real HTTP against a real gateway, as a client discovers it:
 * 401 → protected resource metadata → authorization server metadata → dynamic registration →
 * authorize with PKCE → sign-in page → consent page → code → token → MCP session with the MCP Java
 * SDK → refresh (same session, new token) → revocation ends the session.
 */
@Timeout(180)
class OAuthFlowTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.withDatabase();

  static final String USER = "ada";
  static final String PASSWORD = "correct horse battery staple";
  private static GatewayHarness gateway;

  @BeforeAll
  static void start() {
    gateway = GatewayHarness.start(resources);
    Reply created = gateway.admin(HttpMethod.POST, "/api/accounts", new JsonObject().put("username", USER)
        .put("password", PASSWORD).put("role", "member"));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
  }

  @AfterAll
  static void stop() {
    gateway.close();
  }

  @Test
  void aClientDiscoversRegistersSignsInConsentsAndUsesTheServer() {
    try (dev.catwalk.testsupport.LogCapture logs = dev.catwalk.testsupport.LogCapture.begin()) {
      List<String> secrets = discoverRegisterConsentUseRefreshRevoke();
      assertThat(secrets).hasSizeGreaterThanOrEqualTo(5);
      for (String secret : secrets) {
        assertThat(logs.lines()).as("logs").noneMatch(line -> line.contains(secret));
        assertThat(gateway.seen()).as("API responses").noneMatch(text -> text.contains(secret));
      }
    }
  }

  /** The whole flow; returns the secrets it saw (password, code, verifier, tokens), which must appear nowhere else. */
  private static List<String> discoverRegisterConsentUseRefreshRevoke() {
    JsonObject deployment = gateway.createFixtureDeployment("oauth-flow", null, new JsonObject());
    String id = deployment.getString("id");
    String base = "http://127.0.0.1:" + gateway.port();

    Reply challenge = gateway.mcpInitialize(id, null);
    assertThat(challenge.status()).isEqualTo(401);
    Matcher metadataUrl = Pattern.compile("resource_metadata=\"([^\"]+)\"").matcher(challenge.headers().get("WWW-Authenticate"));
    assertThat(metadataUrl.find()).isTrue();
    JsonObject prm = gateway.send(HttpMethod.GET, URI.create(metadataUrl.group(1)).getPath(), null, null).json();
    String resource = prm.getString("resource");
    assertThat(resource).isEqualTo(base + "/api/mcp/" + id);
    String issuer = prm.getJsonArray("authorization_servers").getString(0);
    assertThat(issuer).isEqualTo(base);
    JsonObject as = gateway.send(HttpMethod.GET, "/.well-known/oauth-authorization-server", null, null).json();
    assertThat(as.getString("issuer")).isEqualTo(issuer);
    assertThat(as.getJsonArray("code_challenge_methods_supported").getList()).containsExactly("S256");
    assertThat(gateway.send(HttpMethod.GET, "/.well-known/openid-configuration", null, null).json()).isEqualTo(as);

    Client client = register(new JsonArray().add("http://127.0.0.1/callback"));
    Authorization auth = authorize(client, resource, "http://127.0.0.1:54321/callback", new PageClient());
    assertThat(auth.consent().header("Content-Security-Policy")).contains("form-action 'self' http://127.0.0.1:54321")
        .contains("default-src 'none'").doesNotContain("script-src");
    assertThat(auth.consent().document().text()).contains("Test client").contains("oauth-flow").contains("127.0.0.1:54321")
        .contains("not verified");
    Map<String, String> callback = query(auth.callback());
    assertThat(auth.callback().toString()).startsWith("http://127.0.0.1:54321/callback?");
    assertThat(callback).containsEntry("state", auth.state()).containsEntry("iss", issuer);

    Reply token = token(Map.of("grant_type", "authorization_code", "code", callback.get("code"), "redirect_uri",
        "http://127.0.0.1:54321/callback", "code_verifier", auth.verifier(), "client_id", client.id(), "resource", resource));
    assertThat(token.status()).as(token.body()).isEqualTo(200);
    assertThat(token.headers().get("Cache-Control")).isEqualTo("no-store");
    JsonObject tokens = token.json();
    assertThat(tokens.getString("token_type")).isEqualTo("Bearer");
    assertThat(tokens.getLong("expires_in")).isEqualTo(3600L);
    assertThat(tokens.getString("scope")).isEqualTo("mcp:tools");

    try (McpSyncClient mcp = gateway.mcpClient(id, tokens.getString("access_token"))) {
      assertThat(GatewayHarness.call(mcp, "echo", Map.of("message", "over oauth"))).isEqualTo("over oauth");
    }

    Reply opened = gateway.mcpInitialize(id, tokens.getString("access_token"));
    assertThat(opened.status()).isEqualTo(200);
    String session = opened.headers().get("MCP-Session-Id");
    assertThat(gateway.send(HttpMethod.POST, "/api/mcp/" + id, new JsonObject().put("jsonrpc", "2.0")
            .put("method", "notifications/initialized"), "Bearer " + tokens.getString("access_token"),
        Map.of("Accept", "application/json, text/event-stream", "MCP-Session-Id", session,
            "MCP-Protocol-Version", "2025-06-18")).status()).isEqualTo(202);
    JsonObject refreshed = token(Map.of("grant_type", "refresh_token", "refresh_token", tokens.getString("refresh_token"),
        "client_id", client.id(), "resource", resource)).json();
    assertThat(refreshed.getString("access_token")).isNotEqualTo(tokens.getString("access_token"));
    assertThat(refreshed.getString("refresh_token")).isNotEqualTo(tokens.getString("refresh_token"));
    assertThat(ping(id, session, refreshed.getString("access_token")).status())
        .as("the session is bound to the grant, so a refreshed token goes on using it").isEqualTo(200);
    assertThat(ping(id, session, deployment.getString("accessToken")).status())
        .as("another credential may not use the session").isEqualTo(401);

    Reply revoked = postForm("/revoke", Map.of("token", refreshed.getString("refresh_token"), "client_id", client.id()));
    assertThat(revoked.status()).isEqualTo(200);
    GatewayHarness.eventually(() -> ping(id, session, refreshed.getString("access_token")).status() != 200,
        "the revoked grant's session ends");
    assertThat(gateway.mcpInitialize(id, refreshed.getString("access_token")).status()).isEqualTo(401);
    JsonArray grants = gateway.admin(HttpMethod.GET, "/api/deployments/" + id + "/grants", null).json()
        .getJsonArray("grants");
    assertThat(grants.getJsonObject(0).getBoolean("revoked")).isTrue();
    assertThat(grants.getJsonObject(0).getString("username")).isEqualTo(USER);
    return List.of(PASSWORD, callback.get("code"), auth.verifier(), tokens.getString("access_token"),
        tokens.getString("refresh_token"), refreshed.getString("access_token"), refreshed.getString("refresh_token"));
  }

  @Test
  void tokensAreBoundToOneDeploymentAndExpire() {
    JsonObject first = gateway.createFixtureDeployment("oauth-aud-a", null, new JsonObject());
    JsonObject second = gateway.createFixtureDeployment("oauth-aud-b", null, new JsonObject());
    Client client = register(new JsonArray().add("https://client.example/cb"));
    JsonObject tokens = connect(client, first.getString("id"), "https://client.example/cb");

    Reply elsewhere = gateway.mcpInitialize(second.getString("id"), tokens.getString("access_token"));
    assertThat(elsewhere.status()).as("a token of deployment A at B").isEqualTo(401);
    assertThat(elsewhere.headers().get("WWW-Authenticate")).contains("error=\"invalid_token\"");
    assertThat(token(Map.of("grant_type", "refresh_token", "refresh_token", tokens.getString("refresh_token"),
        "client_id", client.id(), "resource", resourceOf(second.getString("id")))).json().getString("error"))
        .as("a refresh cannot move the grant to another resource").isEqualTo("invalid_target");

    assertThat(gateway.mcpInitialize(first.getString("id"), tokens.getString("access_token")).status()).isEqualTo(200);
    gateway.gateway().pool().preparedQuery("UPDATE oauth_tokens SET expires_at = now() - interval '1 second'"
        + " WHERE token_hash = $1").execute(io.vertx.sqlclient.Tuple.of(io.vertx.core.buffer.Buffer.buffer(
        dev.catwalk.crypto.Tokens.hash(tokens.getString("access_token"))))).await();
    Reply expired = gateway.mcpInitialize(first.getString("id"), tokens.getString("access_token"));
    assertThat(expired.status()).as("an expired token").isEqualTo(401);
    assertThat(expired.headers().get("WWW-Authenticate")).contains("error=\"invalid_token\"");
  }

  @Test
  void codesAreSingleUseAndNeedTheirVerifierAndRedirect() {
    JsonObject deployment = gateway.createFixtureDeployment("oauth-code", null, new JsonObject());
    String resource = resourceOf(deployment.getString("id"));
    Client client = register(new JsonArray().add("https://client.example/cb"));
    Authorization auth = authorize(client, resource, "https://client.example/cb", new PageClient());
    String code = query(auth.callback()).get("code");
    Map<String, String> exchange = new HashMap<>(Map.of("grant_type", "authorization_code", "code", code,
        "redirect_uri", "https://client.example/cb", "code_verifier", auth.verifier(), "client_id", client.id(),
        "resource", resource));

    Map<String, String> wrongVerifier = new HashMap<>(exchange);
    wrongVerifier.put("code_verifier", random());
    assertThat(token(wrongVerifier).json().getString("error_description")).contains("code_verifier");
    Map<String, String> noVerifier = new HashMap<>(exchange);
    noVerifier.remove("code_verifier");
    assertThat(token(noVerifier).json().getString("error")).isEqualTo("invalid_request");
    Map<String, String> otherRedirect = new HashMap<>(exchange);
    otherRedirect.put("redirect_uri", "https://client.example/other");
    assertThat(token(otherRedirect).json().getString("error_description")).contains("redirect_uri");
    Map<String, String> otherClient = new HashMap<>(exchange);
    otherClient.put("client_id", register(new JsonArray().add("https://client.example/cb")).id());
    assertThat(token(otherClient).json().getString("error")).isEqualTo("invalid_grant");

    Reply good = token(exchange);
    assertThat(good.status()).as("refusals left the code usable: " + good.body()).isEqualTo(200);
    Reply replay = token(exchange);
    assertThat(replay.status()).isEqualTo(400);
    assertThat(replay.json().getString("error")).isEqualTo("invalid_grant");
    assertThat(gateway.mcpInitialize(deployment.getString("id"), good.json().getString("access_token")).status())
        .as("a replayed code revokes what it issued").isEqualTo(401);

    Authorization late = authorize(client, resource, "https://client.example/cb", new PageClient());
    gateway.gateway().pool().query("UPDATE oauth_codes SET expires_at = now() - interval '1 second'"
        + " WHERE used_at IS NULL").execute().await();
    assertThat(token(Map.of("grant_type", "authorization_code", "code", query(late.callback()).get("code"),
        "redirect_uri", "https://client.example/cb", "code_verifier", late.verifier(), "client_id", client.id()))
        .json().getString("error")).as("an expired code").isEqualTo("invalid_grant");
  }

  @Test
  void aReusedRefreshTokenRevokesTheGrant() {
    JsonObject deployment = gateway.createFixtureDeployment("oauth-refresh", null, new JsonObject());
    Client client = register(new JsonArray().add("https://client.example/cb"));
    JsonObject tokens = connect(client, deployment.getString("id"), "https://client.example/cb");
    Map<String, String> refresh = Map.of("grant_type", "refresh_token", "refresh_token",
        tokens.getString("refresh_token"), "client_id", client.id());
    JsonObject rotated = token(refresh).json();
    assertThat(rotated.getString("access_token")).isNotNull();
    assertThat(token(refresh).json().getString("error")).isEqualTo("invalid_grant");
    assertThat(gateway.mcpInitialize(deployment.getString("id"), rotated.getString("access_token")).status())
        .as("the grant is revoked with every token it issued").isEqualTo(401);
    assertThat(token(Map.of("grant_type", "refresh_token", "refresh_token", rotated.getString("refresh_token"),
        "client_id", client.id())).json().getString("error")).isEqualTo("invalid_grant");
  }

  @Test
  void untrustedRedirectsGetAnErrorPageAndOtherRefusalsGoBackToTheClient() {
    JsonObject deployment = gateway.createFixtureDeployment("oauth-redirect", null, new JsonObject());
    String resource = resourceOf(deployment.getString("id"));
    Client client = register(new JsonArray().add("https://client.example/cb").add("http://localhost/cb"));
    PageClient browser = new PageClient();

    Page mismatch = browser.get(authorizeUrl(client.id(), "https://evil.example/cb", challenge(random()), "s", resource));
    assertThat(mismatch.status()).isEqualTo(400);
    assertThat(mismatch.location()).as("never redirected").isNull();
    assertThat(mismatch.document().text()).contains("did not register");
    Page unknown = browser.get(authorizeUrl("cw-client-unknown", "https://client.example/cb", challenge(random()), "s",
        resource));
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.location()).isNull();
    assertThat(browser.get(authorizeUrl(client.id(), "http://localhost:61000/cb", challenge(random()), "s", resource))
        .status()).as("a loopback redirect on any port").isEqualTo(200);
    assertThat(browser.get(authorizeUrl(client.id(), "http://localhost:61000/other", challenge(random()), "s", resource))
        .status()).as("but the same path").isEqualTo(400);

    Page noPkce = browser.get(URI.create(authorizeUrl(client.id(), "https://client.example/cb", "x", "s1", resource)
        .toString().replace("code_challenge_method=S256", "code_challenge_method=plain")));
    assertThat(noPkce.status()).isEqualTo(303);
    assertThat(query(noPkce.location())).containsEntry("error", "invalid_request").containsEntry("state", "s1");
    Page badResource = browser.get(authorizeUrl(client.id(), "https://client.example/cb", challenge(random()), "s2",
        "https://elsewhere.example/api/mcp/" + deployment.getString("id")));
    assertThat(query(badResource.location())).containsEntry("error", "invalid_target").containsEntry("state", "s2");
  }

  @Test
  void deniedConsentMissingCsrfAndMembersAtTheApiAreRefused() {
    JsonObject deployment = gateway.createFixtureDeployment("oauth-deny", null, new JsonObject());
    String resource = resourceOf(deployment.getString("id"));
    Client client = register(new JsonArray().add("https://client.example/cb"));
    PageClient browser = new PageClient();
    Page signIn = browser.get(authorizeUrl(client.id(), "https://client.example/cb", challenge(random()), "st", resource));

    Page forged = browser.post(URI.create("http://127.0.0.1:" + gateway.port() + "/signin"),
        Map.of("username", USER, "password", PASSWORD, "next", "/account"));
    assertThat(forged.status()).as("a form without its CSRF token").isEqualTo(403);
    Page wrong = browser.submit(signIn, "form[action=/signin]", Map.of("username", USER, "password", "wrong password!"),
        "button[type=submit]");
    assertThat(wrong.status()).isEqualTo(401);
    assertThat(wrong.document().text()).contains("Wrong username or password");
    Page nobody = browser.submit(wrong, "form[action=/signin]", Map.of("username", "nobody", "password", "wrong password!"),
        "button[type=submit]");
    assertThat(nobody.document().select(".error").text()).as("no user enumeration")
        .isEqualTo(wrong.document().select(".error").text());

    Page stale = browser.submit(signIn, "form[action=/signin]", Map.of("username", USER, "password", PASSWORD),
        "button[type=submit]");
    assertThat(stale.status()).as("a form whose token a later page replaced").isEqualTo(403);
    assertThat(stale.document().text()).contains("reload");
    Page consent = browser.follow(browser.submit(nobody, "form[action=/signin]", Map.of("username", USER, "password",
        PASSWORD), "button[type=submit]"));
    Page denied = browser.submit(consent, "form[action=/authorize]", Map.of(), "button[value=deny]");
    assertThat(denied.status()).isEqualTo(303);
    assertThat(query(denied.location())).containsEntry("error", "access_denied").containsEntry("state", "st");
    assertThat(gateway.admin(HttpMethod.GET, "/api/deployments/" + deployment.getString("id") + "/grants", null).json()
        .getJsonArray("grants")).as("nothing was granted").isEmpty();
    assertThat(browser.get(URI.create("http://127.0.0.1:" + gateway.port() + "/api/deployments")).status())
        .as("a signed-in member has no admin API").isEqualTo(401);
  }

  @Test
  void registrationRefusesBadMetadata() {
    Reply malformed = gateway.send(HttpMethod.POST, "/register", "{not json", null);
    assertThat(malformed.status()).isEqualTo(400);
    assertThat(malformed.json().getString("error")).isEqualTo("invalid_client_metadata");
    for (String uri : new String[] {"http://client.example/cb", "javascript:alert(1)", "https://client.example/cb#x"}) {
      Reply bad = gateway.send(HttpMethod.POST, "/register", new JsonObject().put("redirect_uris", new JsonArray().add(uri)),
          null);
      assertThat(bad.status()).as(uri).isEqualTo(400);
      assertThat(bad.json().getString("error")).isEqualTo("invalid_redirect_uri");
    }
    Reply huge = gateway.send(HttpMethod.POST, "/register", new JsonObject().put("redirect_uris",
        new JsonArray().add("https://client.example/cb")).put("client_name", "x".repeat(40_000)), null);
    assertThat(huge.status()).isEqualTo(413);
    Reply confidential = gateway.send(HttpMethod.POST, "/register", new JsonObject().put("redirect_uris",
        new JsonArray().add("https://client.example/cb")), null);
    assertThat(confidential.status()).isEqualTo(201);
    assertThat(confidential.json().getString("token_endpoint_auth_method")).isEqualTo("client_secret_basic");
    assertThat(confidential.json().getString("client_secret")).startsWith("cws_");
    assertThat(token(Map.of("grant_type", "refresh_token", "refresh_token", "cwr_x", "client_id",
        confidential.json().getString("client_id"))).status()).as("a confidential client without its secret")
        .isEqualTo(401);
  }

  /** Registers nothing; authorizes {@code client} for a deployment and exchanges the code. */
  static JsonObject connect(Client client, String deploymentId, String redirectUri) {
    Authorization auth = authorize(client, resourceOf(deploymentId), redirectUri, new PageClient());
    Reply token = token(Map.of("grant_type", "authorization_code", "code", query(auth.callback()).get("code"),
        "redirect_uri", redirectUri, "code_verifier", auth.verifier(), "client_id", client.id()));
    assertThat(token.status()).as(token.body()).isEqualTo(200);
    return token.json();
  }

  static String resourceOf(String deploymentId) {
    return "http://127.0.0.1:" + gateway.port() + "/api/mcp/" + deploymentId;
  }

  /** A registered client. */
  record Client(String id, String secret) {
  }

  static Client register(JsonArray redirectUris) {
    JsonObject registered = OAuthTestSupport.register(gateway, redirectUris);
    return new Client(registered.getString("client_id"), registered.getString("client_secret"));
  }

  /** Goes through sign-in and consent with a browser-like client and presses {@code Allow}. */
  static Authorization authorize(Client client, String resource, String redirectUri, PageClient browser) {
    return OAuthTestSupport.authorize(gateway.port(), client.id(), resource, redirectUri, browser, USER, PASSWORD);
  }

  static URI authorizeUrl(String clientId, String redirectUri, String challenge, String state, String resource) {
    return OAuthTestSupport.authorizeUrl(gateway.port(), clientId, redirectUri, challenge, state, resource);
  }

  static Reply token(Map<String, String> fields) {
    return postForm("/token", fields);
  }

  static Reply postForm(String path, Map<String, String> fields) {
    return OAuthTestSupport.postForm(resources.vertx(), gateway.port(), path, fields);
  }

  static Reply ping(String deploymentId, String session, String token) {
    return gateway.send(HttpMethod.POST, "/api/mcp/" + deploymentId, new JsonObject().put("jsonrpc", "2.0").put("id", 7)
            .put("method", "ping"), "Bearer " + token, Map.of("Accept", "application/json, text/event-stream",
        "MCP-Session-Id", session, "MCP-Protocol-Version", "2025-06-18"));
  }

  static Map<String, String> query(URI uri) {
    return OAuthTestSupport.query(uri);
  }

  static String random() {
    return OAuthTestSupport.random();
  }

  static String challenge(String verifier) {
    return OAuthTestSupport.challenge(verifier);
  }
}
