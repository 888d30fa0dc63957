package dev.catwalk.mcp;

import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;

/**
 * The HTTP side of one reply of the MCP endpoint: an open {@link HttpServerResponse}, owned by the
 * context of the HTTP verticle that received the request. A {@link SessionRelay} never touches the
 * response: it sends this channel messages (each method hops onto the HTTP context and acts there),
 * and learns that the client went away through a message onto its own context ({@link #onClose}).
 */
final class ResponseChannel {

  private final Context http;
  private final HttpServerResponse response;

  /** Call on the HTTP context that owns {@code response}. */
  ResponseChannel(Context http, HttpServerResponse response) {
    this.http = http;
    this.response = response;
  }

  /** Runs {@code closed} on {@code owner} once the client's connection for this reply closes before it ended. */
  void onClose(Context owner, Runnable closed) {
    http.runOnContext(v -> {
      if (response.closed() && !response.ended()) {
        owner.runOnContext(x -> closed.run());
        return;
      }
      response.closeHandler(x -> owner.runOnContext(y -> closed.run()));
    });
  }

  /** Ends the reply with a status and no body. */
  void status(int status) {
    http.runOnContext(v -> {
      if (!response.ended() && !response.closed()) {
        response.setStatusCode(status).end();
      }
    });
  }

  /** Starts an event stream ({@code text/event-stream}, chunked, unbuffered) with its first bytes. */
  void beginEvents(String first) {
    http.runOnContext(v -> {
      if (response.ended() || response.closed()) {
        return;
      }
      if (!response.headWritten()) {
        response.setChunked(true)
            .putHeader("Content-Type", McpHeaders.EVENT_STREAM)
            .putHeader("Cache-Control", "no-cache, no-transform")
            .putHeader(McpHeaders.ACCEL_BUFFERING, "no");
      }
      response.write(first);
    });
  }

  /** Writes bytes of an event stream. */
  void write(String chunk) {
    http.runOnContext(v -> {
      if (!response.ended() && !response.closed()) {
        response.write(chunk);
      }
    });
  }

  /** Ends the reply with one JSON body. */
  void endJson(String body) {
    http.runOnContext(v -> {
      if (!response.ended() && !response.closed()) {
        response.putHeader("Content-Type", McpHeaders.JSON).end(body);
      }
    });
  }

  /** Ends an event stream. */
  void end() {
    http.runOnContext(v -> {
      if (!response.ended() && !response.closed()) {
        response.end();
      }
    });
  }
}
