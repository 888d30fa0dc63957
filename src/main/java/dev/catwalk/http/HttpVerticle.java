package dev.catwalk.http;

import dev.catwalk.error.Problem;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The HTTP server: one instance per event loop, all sharing the port. It owns no state of its own;
 * routes are mounted by the capability packages through {@code routes}.
 */
public final class HttpVerticle extends VerticleBase {

  private final String host;
  private final int port;
  private final Duration shutdownTimeout;
  private final Consumer<Router> routes;
  private HttpServer server;

  /**
   * @param routes mounts every resource on the router (called once per instance)
   */
  public HttpVerticle(String host, int port, Duration shutdownTimeout, Consumer<Router> routes) {
    this.host = host;
    this.port = port;
    this.shutdownTimeout = shutdownTimeout;
    this.routes = routes;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    routes.accept(router);
    router.errorHandler(404, ctx -> new Problem(404, "Not Found", "no resource at " + ctx.normalizedPath())
        .send(ctx.response()));
    router.errorHandler(405, ctx -> new Problem(405, "Method Not Allowed", ctx.request().method()
        + " is not supported at " + ctx.normalizedPath()).send(ctx.response()));
    router.route().failureHandler(new FailureHandler());
    server = vertx.createHttpServer(new HttpServerOptions()
        .setHost(host)
        .setPort(port)
        .setCompressionSupported(false)
        .setIdleTimeout(0));
    return server.requestHandler(router).listen();
  }

  /** Stops accepting connections and lets in-flight requests finish, for at most the shutdown timeout. */
  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture()
        : server.shutdown(shutdownTimeout.toMillis(), TimeUnit.MILLISECONDS);
  }
}
