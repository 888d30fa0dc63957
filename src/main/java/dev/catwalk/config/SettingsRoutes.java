package dev.catwalk.config;

import dev.catwalk.error.ApiException;
import dev.catwalk.error.BadRequestException;
import dev.catwalk.error.Validation;
import dev.catwalk.Addresses;
import dev.catwalk.http.BusRequests;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code GET /api/settings} shows which settings are set and where (never a secret value);
 * {@code PUT /api/settings} sets ({@code "value"}, or {@code true}/{@code false} for a switch) or clears
 * ({@code null}) stored ones, then publishes {@link Addresses#SETTINGS_CHANGED}.
 */
public final class SettingsRoutes {

  /** The resource path. */
  public static final String PATH = "/api/settings";

  private final SettingsRepository settings;
  private final io.vertx.core.eventbus.EventBus bus;

  private SettingsRoutes(SettingsRepository settings, io.vertx.core.eventbus.EventBus bus) {
    this.settings = settings;
    this.bus = bus;
  }

  /** Mounts the routes; changes are announced on {@code bus}. */
  public static void mount(Router router, SettingsRepository settings, io.vertx.core.eventbus.EventBus bus) {
    SettingsRoutes routes = new SettingsRoutes(settings, bus);
    router.get(PATH).handler(routes::get);
    router.put(PATH).handler(routes::put);
  }

  private void get(RoutingContext ctx) {
    settings.describe().onSuccess(body -> BusRequests.respond(ctx, 200, body)).onFailure(ctx::fail);
  }

  private void put(RoutingContext ctx) {
    JsonObject body = BusRequests.jsonBody(ctx);
    Map<String, Object> changes = new LinkedHashMap<>();
    for (String name : body.fieldNames()) {
      Object value = body.getValue(name);
      if (settings.isSwitch(name)) {
        if (value != null && !(value instanceof Boolean)) {
          throw new BadRequestException(Validation.printable(name) + ": must be true or false (or null for the"
              + " configured default)");
        }
      } else if (value != null && !(value instanceof String text && !text.isBlank() && text.length() <= 4096)) {
        throw new BadRequestException(Validation.printable(name) + ": must be a non-empty string (or null to clear)");
      }
      changes.put(name, value);
    }
    settings.update(changes, BusRequests.ADMIN)
        .onSuccess(v -> bus.publish(Addresses.SETTINGS_CHANGED, new JsonObject()
            .put("names", new io.vertx.core.json.JsonArray(new java.util.ArrayList<>(changes.keySet())))))
        .compose(v -> settings.describe())
        .onSuccess(described -> BusRequests.respond(ctx, 200, described)).onFailure(ctx::fail);
  }
}
