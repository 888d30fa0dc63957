package dev.catwalk.deploy;

import dev.catwalk.mcp.Upstream;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;

/**
 * A session's upstream as its deployment sees it: tells {@link Health} when the server could not be
 * started, ended by itself before it answered anything, or could not be reached (a remote server
 * refusing connections or answering 401, 403, 5xx…), and when it answered (it is reachable again).
 * Everything else passes through unchanged.
 */
final class ObservedUpstream implements Upstream {

  /** Where the observations go; called on the session's context. */
  interface Health {
    /**
     * Something went wrong: {@code reason} is for people and holds no secret value; {@code unusable}
     * when the deployment cannot serve sessions (as opposed to one session's server ending after it worked).
     */
    void failed(String reason, boolean unusable);

    /** The server answered, {@code millis} after the session started it (once per session). */
    void answered(long millis);
  }

  private final Upstream upstream;
  private final Health health;
  private boolean answered;
  private final long started = System.nanoTime();

  ObservedUpstream(Upstream upstream, Health health) {
    this.upstream = upstream;
    this.health = health;
    upstream.problemHandler(problem -> health.failed(problem, true));
  }

  @Override
  public Future<Void> start() {
    return upstream.start().onFailure(e -> health.failed("the MCP server could not be started: " + e.getMessage(), true));
  }

  @Override
  public void send(JsonObject message) {
    upstream.send(message);
  }

  @Override
  public Upstream messageHandler(Handler<JsonObject> handler) {
    upstream.messageHandler(message -> {
      if (!answered && message.containsKey("result")) {
        answered = true;
        health.answered(java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
      }
      handler.handle(message);
    });
    return this;
  }

  @Override
  public Upstream exitHandler(Handler<UpstreamExit> handler) {
    upstream.exitHandler(exit -> {
      if (!exit.requested() && exit.exitCode() != null) {
        health.failed(exit.reason() + (answered ? "" : " before it answered"), !answered);
      }
      handler.handle(exit);
    });
    return this;
  }

  @Override
  public Upstream problemHandler(Handler<String> handler) {
    upstream.problemHandler(problem -> {
      health.failed(problem, true);
      handler.handle(problem);
    });
    return this;
  }

  @Override
  public Future<Void> close() {
    return upstream.close();
  }
}
