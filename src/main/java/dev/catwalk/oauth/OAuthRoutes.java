package dev.catwalk.oauth;

import dev.catwalk.deploy.DeploymentRepository;
import dev.catwalk.http.HttpException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.sqlclient.Pool;

import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * Everything OAuth brings to the gateway's router, in three places: public routes (metadata,
 * authorization server, sign-in and consent pages), the hook in front of the MCP endpoint, and admin
 * REST routes (accounts, grants) behind the admin token.
 */
public final class OAuthRoutes {

  private final Resources resources;
  private final OAuthRepository oauth;
  private final AccountRepository accounts;
  private final ProtectedResourceRoutes protectedResources;
  private final AuthorizationServer server;
  private final AuthorizationPages pages;
  private final dev.catwalk.web.Web web;
  private final Function<UUID, Future<Integer>> endGrantSessions;

  /**
   * @param endGrantSessions ends the MCP sessions opened under a grant (credential id
   *                         {@link OAuthBearer#credentialId}); completes with how many
   */
  public OAuthRoutes(Vertx vertx, Pool pool, String publicUrl, DeploymentRepository deployments, OAuthOptions options,
                     Function<UUID, Future<Integer>> endGrantSessions) {
    this.resources = new Resources(publicUrl);
    this.oauth = new OAuthRepository(pool);
    this.accounts = new AccountRepository(vertx, pool);
    this.endGrantSessions = endGrantSessions;
    this.web = new dev.catwalk.web.Web(vertx, resources.https());
    this.protectedResources = new ProtectedResourceRoutes(resources, deployments);
    this.server = new AuthorizationServer(resources, oauth, options, endGrantSessions::apply);
    this.pages = new AuthorizationPages(web, resources, oauth, accounts, deployments, SignInThrottle.defaults(),
        options);
  }

  /** The page infrastructure (one session store and CSRF secret for every page of this gateway). */
  public dev.catwalk.web.Web web() {
    return web;
  }

  /** The OAuth grants of a deployment (newest first), as {@code GET /api/deployments/{id}/grants} lists them. */
  public Future<List<JsonObject>> grants(UUID deployment) {
    return oauth.grants(deployment);
  }

  /** Revokes a live grant of a deployment and ends its sessions; completes with false when there is no such live grant. */
  public Future<Boolean> revokeGrant(UUID deployment, UUID grant, String reason) {
    return oauth.revokeGrant(deployment, grant, reason).compose(revoked -> revoked
        ? endGrantSessions.apply(grant).map(ended -> true) : Future.succeededFuture(false));
  }

  /** The public URLs (resource metadata, challenges). */
  public Resources resources() {
    return resources;
  }

  /** Mounts the public routes: metadata documents, authorization server, pages and their stylesheet. */
  public void mountPublic(Router router) {
    protectedResources.mount(router);
    server.mount(router);
    web.mountStatic(router);
    pages.mount(router);
  }

  /** Mounts the OAuth token lookup in front of the MCP endpoint at {@code path} (call before the endpoint mounts). */
  public void mountBeforeMcp(Router router, String path) {
    router.route(path).handler(new OAuthBearer(oauth));
  }

  /** Mounts the admin REST routes (after the admin token check and the body handler). */
  public void mountAdmin(Router router) {
    router.get("/api/accounts").handler(ctx -> accounts.list().onSuccess(list -> json(ctx, 200,
        new JsonObject().put("accounts", new JsonArray(list.stream().map(Account::toJson).toList())))).onFailure(ctx::fail));
    router.post("/api/accounts").handler(this::createAccount);
    router.delete("/api/accounts/:username").handler(this::removeAccount);
    router.get("/api/deployments/:id/grants").handler(ctx -> oauth.grants(id(ctx))
        .onSuccess(list -> json(ctx, 200, new JsonObject().put("grants", new JsonArray(list)))).onFailure(ctx::fail));
    router.delete("/api/deployments/:id/grants/:grantId").handler(this::revokeGrant);
  }

  private void createAccount(RoutingContext ctx) {
    JsonObject body = ctx.body().asJsonObject();
    if (body == null) {
      ctx.fail(new HttpException(400, "the body must be a JSON object {username, password, role}"));
      return;
    }
    dev.catwalk.http.Validation.rejectUnknownFields(body, "", List.of("username", "password", "role"));
    Object username = body.getValue("username");
    Object password = body.getValue("password");
    accounts.create(username instanceof String u ? u : null, password instanceof String p ? p : null,
            body.getString("role", Account.MEMBER))
        .onSuccess(account -> json(ctx, 201, account.toJson())).onFailure(ctx::fail);
  }

  private void removeAccount(RoutingContext ctx) {
    accounts.remove(ctx.pathParam("username")).compose(found -> {
      if (found.isEmpty()) {
        return Future.failedFuture(new HttpException(404, "no such account"));
      }
      return Future.all(found.get().stream().map(endGrantSessions).toList()).<Void>mapEmpty();
    }).onSuccess(v -> ctx.response().setStatusCode(204).end()).onFailure(ctx::fail);
  }

  private void revokeGrant(RoutingContext ctx) {
    UUID deployment = id(ctx);
    UUID grant = uuid(ctx.pathParam("grantId"), "no such grant");
    oauth.revokeGrant(deployment, grant, "revoked by an administrator").compose(revoked -> revoked
            ? endGrantSessions.apply(grant).map(ended -> new JsonObject().put("revoked", true).put("sessionsEnded", ended))
            : Future.failedFuture(new HttpException(404, "no live grant with that id on this deployment")))
        .onSuccess(body -> json(ctx, 200, body)).onFailure(ctx::fail);
  }

  private static UUID id(RoutingContext ctx) {
    return uuid(ctx.pathParam("id"), "no such deployment");
  }

  private static UUID uuid(String value, String notFound) {
    try {
      return UUID.fromString(value);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new HttpException(404, notFound);
    }
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }
}
