package dev.catwalk.crypto;

/** A secret could not be sealed or opened. The message never contains key material or plaintext. */
public final class CryptoException extends RuntimeException {

  public CryptoException(String message, Throwable cause) {
    super(message, cause);
  }
}
