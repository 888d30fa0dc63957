package dev.catwalk.error;

/** 504: a service Catwalk depends on did not answer in time. */
public final class GatewayTimeoutException extends ApiException {

  public GatewayTimeoutException(String message) {
    super(message);
  }

  @Override
  public int status() {
    return 504;
  }
}
