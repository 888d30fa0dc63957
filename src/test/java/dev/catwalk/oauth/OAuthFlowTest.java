package dev.catwalk.oauth;

import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.GatewayHarness;
import dev.catwalk.testsupport.GatewayHarness.Reply;
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
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
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
  }

  /** A registered client. */
  record Client(String id, String secret) {
  }

  /** The end of an authorization: the consent page seen, and where the browser was sent. */
  record Authorization(Page consent, URI callback, String verifier, String state) {
  }

  static Client register(JsonArray redirectUris) {
    Reply registered = gateway.send(HttpMethod.POST, "/register", new JsonObject().put("redirect_uris", redirectUris)
        .put("token_endpoint_auth_method", "none").put("client_name", "Test client")
        .put("grant_types", new JsonArray().add("authorization_code").add("refresh_token")), null);
    assertThat(registered.status()).as(registered.body()).isEqualTo(201);
    return new Client(registered.json().getString("client_id"), registered.json().getString("client_secret"));
  }

  /** Goes through sign-in and consent with a browser-like client and presses {@code Allow}. */
  static Authorization authorize(Client client, String resource, String redirectUri, PageClient browser) {
    String verifier = random();
    String state = random();
    Page signIn = browser.get(authorizeUrl(client.id(), redirectUri, challenge(verifier), state, resource));
    assertThat(signIn.status()).as(signIn.body()).isEqualTo(200);
    Page signedIn = browser.submit(signIn, "form[action=/signin]", Map.of("username", USER, "password", PASSWORD),
        "button[type=submit]");
    assertThat(signedIn.status()).as(signedIn.body()).isEqualTo(303);
    Page consent = browser.follow(signedIn);
    assertThat(consent.status()).as(consent.body()).isEqualTo(200);
    Page decided = browser.submit(consent, "form[action=/authorize]", Map.of(), "button[value=allow]");
    assertThat(decided.status()).as(decided.body()).isEqualTo(303);
    return new Authorization(consent, decided.location(), verifier, state);
  }

  static URI authorizeUrl(String clientId, String redirectUri, String challenge, String state, String resource) {
    return URI.create("http://127.0.0.1:" + gateway.port() + "/authorize?" + form(Map.of("response_type", "code",
        "client_id", clientId, "redirect_uri", redirectUri, "code_challenge", challenge, "code_challenge_method", "S256",
        "state", state, "scope", "mcp:tools", "resource", resource)));
  }

  static Reply token(Map<String, String> fields) {
    return postForm("/token", fields);
  }

  /** POSTs an application/x-www-form-urlencoded body, as OAuth clients do at /token and /revoke. */
  static Reply postForm(String path, Map<String, String> fields) {
    io.vertx.core.MultiMap body = io.vertx.core.MultiMap.caseInsensitiveMultiMap();
    fields.forEach(body::add);
    var response = io.vertx.ext.web.client.WebClient.create(resources.vertx()).post(gateway.port(), "127.0.0.1", path)
        .sendForm(body).await();
    return new Reply(response.statusCode(), response.bodyAsString() == null ? "" : response.bodyAsString(),
        response.headers());
  }

  static Reply ping(String deploymentId, String session, String token) {
    return gateway.send(HttpMethod.POST, "/api/mcp/" + deploymentId, new JsonObject().put("jsonrpc", "2.0").put("id", 7)
            .put("method", "ping"), "Bearer " + token, Map.of("Accept", "application/json, text/event-stream",
        "MCP-Session-Id", session, "MCP-Protocol-Version", "2025-06-18"));
  }

  static String form(Map<String, String> fields) {
    StringBuilder body = new StringBuilder();
    fields.forEach((k, v) -> body.append(body.isEmpty() ? "" : "&").append(URLEncoder.encode(k, StandardCharsets.UTF_8))
        .append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
    return body.toString();
  }

  static Map<String, String> query(URI uri) {
    Map<String, String> values = new HashMap<>();
    for (String pair : uri.getRawQuery().split("&")) {
      int eq = pair.indexOf('=');
      values.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return values;
  }

  static String random() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  static String challenge(String verifier) {
    try {
      return Base64.getUrlEncoder().withoutPadding().encodeToString(MessageDigest.getInstance("SHA-256")
          .digest(verifier.getBytes(StandardCharsets.US_ASCII)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
