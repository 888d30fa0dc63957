package dev.catwalk.crypto;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Bearer tokens: 256 random bits, shown once, stored only as SHA-256 hashes, compared in constant time.
 * A token reads {@code cwk_<43 base64url characters>}, so it is easy to spot in a leaked file.
 */
public final class Tokens {

  /** Every Catwalk access token starts with this. */
  public static final String PREFIX = "cwk_";
  /** How many leading characters of a token are kept to tell tokens apart in listings. */
  public static final int DISPLAY_PREFIX_LENGTH = PREFIX.length() + 6;

  private static final SecureRandom RANDOM = new SecureRandom();

  private Tokens() {
  }

  /** A new random token. */
  public static String newToken() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** The SHA-256 of a token, as stored. */
  public static byte[] hash(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The part of a token shown in listings. */
  public static String displayPrefix(String token) {
    return token.substring(0, Math.min(token.length(), DISPLAY_PREFIX_LENGTH));
  }

  /** Whether {@code presented} hashes to {@code storedHash}, in time independent of where they differ. */
  public static boolean matches(String presented, byte[] storedHash) {
    return presented != null && storedHash != null && MessageDigest.isEqual(hash(presented), storedHash);
  }

  /** Whether two secrets are equal, in time independent of where they differ (and of their lengths' prefix). */
  public static boolean secretEquals(String presented, String expected) {
    return presented != null && expected != null && MessageDigest.isEqual(hash(presented), hash(expected));
  }

  /** The token of an {@code Authorization: Bearer …} header value, or null. */
  public static String bearer(String authorization) {
    if (authorization == null || authorization.length() < 7
        || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String token = authorization.substring(7).trim();
    return token.isEmpty() ? null : token;
  }
}
