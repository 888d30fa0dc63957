package dev.catwalk.config;

import dev.catwalk.Addresses;
import dev.catwalk.http.BusRequests;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;

/**
 * {@code GET /api/settings} shows which settings are set and where (never a secret value);
 * {@code PUT /api/settings} sets ({@code "value"}, or {@code true}/{@code false} for a switch) or clears
 * ({@code null}) stored ones. Both are the {@link SettingsVerticle}'s commands ({@link Addresses#ADMIN_SETTINGS_GET},
 * {@link Addresses#ADMIN_SETTINGS_UPDATE}), which the console sends too.
 */
public final class SettingsRoutes {

  /** The resource path. */
  public static final String PATH = "/api/settings";

  private SettingsRoutes() {
  }

  /** Mounts the routes (after the admin token check and the body handler). */
  public static void mount(Vertx vertx, Router router) {
    router.get(PATH).handler(ctx -> BusRequests.send(vertx, ctx, Addresses.ADMIN_SETTINGS_GET,
        new io.vertx.core.json.JsonObject(), 200));
    router.put(PATH).handler(ctx -> BusRequests.send(vertx, ctx, Addresses.ADMIN_SETTINGS_UPDATE,
        BusRequests.jsonBody(ctx), 200));
  }
}
