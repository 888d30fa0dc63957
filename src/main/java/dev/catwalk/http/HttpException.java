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

  /**
   * A value a client sent, made safe to quote in a message: at most 80 characters (then "…"), and
   * anything but printable ASCII replaced with {@code ?}, so no control characters or line breaks
   * reach a response or a log.
   */
  public static String printable(String value) {
    String cut = value.length() > 80 ? value.substring(0, 80) + "…" : value;
    return cut.replaceAll("[^\\x20-\\x7e…]", "?");
  }

  /** The HTTP status to answer with. */
  public int status() {
    return status;
  }
}
