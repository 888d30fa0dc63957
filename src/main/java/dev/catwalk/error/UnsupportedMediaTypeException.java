package dev.catwalk.error;

/** 415: the body's media type is not one this operation reads. */
public final class UnsupportedMediaTypeException extends ApiException {

  public UnsupportedMediaTypeException(String message) {
    super(message);
  }

  @Override
  public int status() {
    return 415;
  }
}
