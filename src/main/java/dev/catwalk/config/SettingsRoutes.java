package dev.catwalk.config;

import dev.catwalk.http.BusRequests;
import dev.catwalk.http.HttpException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code GET /api/settings} shows which settings are set and where (never a value);
 * {@code PUT /api/settings} sets ({@code "value"}) or clears ({@code null}) stored ones.
 */
public final class SettingsRoutes {

  /** The resource path. */
  public static final String PATH = "/api/settings";

  private final SettingsRepository settings;

  private SettingsRoutes(SettingsRepository settings) {
    this.settings = settings;
  }

  /** Mounts the routes. */
  public static void mount(Router router, SettingsRepository settings) {
    SettingsRoutes routes = new SettingsRoutes(settings);
    router.get(PATH).handler(routes::get);
    router.put(PATH).handler(routes::put);
  }

  private void get(RoutingContext ctx) {
    settings.describe().onSuccess(body -> BusRequests.respond(ctx, 200, body)).onFailure(ctx::fail);
  }

  private void put(RoutingContext ctx) {
    JsonObject body = BusRequests.jsonBody(ctx);
    Map<String, String> changes = new LinkedHashMap<>();
    for (String name : body.fieldNames()) {
      Object value = body.getValue(name);
      if (value != null && !(value instanceof String text && !text.isBlank() && text.length() <= 4096)) {
        throw new HttpException(400, HttpException.printable(name) + ": must be a non-empty string (or null to clear)");
      }
      changes.put(name, (String) value);
    }
    settings.update(changes, BusRequests.ADMIN).compose(v -> settings.describe())
        .onSuccess(described -> BusRequests.respond(ctx, 200, described)).onFailure(ctx::fail);
  }
}
