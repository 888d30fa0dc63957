package dev.catwalk.error;

/** 404: the thing named does not exist (or is not visible to the caller). */
public final class NotFoundException extends ApiException {

  public NotFoundException(String message) {
    super(message);
  }

  @Override
  public int status() {
    return 404;
  }
}
