package dev.catwalk.admin;

import dev.catwalk.Addresses;
import dev.catwalk.http.BusRequests;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/**
 * The operator commands over REST under {@code /api/admin}, behind the admin token; each route is
 * one {@code catwalk.admin.*} command, the same ones {@code catwalk admin} sends.
 */
public final class AdminRoutes {

  /** Base path. */
  public static final String PATH = "/api/admin";

  private AdminRoutes() {
  }

  /** Mounts the routes. */
  public static void mount(Vertx vertx, Router router) {
    router.get(PATH + "/sessions").handler(ctx -> BusRequests.send(vertx, ctx, Addresses.ADMIN_SESSIONS_LIST,
        new JsonObject().put("deploymentId", ctx.queryParams().get("deploymentId")), 200));
    router.delete(PATH + "/sessions/:sessionId").handler(ctx -> BusRequests.send(vertx, ctx,
        Addresses.ADMIN_SESSIONS_END, new JsonObject().put("sessionId", ctx.pathParam("sessionId")), 200));
    router.post(PATH + "/deployments/:id/stop").handler(ctx -> BusRequests.send(vertx, ctx,
        Addresses.ADMIN_DEPLOYMENTS_STOP, new JsonObject().put("id", ctx.pathParam("id")), 200));
    router.post(PATH + "/deployments/:id/restart").handler(ctx -> BusRequests.send(vertx, ctx,
        Addresses.ADMIN_DEPLOYMENTS_RESTART, new JsonObject().put("id", ctx.pathParam("id")), 200));
    router.post(PATH + "/drain").handler(ctx -> BusRequests.send(vertx, ctx, Addresses.ADMIN_DRAIN,
        BusRequests.jsonBody(ctx), 200));
    router.post(PATH + "/rotate-key").handler(ctx -> BusRequests.send(vertx, ctx, Addresses.ADMIN_ROTATE_KEY,
        new JsonObject(), 200));
  }
}
