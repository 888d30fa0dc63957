package dev.catwalk.deploy;

import dev.catwalk.error.ApiException;

/** The deployment changed between reading and writing it; the caller may retry. */
public final class ConcurrentChangeException extends ApiException {

  public ConcurrentChangeException() {
    super("the deployment was changed concurrently; retry");
  }

  @Override
  public int status() {
    return 409;
  }
}
