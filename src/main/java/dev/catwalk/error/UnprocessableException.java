package dev.catwalk.error;

/** 422: the request is well formed but cannot be carried out here (a runtime missing on this host, a backend that cannot run it). */
public final class UnprocessableException extends ApiException {

  public UnprocessableException(String message) {
    super(message);
  }

  @Override
  public int status() {
    return 422;
  }
}
