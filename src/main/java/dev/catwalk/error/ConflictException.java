package dev.catwalk.error;

/** 409: the request clashes with the current state (a taken name, a deprecated entry). */
public final class ConflictException extends ApiException {

  public ConflictException(String message) {
    super(message);
  }

  @Override
  public int status() {
    return 409;
  }
}
