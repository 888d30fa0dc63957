package dev.catwalk.error;

import dev.catwalk.crypto.CryptoException;
import dev.catwalk.db.DatabaseException;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.DecodeException;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one mapping from failures to HTTP statuses and safe messages, used by the router's failure
 * handler and by event-bus consumers ({@link #reply}), so a failure reads the same whichever way it
 * travels. An {@link ApiException} answers with its status and message; a reply failure keeps the
 * status its consumer gave; an unreachable database is a 503 and a taken unique key a 409. Anything
 * else is a bug: a 500 with a generic message, and the stack trace goes only to the log.
 */
public final class Failures {

  private static final Logger LOG = LoggerFactory.getLogger(Failures.class);
  private static final String UNIQUE_VIOLATION = "23505";

  private Failures() {
  }

  /** The problem to answer {@code failure} with; {@code where} names the operation for the log. */
  public static Problem problem(Throwable failure, String where) {
    if (failure instanceof ApiException known) {
      return of(known.status(), known.getMessage());
    }
    if (failure instanceof ReplyException reply) {
      return switch (reply.failureType()) {
        case RECIPIENT_FAILURE -> reply.failureCode() >= 400 && reply.failureCode() < 600
            ? of(reply.failureCode(), reply.getMessage()) : of(500, "an unexpected error occurred");
        case TIMEOUT -> of(504, "the operation timed out; it may still complete");
        default -> of(503, "the service is not available; try again shortly");
      };
    }
    if (failure instanceof DecodeException) {
      return of(400, "the body is not valid JSON");
    }
    if (failure instanceof PgException pg && UNIQUE_VIOLATION.equals(pg.getSqlState())) {
      return of(409, "it already exists");
    }
    if (isDatabaseUnavailable(failure)) {
      LOG.warn("database unavailable during {}: {}", where, failure.getMessage());
      return of(503, "the database is unavailable; try again shortly");
    }
    if (failure instanceof CryptoException) {
      LOG.error("cannot decrypt during {}: {}", where, failure.getMessage());
      return of(500, "stored secrets cannot be decrypted with the configured keys; see the server log");
    }
    LOG.error("unexpected failure during {}", where, failure);
    return of(500, "an unexpected error occurred");
  }

  /** Fails an event-bus request with the status and safe message of {@code failure}. */
  public static void reply(Message<?> message, Throwable failure) {
    Problem problem = problem(failure, message.address());
    message.fail(problem.status(), problem.detail());
  }

  /** Whether {@code failure} means the database cannot be reached right now. */
  public static boolean isDatabaseUnavailable(Throwable failure) {
    if (failure instanceof DatabaseException || failure instanceof ClosedConnectionException
        || failure instanceof java.net.ConnectException || failure instanceof java.util.concurrent.TimeoutException) {
      return true;
    }
    if (failure instanceof PgException pg) {
      String code = pg.getSqlState();
      return code != null && (code.startsWith("08") || code.startsWith("57P"));
    }
    return failure instanceof io.vertx.core.VertxException && failure.getMessage() != null
        && failure.getMessage().toLowerCase(java.util.Locale.ROOT).contains("connection");
  }

  /** The reason phrase of a status. */
  public static String reason(int status) {
    return HttpResponseStatus.valueOf(status).reasonPhrase();
  }

  private static Problem of(int status, String detail) {
    return new Problem(status, reason(status), detail);
  }
}
