package dev.catwalk.testsupport;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * An OpenAI-compatible chat completions API on 127.0.0.1 ({@code POST /v1/chat/completions}) that
 * answers with a scripted message content (or a status, or nothing) and records the requests.
 */
public final class FakeOpenAi implements AutoCloseable {

  private final HttpServer server;
  private final List<JsonObject> requests = Collections.synchronizedList(new ArrayList<>());
  private final List<String> authorizations = Collections.synchronizedList(new ArrayList<>());
  private volatile String content = "{\"recipe\": null, \"variables\": []}";
  private volatile int status = 200;

  private FakeOpenAi(Vertx vertx) {
    Router router = Router.router(vertx);
    router.post("/v1/chat/completions").handler(BodyHandler.create()).handler(this::complete);
    this.server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
  }

  /** Starts a fake on a free port. */
  public static FakeOpenAi start(Vertx vertx) {
    return new FakeOpenAi(vertx);
  }

  /** The base URL to configure as {@code CATWALK_LLM_BASE_URL}. */
  public String baseUrl() {
    return "http://127.0.0.1:" + server.actualPort() + "/v1";
  }

  /** The next answers carry this message content with status 200; status 0 means no answer at all. */
  public void answer(int httpStatus, String messageContent) {
    status = httpStatus;
    content = messageContent;
  }

  /** The request bodies seen. */
  public List<JsonObject> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  /** The Authorization headers seen. */
  public List<String> authorizations() {
    synchronized (authorizations) {
      return List.copyOf(authorizations);
    }
  }

  private void complete(RoutingContext ctx) {
    requests.add(ctx.body().asJsonObject());
    authorizations.add(ctx.request().getHeader("Authorization"));
    if (status == 0) {
      return;
    }
    if (status != 200) {
      ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
          .end(new JsonObject().put("error", new JsonObject().put("message", "scripted failure")).encode());
      return;
    }
    JsonObject body = new JsonObject().put("id", "chatcmpl-test").put("object", "chat.completion")
        .put("created", System.currentTimeMillis() / 1000).put("model", ctx.body().asJsonObject().getString("model"))
        .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("finish_reason", "stop")
            .put("message", new JsonObject().put("role", "assistant").put("content", content))))
        .put("usage", new JsonObject().put("prompt_tokens", 100).put("completion_tokens", 20).put("total_tokens", 120));
    ctx.response().putHeader("Content-Type", "application/json").end(body.encode());
  }

  @Override
  public void close() {
    server.close().await();
  }
}
