package dev.catwalk.http;

import dev.catwalk.error.Failures;
import dev.catwalk.error.Problem;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * The router's one failure sink: turns the failure of any route into a problem response through
 * {@link Failures}; a 503 also tells the client when to retry.
 */
public final class FailureHandler implements Handler<RoutingContext> {

  @Override
  public void handle(RoutingContext ctx) {
    Problem problem = ctx.failure() == null
        ? new Problem(ctx.statusCode() > 0 ? ctx.statusCode() : 500, Failures.reason(ctx.statusCode() > 0 ? ctx.statusCode() : 500), null)
        : Failures.problem(ctx.failure(), ctx.request().method() + " " + ctx.normalizedPath());
    if (problem.status() == 503) {
      ctx.response().putHeader("Retry-After", "5");
    }
    problem.send(ctx.response());
  }
}
