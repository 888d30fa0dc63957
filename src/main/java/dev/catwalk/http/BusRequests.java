package dev.catwalk.http;

import dev.catwalk.error.BadRequestException;
import dev.catwalk.Addresses;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamReadException;
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

  /**
   * The request body as a JSON object: 415 unless it is declared {@code application/json} (or {@code +json}),
   * 400 when it is not one JSON object, repeats a key, or holds a string a process cannot carry.
   */
  public static JsonObject jsonBody(RoutingContext ctx) {
    io.vertx.core.buffer.Buffer buffer = ctx.body().buffer();
    if (buffer == null || buffer.length() == 0) {
      return new JsonObject();
    }
    requireJsonContentType(ctx.request().getHeader("Content-Type"));
    requireUniqueKeys(buffer);
    Object value = io.vertx.core.json.Json.decodeValue(buffer);
    if (!(value instanceof JsonObject object)) {
      throw new BadRequestException("the body must be a JSON object");
    }
    dev.catwalk.error.Validation.requireCarriableText(object, "");
    return object;
  }

  private static void requireJsonContentType(String contentType) {
    String type = contentType == null ? "" : contentType.split(";", 2)[0].strip().toLowerCase(java.util.Locale.ROOT);
    if (!type.equals("application/json") && !(type.startsWith("application/") && type.endsWith("+json"))) {
      throw new dev.catwalk.error.UnsupportedMediaTypeException("the body must be sent as Content-Type: application/json");
    }
  }

  /** 400 naming the first key that an object of the body has twice (JSON leaves the meaning open). */
  private static void requireUniqueKeys(io.vertx.core.buffer.Buffer buffer) {
    JsonParser parser = null;
    try {
      parser = STRICT_JSON.createParser(buffer.getBytes());
      while (parser.nextToken() != null) {
        // every key is checked as it is read
      }
    } catch (StreamReadException e) {
      if (e.getMessage() != null && e.getMessage().startsWith("Duplicate field")) {
        throw new BadRequestException("the key \"" + dev.catwalk.error.Validation.printable(String.valueOf(currentName(parser)))
            + "\" appears twice in one object");
      }
      // not JSON at all: the decoder below says so
    } catch (java.io.IOException e) {
      // the same
    }
  }

  private static String currentName(JsonParser parser) {
    try {
      return parser.currentName();
    } catch (java.io.IOException e) {
      return "?";
    }
  }

  private static final JsonFactory STRICT_JSON = JsonFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
}
