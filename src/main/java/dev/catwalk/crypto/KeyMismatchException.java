package dev.catwalk.crypto;

/**
 * The configured encryption key does not open what the database holds: the gateway does not start and
 * nothing is written. The message names the setting and the key ids (digests), never a key.
 */
public final class KeyMismatchException extends RuntimeException {

  public KeyMismatchException(String message) {
    super(message);
  }
}
