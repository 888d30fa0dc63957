package dev.catwalk.deploy.fly;

/**
 * The Machines API answered with an error (or could not be reached: status 0). The message is
 * the API's {@code error} text, never a token.
 */
public final class FlyApiException extends RuntimeException {

  private final int status;
  private final long retryAfterMillis;

  public FlyApiException(int status, String message) {
    this(status, message, 0);
  }

  /**
   * @param retryAfterMillis the delay the API asked for before a retry ({@code Retry-After}), or 0
   */
  public FlyApiException(int status, String message, long retryAfterMillis) {
    super(message, null, false, false);
    this.status = status;
    this.retryAfterMillis = retryAfterMillis;
  }

  /** The delay the API asked for before a retry, or 0. */
  public long retryAfterMillis() {
    return retryAfterMillis;
  }

  /** The HTTP status, or 0 when no answer arrived. */
  public int status() {
    return status;
  }

  /** Whether the request may have taken effect although it failed (408, 5xx, lost connection). */
  public boolean ambiguous() {
    return status == 0 || status == 408 || status >= 500;
  }

  /** Whether the same request may succeed later (the API's and flyctl's retry rule: 408, 429, 5xx, no answer). */
  public boolean retryable() {
    return ambiguous() || status == 429;
  }
}
