package dev.catwalk.mcp;

import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;

/** The handler plumbing every {@link Upstream} shares; subclasses call the handlers on their owning context. */
abstract class AbstractUpstream implements Upstream {

  /** Receives each server message. */
  protected Handler<JsonObject> messageHandler = m -> { };
  /** Receives the end of the upstream; subclasses call it once. */
  protected Handler<UpstreamExit> exitHandler = e -> { };
  /** Receives transport failures the relay answers for. */
  protected Handler<String> problemHandler = p -> { };

  @Override
  public Upstream messageHandler(Handler<JsonObject> handler) {
    this.messageHandler = handler;
    return this;
  }

  @Override
  public Upstream exitHandler(Handler<UpstreamExit> handler) {
    this.exitHandler = handler;
    return this;
  }

  @Override
  public Upstream problemHandler(Handler<String> handler) {
    this.problemHandler = handler;
    return this;
  }
}
