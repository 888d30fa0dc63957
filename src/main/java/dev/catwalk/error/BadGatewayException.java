package dev.catwalk.error;

/** 502: a service Catwalk depends on (GitHub, an LLM, a registry) answered wrongly or not as documented. */
public final class BadGatewayException extends ApiException {

  public BadGatewayException(String message) {
    super(message);
  }

  @Override
  public int status() {
    return 502;
  }
}
