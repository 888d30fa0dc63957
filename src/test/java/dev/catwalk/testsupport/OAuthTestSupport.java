package dev.catwalk.testsupport;

import dev.catwalk.testsupport.browser.PageClient;
import dev.catwalk.testsupport.browser.PageClient.Page;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;

import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What an OAuth client and the person at the browser do by hand in tests: PKCE values, authorization URLs,
 * sign-in and consent on the gateway's pages, and form posts to {@code /token} and {@code /revoke}.
 */
public final class OAuthTestSupport {

  private static final SecureRandom RANDOM = new SecureRandom();

  private OAuthTestSupport() {
  }

  /** 256 random bits, base64url: a PKCE verifier or a state. */
  public static String random() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** The S256 code challenge of a verifier (RFC 7636 §4.2). */
  public static String challenge(String verifier) {
    try {
      return Base64.getUrlEncoder().withoutPadding().encodeToString(MessageDigest.getInstance("SHA-256")
          .digest(verifier.getBytes(StandardCharsets.US_ASCII)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** POSTs an application/x-www-form-urlencoded body to the gateway, as OAuth clients do. */
  public static GatewayHarness.Reply postForm(Vertx vertx, int port, String path, Map<String, String> fields) {
    MultiMap body = MultiMap.caseInsensitiveMultiMap();
    fields.forEach(body::add);
    var response = WebClient.create(vertx).post(port, "127.0.0.1", path).sendForm(body).await();
    return new GatewayHarness.Reply(response.statusCode(), response.bodyAsString() == null ? ""
        : response.bodyAsString(), response.headers());
  }

  /** Registers a public client ({@code token_endpoint_auth_method: none}, named "Test client"); returns the answer. */
  public static io.vertx.core.json.JsonObject register(GatewayHarness gateway, io.vertx.core.json.JsonArray redirectUris) {
    GatewayHarness.Reply registered = gateway.send(io.vertx.core.http.HttpMethod.POST, "/register",
        new io.vertx.core.json.JsonObject().put("redirect_uris", redirectUris).put("token_endpoint_auth_method", "none")
            .put("client_name", "Test client").put("grant_types", new io.vertx.core.json.JsonArray()
                .add("authorization_code").add("refresh_token")), null);
    assertThat(registered.status()).as(registered.body()).isEqualTo(201);
    return registered.json();
  }

  /** The end of an authorization: the consent page seen, and where the browser was sent. */
  public record Authorization(Page consent, URI callback, String verifier, String state) {
  }

  /** The authorization request URL of the gateway on {@code port} (code flow, PKCE S256, scope mcp:tools). */
  public static URI authorizeUrl(int port, String clientId, String redirectUri, String challenge, String state,
                                 String resource) {
    return URI.create("http://127.0.0.1:" + port + "/authorize?" + form(Map.of("response_type", "code",
        "client_id", clientId, "redirect_uri", redirectUri, "code_challenge", challenge, "code_challenge_method", "S256",
        "state", state, "scope", "mcp:tools", "resource", resource)));
  }

  /** Goes through sign-in (as {@code user}) and consent with a browser-like client and presses {@code Allow}. */
  public static Authorization authorize(int port, String clientId, String resource, String redirectUri,
                                        PageClient browser, String user, String password) {
    String verifier = random();
    String state = random();
    Page signIn = browser.get(authorizeUrl(port, clientId, redirectUri, challenge(verifier), state, resource));
    assertThat(signIn.status()).as(signIn.body()).isEqualTo(200);
    Page signedIn = browser.submit(signIn, "form[action=/signin]", Map.of("username", user, "password", password),
        "button[type=submit]");
    assertThat(signedIn.status()).as(signedIn.body()).isEqualTo(303);
    Page consent = browser.follow(signedIn);
    assertThat(consent.status()).as(consent.body()).isEqualTo(200);
    Page decided = browser.submit(consent, "form[action=/authorize]", Map.of(), "button[value=allow]");
    assertThat(decided.status()).as(decided.body()).isEqualTo(303);
    return new Authorization(consent, decided.location(), verifier, state);
  }

  /** An application/x-www-form-urlencoded body (or query). */
  public static String form(Map<String, String> fields) {
    StringBuilder body = new StringBuilder();
    fields.forEach((k, v) -> body.append(body.isEmpty() ? "" : "&").append(URLEncoder.encode(k, StandardCharsets.UTF_8))
        .append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
    return body.toString();
  }

  /** The decoded query parameters of a URI. */
  public static Map<String, String> query(URI uri) {
    Map<String, String> values = new HashMap<>();
    for (String pair : uri.getRawQuery().split("&")) {
      int eq = pair.indexOf('=');
      values.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return values;
  }
}
