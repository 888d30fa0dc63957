package dev.catwalk.error;

/**
 * 400: the request itself is wrong. Made with a field, the message reads in the one style of
 * validation messages, {@code field: what is wrong} (see {@link Validation}).
 */
public final class BadRequestException extends ApiException {

  private final String field;

  /** A request that is wrong as a whole ({@code the body must be a JSON object}). */
  public BadRequestException(String message) {
    super(message);
    this.field = null;
  }

  /** {@code field} (a path such as {@code config.region}) breaks a rule: {@code field: problem}. */
  public BadRequestException(String field, String problem) {
    super(field + ": " + problem);
    this.field = field;
  }

  /** The field at fault, or null when the request is wrong as a whole. */
  public String field() {
    return field;
  }

  @Override
  public int status() {
    return 400;
  }
}
