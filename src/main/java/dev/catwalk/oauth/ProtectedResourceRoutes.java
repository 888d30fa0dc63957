package dev.catwalk.oauth;

import dev.catwalk.deploy.DeploymentRepository;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.UUID;

/**
 * RFC 9728 Protected Resource Metadata, one document per deployment at
 * {@code /.well-known/oauth-protected-resource/api/mcp/{id}}: its {@code resource} is the exact public
 * MCP URL of that deployment and its authorization server is this gateway. There is deliberately no
 * document at the bare well-known path: it would name the whole gateway as one resource.
 */
public final class ProtectedResourceRoutes {

  private final Resources resources;
  private final DeploymentRepository deployments;

  public ProtectedResourceRoutes(Resources resources, DeploymentRepository deployments) {
    this.resources = resources;
    this.deployments = deployments;
  }

  /** Mounts the metadata route (with CORS for browser clients). */
  public void mount(Router router) {
    String path = Resources.PRM_WELL_KNOWN + Resources.MCP_PREFIX + ":id";
    router.route(path).handler(new Cors());
    router.get(path).handler(this::metadata);
  }

  private void metadata(RoutingContext ctx) {
    UUID id;
    try {
      id = UUID.fromString(ctx.pathParam("id"));
    } catch (IllegalArgumentException e) {
      ctx.fail(new dev.catwalk.error.NotFoundException("no such deployment"));
      return;
    }
    deployments.find(id).onSuccess(found -> {
      if (found.isEmpty()) {
        ctx.fail(new dev.catwalk.error.NotFoundException("no such deployment"));
        return;
      }
      JsonObject body = new JsonObject()
          .put("resource", resources.resource(id))
          .put("authorization_servers", new JsonArray().add(resources.issuer()))
          .put("scopes_supported", new JsonArray().add(Resources.MCP_SCOPE))
          .put("bearer_methods_supported", new JsonArray().add("header"))
          .put("resource_name", found.get().name());
      ctx.response().putHeader("Content-Type", "application/json")
          .putHeader("Cache-Control", "public, max-age=300")
          .end(body.encode());
    }).onFailure(ctx::fail);
  }
}
