package dev.catwalk.oauth;

import dev.catwalk.Addresses;
import dev.catwalk.deploy.DeploymentRepository;
import dev.catwalk.http.BusRequests;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.sqlclient.Pool;

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
  private final ClientMetadataDocuments documents;
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
    this.documents = new ClientMetadataDocuments(vertx, options.documents(), oauth);
    this.server = new AuthorizationServer(resources, oauth, options, endGrantSessions::apply);
    this.pages = new AuthorizationPages(web, resources, oauth, documents, accounts, deployments,
        SignInThrottle.defaults(), options);
  }

  /** The page infrastructure (one session store and CSRF secret for every page of this gateway). */
  public dev.catwalk.web.Web web() {
    return web;
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

  /** Lets go of what the routes hold outside the pool (the HTTP client of client metadata documents). */
  public Future<Void> close() {
    return documents.close();
  }

  /** The verticle that carries out the admin commands on accounts and grants (deploy it once). */
  public OAuthAdminVerticle adminVerticle() {
    return new OAuthAdminVerticle(accounts, oauth, endGrantSessions);
  }

  /** Mounts the admin REST routes (after the admin token check and the body handler). */
  public static void mountAdmin(Vertx vertx, Router router) {
    router.get("/api/accounts").handler(ctx -> BusRequests.send(vertx, ctx, Addresses.ADMIN_ACCOUNTS_LIST,
        new JsonObject(), 200));
    router.post("/api/accounts").handler(ctx -> BusRequests.send(vertx, ctx, Addresses.ADMIN_ACCOUNTS_ADD,
        BusRequests.jsonBody(ctx), 201));
    router.patch("/api/accounts/:username").handler(ctx -> BusRequests.send(vertx, ctx, Addresses.ADMIN_ACCOUNTS_ROLE,
        BusRequests.jsonBody(ctx).put("username", ctx.pathParam("username")), 200));
    router.delete("/api/accounts/:username").handler(ctx -> BusRequests.send(vertx, ctx,
        Addresses.ADMIN_ACCOUNTS_REMOVE, new JsonObject().put("username", ctx.pathParam("username")), 200));
    router.get("/api/deployments/:id/grants").handler(ctx -> BusRequests.send(vertx, ctx, Addresses.ADMIN_GRANTS_LIST,
        new JsonObject().put("deploymentId", ctx.pathParam("id")), 200));
    router.delete("/api/deployments/:id/grants/:grantId").handler(ctx -> BusRequests.send(vertx, ctx,
        Addresses.ADMIN_GRANTS_REVOKE, new JsonObject().put("deploymentId", ctx.pathParam("id"))
            .put("grantId", ctx.pathParam("grantId")), 200));
  }
}
