package dev.catwalk.catalog;

import dev.catwalk.error.ApiException;
import dev.catwalk.error.BadRequestException;
import dev.catwalk.error.Validation;
import dev.catwalk.Addresses;
import dev.catwalk.http.BusRequests;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The catalog REST resource under {@code /api/catalog}; each route is one {@code catwalk.catalog.*}
 * command. Mounted behind the admin token.
 */
public final class CatalogRoutes {

  /** Base path of the resource. */
  public static final String PATH = "/api/catalog";

  private final Vertx vertx;

  private CatalogRoutes(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Mounts the routes. */
  public static void mount(Vertx vertx, Router router) {
    CatalogRoutes routes = new CatalogRoutes(vertx);
    router.get(PATH).handler(routes::search);
    router.get(PATH + "/status").handler(ctx -> BusRequests.send(vertx, ctx, Addresses.CATALOG_STATUS,
        new JsonObject(), 200));
    router.post(PATH + "/sync").handler(routes::sync);
    router.get(PATH + "/:catalogId").handler(routes::get);
  }

  private void search(RoutingContext ctx) {
    JsonObject body = new JsonObject();
    for (String name : new String[] {"q", "runtime", "backend", "cursor", "limit"}) {
      String value = ctx.queryParams().get(name);
      if (value != null) {
        body.put(name, value);
      }
    }
    BusRequests.send(vertx, ctx, Addresses.CATALOG_SEARCH, body, 200);
  }

  private void get(RoutingContext ctx) {
    JsonObject body = new JsonObject().put("id", ctx.pathParam("catalogId"))
        .put("version", ctx.queryParams().get("version"))
        .put("refresh", "true".equals(ctx.queryParams().get("refresh")));
    BusRequests.send(vertx, ctx, Addresses.CATALOG_GET, body, 200);
  }

  private void sync(RoutingContext ctx) {
    JsonObject body = BusRequests.jsonBody(ctx);
    for (String field : body.fieldNames()) {
      if (!field.equals("source")) {
        throw new BadRequestException(Validation.printable(field) + ": unknown field (allowed: source)");
      }
    }
    BusRequests.send(vertx, ctx, Addresses.CATALOG_SYNC, body, 202);
  }
}
