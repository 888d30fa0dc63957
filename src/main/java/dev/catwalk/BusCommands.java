package dev.catwalk;

import dev.catwalk.error.ApiException;
import dev.catwalk.error.BadRequestException;
import dev.catwalk.error.Failures;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.util.function.Function;

/**
 * Consumers of event-bus commands: the handler's future becomes the reply, and its failure a
 * {@code fail(status, reason)} through {@link Failures}, also when the handler throws.
 */
public final class BusCommands {

  private BusCommands() {
  }

  /**
   * A whole number from a command body: {@code fallback} when absent, else a number (or its text) from
   * {@code min} to {@code max}.
   *
   * @throws ApiException 400 naming the field and the range
   */
  public static int wholeNumber(JsonObject body, String field, int fallback, int min, int max) {
    Object value = body.getValue(field);
    if (value == null) {
      return fallback;
    }
    try {
      int number = Integer.parseInt(String.valueOf(value));
      if (number >= min && number <= max) {
        return number;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new BadRequestException(field + ": must be a whole number from " + min + " to " + max);
  }

  /** Registers {@code handler} for the commands sent to {@code address}. */
  public static MessageConsumer<JsonObject> consumer(Vertx vertx, String address,
                                                     Function<Message<JsonObject>, Future<?>> handler) {
    return vertx.eventBus().consumer(address, message -> {
      Future<?> result;
      try {
        result = handler.apply(message);
      } catch (RuntimeException e) {
        result = Future.failedFuture(e);
      }
      result.onSuccess(message::reply).onFailure(e -> Failures.reply(message, e));
    });
  }
}
