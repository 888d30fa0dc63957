package dev.catwalk.analysis;

import dev.catwalk.Addresses;
import dev.catwalk.http.BusRequests;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The repository analysis REST resource: {@code POST /api/analyze {repoUrl, ref?}} (and
 * {@code ?refresh=true}) is the {@link Addresses#ANALYSIS_ANALYZE} command. Mounted behind the
 * admin token and a body size limit.
 */
public final class AnalysisRoutes {

  /** Path of the resource. */
  public static final String PATH = "/api/analyze";

  private AnalysisRoutes() {
  }

  /** Mounts the route. */
  public static void mount(Vertx vertx, Router router) {
    router.post(PATH).handler(ctx -> analyze(vertx, ctx));
  }

  private static void analyze(Vertx vertx, RoutingContext ctx) {
    JsonObject body = BusRequests.jsonBody(ctx);
    String refresh = ctx.queryParams().get("refresh");
    if (refresh != null) {
      body.put("refresh", "true".equalsIgnoreCase(refresh) || "1".equals(refresh));
    }
    BusRequests.send(vertx, ctx, Addresses.ANALYSIS_ANALYZE, body, 200);
  }
}
