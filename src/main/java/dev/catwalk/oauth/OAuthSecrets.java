package dev.catwalk.oauth;

import java.security.SecureRandom;
import java.util.Base64;

/** Random values of the authorization server: 256 bits, base64url, with a prefix that says what they are. */
final class OAuthSecrets {

  /** Access tokens presented at {@code /api/mcp/{id}}. */
  static final String ACCESS = "cwa_";
  /** Refresh tokens. */
  static final String REFRESH = "cwr_";
  /** Authorization codes. */
  static final String CODE = "cwc_";
  /** Client secrets of confidential registered clients. */
  static final String CLIENT_SECRET = "cws_";
  /** Client ids of registered clients (never starting with https://, which means a metadata document). */
  static final String CLIENT_ID = "cw-client-";

  private static final SecureRandom RANDOM = new SecureRandom();

  private OAuthSecrets() {
  }

  static String random(String prefix) {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  static String shortRandom(String prefix) {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
