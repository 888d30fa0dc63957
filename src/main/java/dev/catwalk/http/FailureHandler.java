package dev.catwalk.http;

import dev.catwalk.db.DatabaseException;
import io.vertx.core.Handler;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.json.DecodeException;
import io.vertx.ext.web.RoutingContext;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.NoSuchElementException;

/**
 * The one place where failures become HTTP responses: an {@link HttpException} keeps its status,
 * known exception types map to 4xx/503, and anything else is a 500 whose details go only to the log.
 */
public final class FailureHandler implements Handler<RoutingContext> {

  private static final Logger LOG = LoggerFactory.getLogger(FailureHandler.class);

  @Override
  public void handle(RoutingContext ctx) {
    problemFor(ctx).send(ctx.response());
  }

  private static Problem problemFor(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    if (failure == null) {
      int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
      return new Problem(status, reason(status), null);
    }
    if (failure instanceof HttpException http) {
      return new Problem(http.status(), reason(http.status()), http.getMessage());
    }
    if (failure instanceof DecodeException) {
      return new Problem(400, reason(400), "the body is not valid JSON");
    }
    if (failure instanceof IllegalArgumentException || failure instanceof ClassCastException) {
      return new Problem(400, reason(400), failure.getMessage());
    }
    if (failure instanceof NoSuchElementException) {
      return new Problem(404, reason(404), failure.getMessage());
    }
    if (failure instanceof DatabaseException || failure instanceof ClosedConnectionException
        || failure instanceof java.net.ConnectException || isConnectionFailure(failure)) {
      LOG.warn("database unavailable on {} {}: {}", ctx.request().method(), ctx.normalizedPath(), failure.getMessage());
      ctx.response().putHeader("Retry-After", "5");
      return new Problem(503, reason(503), "the database is unavailable; try again shortly");
    }
    LOG.error("unexpected failure on {} {}", ctx.request().method(), ctx.normalizedPath(), failure);
    return new Problem(500, reason(500), "an unexpected error occurred");
  }

  private static boolean isConnectionFailure(Throwable failure) {
    if (failure instanceof PgException pg) {
      String code = pg.getSqlState();
      return code != null && (code.startsWith("08") || code.startsWith("57P"));
    }
    return failure instanceof java.util.concurrent.TimeoutException;
  }

  private static String reason(int status) {
    return HttpResponseStatus.valueOf(status).reasonPhrase();
  }
}
