package dev.catwalk.mcp;

/** A message that is not valid JSON-RPC 2.0; carries the JSON-RPC error code to answer with. */
public final class InvalidMessageException extends IllegalArgumentException {

  private final int code;

  public InvalidMessageException(String message) {
    this(JsonRpcMessage.INVALID_REQUEST, message);
  }

  public InvalidMessageException(int code, String message) {
    super(message);
    this.code = code;
  }

  /** {@link JsonRpcMessage#PARSE_ERROR} or {@link JsonRpcMessage#INVALID_REQUEST}. */
  public int code() {
    return code;
  }
}
