package dev.catwalk.error;

/** 503: Catwalk or a service it depends on cannot serve the request right now; the client may retry (the HTTP answer carries Retry-After). */
public final class UnavailableException extends ApiException {

  public UnavailableException(String message) {
    super(message);
  }

  @Override
  public int status() {
    return 503;
  }
}
