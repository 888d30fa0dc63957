package dev.catwalk.mcp;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;

/**
 * The MCP server behind one client session, as the relay sees it: messages in, messages out, an
 * end. Implementations: {@link StdioUpstream} (a child process) and {@link HttpUpstream} (a remote
 * Streamable HTTP server, or a Catwalk runner on a Fly Machine).
 *
 * <p>Contract: handlers are called on the context that created the upstream, in the order the
 * server produced the messages; the exit handler is called once, after every message the server
 * wrote before ending has been delivered.
 */
public interface Upstream {

  /** Starts the upstream; completes when it can take messages. */
  Future<Void> start();

  /** Sends one message; messages reach the server in the order they were sent. */
  void send(JsonObject message);

  /** Receives each message the server sends. */
  Upstream messageHandler(Handler<JsonObject> handler);

  /** Receives the end of the upstream, once. */
  Upstream exitHandler(Handler<UpstreamExit> handler);

  /**
   * Receives each failure of the transport that the relay answers for itself (a remote server
   * unreachable or answering an HTTP error), as a sentence for people without secret values; the
   * client gets it as a JSON-RPC error. Ignored by upstreams that have none (a process's failures
   * are its start and its exit).
   */
  default Upstream problemHandler(Handler<String> handler) {
    return this;
  }

  /** Ends the upstream and frees everything it holds; completes when it is gone. */
  Future<Void> close();

  /**
   * How an upstream ended.
   *
   * @param exitCode the process exit code, or null where there is none (HTTP upstreams)
   * @param reason   a sentence for people, with no secret values
   * @param requested true when {@link #close()} ended it, false when it ended by itself
   */
  record UpstreamExit(Integer exitCode, String reason, boolean requested) {
  }
}
