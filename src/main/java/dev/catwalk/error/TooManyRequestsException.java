package dev.catwalk.error;

/** 429: a rate limit, ours or a dependency's, is exhausted. */
public final class TooManyRequestsException extends ApiException {

  public TooManyRequestsException(String message) {
    super(message);
  }

  @Override
  public int status() {
    return 429;
  }
}
