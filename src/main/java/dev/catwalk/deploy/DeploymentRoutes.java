package dev.catwalk.deploy;

import dev.catwalk.error.BadRequestException;
import dev.catwalk.Addresses;
import dev.catwalk.http.BusRequests;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The deployments REST resource under {@code /api/deployments}; each route is one
 * {@code catwalk.deployments.*} command. Mounted behind the admin token and a body size limit.
 */
public final class DeploymentRoutes {

  /** Base path of the resource. */
  public static final String PATH = "/api/deployments";

  private final Vertx vertx;

  private DeploymentRoutes(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Mounts the routes. */
  public static void mount(Vertx vertx, Router router) {
    DeploymentRoutes routes = new DeploymentRoutes(vertx);
    router.post(PATH).handler(routes::create);
    router.get(PATH).handler(routes::list);
    router.get(PATH + "/:id").handler(ctx -> routes.byId(ctx, Addresses.DEPLOYMENTS_GET, 200));
    router.patch(PATH + "/:id").handler(routes::update);
    router.delete(PATH + "/:id").handler(ctx -> routes.byId(ctx, Addresses.DEPLOYMENTS_DELETE, 200));
    router.post(PATH + "/:id/restart").handler(ctx -> routes.byId(ctx, Addresses.DEPLOYMENTS_RESTART, 200));
    router.post(PATH + "/:id/stop").handler(ctx -> routes.byId(ctx, Addresses.DEPLOYMENTS_STOP, 200));
    router.get(PATH + "/:id/logs").handler(routes::logs);
    router.post(PATH + "/:id/tokens").handler(routes::createToken);
    router.delete(PATH + "/:id/tokens/:tokenId").handler(routes::revokeToken);
  }

  private void create(RoutingContext ctx) {
    JsonObject body = BusRequests.jsonBody(ctx);
    ctx.response().putHeader("Cache-Control", "no-store");
    BusRequests.send(vertx, ctx, Addresses.DEPLOYMENTS_CREATE, body, 201);
  }

  private void list(RoutingContext ctx) {
    JsonObject body = new JsonObject().put("limit", ctx.queryParams().get("limit"))
        .put("offset", ctx.queryParams().get("offset"));
    BusRequests.send(vertx, ctx, Addresses.DEPLOYMENTS_LIST, body, 200);
  }

  private void update(RoutingContext ctx) {
    JsonObject body = BusRequests.jsonBody(ctx);
    if (body.containsKey("id")) {
      throw new BadRequestException("id: cannot be changed");
    }
    BusRequests.send(vertx, ctx, Addresses.DEPLOYMENTS_UPDATE, body.put("id", ctx.pathParam("id")), 200);
  }

  private void logs(RoutingContext ctx) {
    JsonObject body = new JsonObject().put("id", ctx.pathParam("id")).put("limit", ctx.queryParams().get("limit"));
    BusRequests.send(vertx, ctx, Addresses.DEPLOYMENTS_LOGS, body, 200);
  }

  private void createToken(RoutingContext ctx) {
    JsonObject body = BusRequests.jsonBody(ctx);
    dev.catwalk.error.Validation.rejectUnknownFields(body, "", java.util.List.of("label"));
    ctx.response().putHeader("Cache-Control", "no-store");
    BusRequests.send(vertx, ctx, Addresses.DEPLOYMENTS_TOKEN_CREATE, body.put("id", ctx.pathParam("id")), 201);
  }

  private void revokeToken(RoutingContext ctx) {
    JsonObject body = new JsonObject().put("id", ctx.pathParam("id")).put("tokenId", ctx.pathParam("tokenId"));
    BusRequests.send(vertx, ctx, Addresses.DEPLOYMENTS_TOKEN_REVOKE, body, 200);
  }

  private void byId(RoutingContext ctx, String address, int status) {
    BusRequests.send(vertx, ctx, address, new JsonObject().put("id", ctx.pathParam("id")), status);
  }
}
