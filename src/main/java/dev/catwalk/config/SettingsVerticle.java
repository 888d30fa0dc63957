package dev.catwalk.config;

import dev.catwalk.Addresses;
import dev.catwalk.BusCommands;
import dev.catwalk.error.BadRequestException;
import dev.catwalk.error.Validation;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one writer of stored settings: {@link Addresses#ADMIN_SETTINGS_GET} tells which settings are set and where
 * (never a secret value), {@link Addresses#ADMIN_SETTINGS_UPDATE} checks and applies changes (as the message's actor,
 * recorded in the audit trail), then publishes {@link Addresses#SETTINGS_CHANGED}. The REST API, the console and the
 * admin channel all send these commands.
 */
public final class SettingsVerticle extends VerticleBase {

  /** The longest value a secret setting takes. */
  public static final int MAX_VALUE_LENGTH = 4096;

  private final SettingsRepository settings;
  private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();

  public SettingsVerticle(SettingsRepository settings) {
    this.settings = settings;
  }

  @Override
  public Future<?> start() {
    consumers.add(BusCommands.consumer(vertx, Addresses.ADMIN_SETTINGS_GET, m -> settings.describe()));
    consumers.add(BusCommands.consumer(vertx, Addresses.ADMIN_SETTINGS_UPDATE, this::update));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  @Override
  public Future<?> stop() {
    return Future.all(consumers.stream().map(MessageConsumer::unregister).toList());
  }

  private Future<JsonObject> update(Message<JsonObject> message) {
    JsonObject body = message.body() == null ? new JsonObject() : message.body();
    Map<String, Object> changes = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    for (String name : body.fieldNames()) {
      Object value = body.getValue(name);
      if (settings.isSwitch(name)) {
        if (value != null && !(value instanceof Boolean)) {
          problems.add(Validation.printable(name) + ": must be true or false (or null for the configured default)");
        }
      } else if (value != null && !(value instanceof String text && !text.isBlank()
          && text.length() <= MAX_VALUE_LENGTH)) {
        problems.add(Validation.printable(name) + ": must be a non-empty string of at most " + MAX_VALUE_LENGTH
            + " characters (or null to clear)");
      }
      changes.put(name, value);
    }
    if (!problems.isEmpty()) {
      return Future.failedFuture(new BadRequestException(String.join("; ", problems)));
    }
    String actor = message.headers().get(Addresses.ACTOR_HEADER);
    return settings.update(changes, actor == null ? "system" : actor)
        .onSuccess(v -> vertx.eventBus().publish(Addresses.SETTINGS_CHANGED, new JsonObject()
            .put("names", new JsonArray(new ArrayList<>(changes.keySet())))))
        .compose(v -> settings.describe());
  }
}
