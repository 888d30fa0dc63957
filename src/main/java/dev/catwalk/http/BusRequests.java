package dev.catwalk.http;

import dev.catwalk.error.BadRequestException;
import dev.catwalk.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.time.Duration;

/**
 * REST handlers translate HTTP into event-bus commands: {@link #send} sends the command as the
 * admin and writes the reply as JSON, or fails the routing context so the {@link FailureHandler}
 * answers with a problem.
 */
public final class BusRequests {

  /** How long a REST request waits for its command's reply. */
  public static final Duration TIMEOUT = Duration.ofSeconds(60);
  /** The actor the REST API acts as (admin token holders). */
  public static final String ADMIN = "admin";

  private BusRequests() {
  }

  /** Sends {@code body} to {@code address} and answers with the reply and {@code status}. */
  public static void send(Vertx vertx, RoutingContext ctx, String address, JsonObject body, int status) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(TIMEOUT.toMillis())
        .addHeader(Addresses.ACTOR_HEADER, ADMIN);
    vertx.eventBus().<JsonObject>request(address, body, options)
        .onSuccess(reply -> respond(ctx, status, reply.body()))
        .onFailure(ctx::fail);
  }

  /** Writes {@code body} as JSON with {@code status}. */
  public static void respond(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .end(body == null ? "{}" : body.encode());
  }

  /** The request body as a JSON object (400 otherwise). */
  public static JsonObject jsonBody(RoutingContext ctx) {
    io.vertx.core.buffer.Buffer buffer = ctx.body().buffer();
    if (buffer == null || buffer.length() == 0) {
      return new JsonObject();
    }
    Object value = io.vertx.core.json.Json.decodeValue(buffer);
    if (!(value instanceof JsonObject object)) {
      throw new BadRequestException("the body must be a JSON object");
    }
    return object;
  }
}
