package dev.catwalk.crypto;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Encryption of secrets at rest: AES-256-GCM with a random 96-bit nonce and a 128-bit tag. A
 * sealed value is {@code nonce || ciphertext || tag} plus the id of the key that sealed it, so keys
 * can rotate: values are always sealed with the current key and opened with whichever known key
 * (current or previous) their id names. The caller's context string (for example
 * {@code deployment:<id>:<name>}) is bound as associated data, so a value copied to another row
 * does not open.
 */
public final class SecretBox {

  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final String currentKeyId;
  private final Map<String, SecretKeySpec> keys = new LinkedHashMap<>();

  /** A sealed value and the id of the key that sealed it. */
  public record Sealed(String keyId, byte[] bytes) {
  }

  /**
   * @param currentKey  32 bytes; seals every new value
   * @param previousKey 32 bytes or null; only opens values sealed before a rotation
   */
  public SecretBox(byte[] currentKey, byte[] previousKey) {
    this.currentKeyId = addKey(currentKey);
    if (previousKey != null) {
      addKey(previousKey);
    }
  }

  /** The id of the key new values are sealed with. */
  public String currentKeyId() {
    return currentKeyId;
  }

  /** Whether a value sealed with key {@code keyId} opens here (the current or the previous key). */
  public boolean knows(String keyId) {
    return keys.containsKey(keyId);
  }

  /** The ids of the keys that open values here, the current one first. */
  public java.util.List<String> knownKeyIds() {
    return java.util.List.copyOf(keys.keySet());
  }

  /** The id of a key: a short digest that reveals nothing usable about the key. */
  public static String keyId(byte[] key) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update("catwalk-key-id:".getBytes(StandardCharsets.US_ASCII));
      return HexFormat.of().formatHex(digest.digest(key), 0, 8);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Seals {@code plaintext} with the current key, bound to {@code context}. */
  public Sealed seal(String plaintext, String context) {
    byte[] nonce = new byte[NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    try {
      Cipher cipher = cipher(Cipher.ENCRYPT_MODE, keys.get(currentKeyId), nonce, context);
      byte[] encrypted = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
      byte[] out = new byte[NONCE_BYTES + encrypted.length];
      System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
      System.arraycopy(encrypted, 0, out, NONCE_BYTES, encrypted.length);
      return new Sealed(currentKeyId, out);
    } catch (GeneralSecurityException e) {
      throw new CryptoException("cannot encrypt a secret", e);
    }
  }

  /**
   * Opens a sealed value.
   *
   * @throws CryptoException when the key is unknown, or the value was altered or belongs to another context
   */
  public String open(String keyId, byte[] sealed, String context) {
    SecretKeySpec key = keys.get(keyId);
    if (key == null) {
      throw new CryptoException("a secret was encrypted with a key this server does not have (key id " + keyId
          + "); set CATWALK_ENCRYPTION_KEY_PREVIOUS to that key", null);
    }
    if (sealed.length < NONCE_BYTES + TAG_BITS / 8) {
      throw new CryptoException("a stored secret is truncated", null);
    }
    try {
      byte[] nonce = java.util.Arrays.copyOfRange(sealed, 0, NONCE_BYTES);
      Cipher cipher = cipher(Cipher.DECRYPT_MODE, key, nonce, context);
      return new String(cipher.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES), StandardCharsets.UTF_8);
    } catch (GeneralSecurityException e) {
      throw new CryptoException("a stored secret does not decrypt (altered, or moved from another record)", null);
    }
  }

  /** Opens a value sealed with any known key and seals it again with the current key. */
  public Sealed reseal(String keyId, byte[] sealed, String context) {
    return seal(open(keyId, sealed, context), context);
  }

  private String addKey(byte[] key) {
    if (key == null || key.length != 32) {
      throw new IllegalArgumentException("an encryption key must be 32 bytes");
    }
    String id = keyId(key);
    keys.put(id, new SecretKeySpec(key.clone(), "AES"));
    return id;
  }

  private static Cipher cipher(int mode, SecretKeySpec key, byte[] nonce, String context)
      throws GeneralSecurityException {
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, nonce));
    cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
    return cipher;
  }
}
