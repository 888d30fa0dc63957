package dev.catwalk.mcp;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * One JSON-RPC 2.0 message as MCP uses it: a request (method and id), a notification (method, no
 * id), or a response (id with exactly one of result or error). Ids are strings or integers, never
 * null. The JSON object is kept as received so that relaying never re-encodes what it need not read.
 *
 * @param kind   which of the three shapes this is
 * @param id     the id (String or Long), or null for a notification
 * @param method the method of a request or notification, or null for a response
 * @param json   the whole message
 */
public record JsonRpcMessage(Kind kind, Object id, String method, JsonObject json) {

  /** The three JSON-RPC message shapes. */
  public enum Kind { REQUEST, NOTIFICATION, RESPONSE }

  /** Invalid JSON was received. */
  public static final int PARSE_ERROR = -32700;
  /** The JSON sent is not a valid request object. */
  public static final int INVALID_REQUEST = -32600;
  /** The method does not exist or is not available. */
  public static final int METHOD_NOT_FOUND = -32601;
  /** Invalid method parameters. */
  public static final int INVALID_PARAMS = -32602;
  /** Internal JSON-RPC error (also used when the upstream fails or times out). */
  public static final int INTERNAL_ERROR = -32603;

  /**
   * Parses one message object.
   *
   * @throws InvalidMessageException naming what is wrong with its shape
   */
  public static JsonRpcMessage of(JsonObject json) {
    if (!"2.0".equals(json.getValue("jsonrpc"))) {
      throw new InvalidMessageException("'jsonrpc' must be \"2.0\"");
    }
    Object id = json.getValue("id");
    boolean hasId = json.containsKey("id");
    if (hasId && !(id instanceof String) && !(id instanceof Number)) {
      throw new InvalidMessageException("'id' must be a string or an integer");
    }
    if (id instanceof Number number) {
      if (number.doubleValue() != Math.rint(number.doubleValue())) {
        throw new InvalidMessageException("'id' must be a string or an integer");
      }
      id = number.longValue();
    }
    Object method = json.getValue("method");
    if (method != null) {
      if (!(method instanceof String name) || name.isEmpty()) {
        throw new InvalidMessageException("'method' must be a non-empty string");
      }
      Object params = json.getValue("params");
      if (params != null && !(params instanceof JsonObject) && !(params instanceof JsonArray)) {
        throw new InvalidMessageException("'params' must be an object or an array");
      }
      return new JsonRpcMessage(hasId ? Kind.REQUEST : Kind.NOTIFICATION, id, name, json);
    }
    boolean hasResult = json.containsKey("result");
    boolean hasError = json.containsKey("error");
    if (!hasId || hasResult == hasError) {
      throw new InvalidMessageException("a message needs 'method', or 'id' with exactly one of 'result' and 'error'");
    }
    if (hasError && !(json.getValue("error") instanceof JsonObject error && error.getValue("code") instanceof Number)) {
      throw new InvalidMessageException("'error' must be an object with a numeric 'code'");
    }
    return new JsonRpcMessage(Kind.RESPONSE, id, null, json);
  }

  /**
   * Parses an HTTP body or a stdio line: one message, or (where {@code allowBatch}) a non-empty array.
   *
   * @throws InvalidMessageException for bad JSON ({@link #PARSE_ERROR}) or a bad shape ({@link #INVALID_REQUEST})
   */
  public static List<JsonRpcMessage> parse(Buffer body, boolean allowBatch) {
    Object value;
    try {
      value = io.vertx.core.json.Json.decodeValue(body);
    } catch (DecodeException e) {
      throw new InvalidMessageException(PARSE_ERROR, "the body is not valid JSON");
    }
    if (value instanceof JsonObject object) {
      return List.of(of(object));
    }
    if (value instanceof JsonArray array) {
      if (!allowBatch) {
        throw new InvalidMessageException("batches are not allowed in this protocol version");
      }
      if (array.isEmpty()) {
        throw new InvalidMessageException("an empty batch is not a valid request");
      }
      List<JsonRpcMessage> messages = new ArrayList<>(array.size());
      for (Object item : array) {
        if (!(item instanceof JsonObject object)) {
          throw new InvalidMessageException("every batch entry must be an object");
        }
        messages.add(of(object));
      }
      return messages;
    }
    throw new InvalidMessageException("a message must be a JSON object");
  }

  /** True for requests. */
  public boolean isRequest() {
    return kind == Kind.REQUEST;
  }

  /** True for notifications. */
  public boolean isNotification() {
    return kind == Kind.NOTIFICATION;
  }

  /** True for responses (results and errors). */
  public boolean isResponse() {
    return kind == Kind.RESPONSE;
  }

  /** The {@code params} object, or an empty one. */
  public JsonObject params() {
    Object params = json.getValue("params");
    return params instanceof JsonObject object ? object : new JsonObject();
  }

  /** {@code params._meta.progressToken}, or null. */
  public Object progressToken() {
    JsonObject meta = params().getJsonObject("_meta");
    return meta == null ? null : meta.getValue("progressToken");
  }

  /**
   * A map key for a request id or progress token: numbers compare by value whatever their Java type
   * ({@code 1} and {@code 1L} are one id), strings never equal numbers.
   */
  public static String idKey(Object id) {
    if (id instanceof Number number) {
      return "n" + number.longValue();
    }
    return "s" + id;
  }

  /** An error response to the request with {@code id} ({@code null} id where it could not be read). */
  public static JsonObject error(Object id, int code, String message) {
    return new JsonObject().put("jsonrpc", "2.0").put("id", id)
        .put("error", new JsonObject().put("code", code).put("message", message));
  }

  /** A request message. */
  public static JsonObject request(Object id, String method, JsonObject params) {
    JsonObject json = new JsonObject().put("jsonrpc", "2.0").put("id", id).put("method", method);
    return params == null ? json : json.put("params", params);
  }

  /** A notification message. */
  public static JsonObject notification(String method, JsonObject params) {
    JsonObject json = new JsonObject().put("jsonrpc", "2.0").put("method", method);
    return params == null ? json : json.put("params", params);
  }
}
