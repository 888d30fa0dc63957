package dev.catwalk.testsupport;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;

/** What an OAuth client does by hand in tests: PKCE values and form posts to {@code /token} and {@code /revoke}. */
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
}
