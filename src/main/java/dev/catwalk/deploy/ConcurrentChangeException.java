package dev.catwalk.deploy;

import dev.catwalk.http.HttpException;

/** The deployment changed between reading and writing it; the caller may retry. */
public final class ConcurrentChangeException extends HttpException {

  public ConcurrentChangeException() {
    super(409, "the deployment was changed concurrently; retry");
  }
}
