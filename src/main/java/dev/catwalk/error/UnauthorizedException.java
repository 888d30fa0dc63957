package dev.catwalk.error;

/** 401: no credentials, or credentials that are not valid here. */
public final class UnauthorizedException extends ApiException {

  public UnauthorizedException(String message) {
    super(message);
  }

  @Override
  public int status() {
    return 401;
  }
}
