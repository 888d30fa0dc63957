package dev.catwalk.http;

/**
 * A failure that already knows its HTTP status; handlers fail the routing context with it and the
 * {@link FailureHandler} turns it into a problem response.
 */
public class HttpException extends RuntimeException {

  private final int status;

  public HttpException(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  /** The HTTP status to answer with. */
  public int status() {
    return status;
  }
}
