package dev.catwalk.error;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * An RFC 9457 problem detail, the body of every REST error.
 *
 * @param status HTTP status code
 * @param title  short summary of the problem type
 * @param detail what went wrong in this occurrence (never a secret value)
 */
public record Problem(int status, String title, String detail) {

  /** Media type of problem bodies. */
  public static final String CONTENT_TYPE = "application/problem+json";

  /** The JSON body. */
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("type", "about:blank").put("title", title).put("status", status);
    if (detail != null && !detail.isEmpty()) {
      json.put("detail", detail);
    }
    return json;
  }

  /** Writes this problem as the response, unless a response was already started. */
  public void send(HttpServerResponse response) {
    if (response.headWritten() || response.closed()) {
      return;
    }
    response.setStatusCode(status).putHeader("Content-Type", CONTENT_TYPE).end(toJson().encode());
  }
}
