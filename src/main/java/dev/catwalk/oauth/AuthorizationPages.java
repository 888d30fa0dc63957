package dev.catwalk.oauth;

import dev.catwalk.crypto.Tokens;
import dev.catwalk.deploy.DeploymentRepository;
import dev.catwalk.web.SignedIn;
import dev.catwalk.web.Web;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The browser side of the authorization server: {@code GET /authorize} checks the request, asks the
 * operator to sign in ({@code /signin}) and shows the consent page; {@code POST /authorize} takes the
 * decision and sends the browser back to the client with a code (or {@code access_denied}). A request
 * whose client or redirect URI cannot be trusted gets an error page and is never redirected.
 */
public final class AuthorizationPages {

  /** The paths these pages answer on (for {@link Web#protect}). */
  public static final String PATHS = "^/(authorize|signin|signout|account)$";
  private static final String PENDING = "catwalk.authorize.";

  private final Web web;
  private final Resources resources;
  private final OAuthRepository oauth;
  private final ClientMetadataDocuments documents;
  private final AccountRepository accounts;
  private final DeploymentRepository deployments;
  private final SignInThrottle throttle;
  private final OAuthOptions options;

  public AuthorizationPages(Web web, Resources resources, OAuthRepository oauth, ClientMetadataDocuments documents,
                            AccountRepository accounts, DeploymentRepository deployments, SignInThrottle throttle,
                            OAuthOptions options) {
    this.web = web;
    this.resources = resources;
    this.oauth = oauth;
    this.documents = documents;
    this.accounts = accounts;
    this.deployments = deployments;
    this.throttle = throttle;
    this.options = options;
  }

  /** Mounts the pages (after {@link Web#protect} for {@link #PATHS}). */
  public void mount(Router router) {
    web.protect(router, PATHS);
    router.get(AuthorizationServer.AUTHORIZE).handler(this::authorize);
    router.post(AuthorizationServer.AUTHORIZE).handler(this::decide);
    router.get("/signin").handler(ctx -> signInPage(ctx, 200, ctx.queryParams().get("next"), null, null));
    router.post("/signin").handler(this::signIn);
    router.post("/signout").handler(ctx -> {
      SignedIn.signOut(ctx);
      ctx.response().setStatusCode(303).putHeader("Location", "/signin").end();
    });
    router.get("/account").handler(this::account);
  }

  /** A checked authorization request, kept in the session while the operator decides. */
  private record Request(String clientId, String clientName, String redirectUri, String state, String challenge,
                         String scope, UUID deploymentId, String deploymentName) {
    JsonObject toJson() {
      return new JsonObject().put("clientId", clientId).put("clientName", clientName).put("redirectUri", redirectUri)
          .put("state", state).put("challenge", challenge).put("scope", scope)
          .put("deploymentId", deploymentId.toString()).put("deploymentName", deploymentName);
    }

    static Request of(JsonObject json) {
      return new Request(json.getString("clientId"), json.getString("clientName"), json.getString("redirectUri"),
          json.getString("state"), json.getString("challenge"), json.getString("scope"),
          UUID.fromString(json.getString("deploymentId")), json.getString("deploymentName"));
    }
  }

  /** A refusal sent back to the client's redirect URI (RFC 6749 §4.1.2.1). */
  private static final class Redirected extends RuntimeException {
    final String error;

    Redirected(String error, String description) {
      super(description, null, false, false);
      this.error = error;
    }
  }

  /** A refusal shown on an error page, because the redirect URI cannot be trusted. */
  private static final class Shown extends RuntimeException {
    Shown(String message) {
      super(message, null, false, false);
    }
  }

  private void authorize(RoutingContext ctx) {
    MultiMap params = ctx.queryParams();
    String clientId = params.get("client_id");
    if (clientId == null) {
      message(ctx, 400, "This link is incomplete", "The application sent no client_id.");
      return;
    }
    documents.lookup(clientId).recover(AuthorizationPages::shown).compose(found -> {
      if (found.isEmpty()) {
        throw new Shown("The application is not registered here (unknown client_id). It should register again.");
      }
      OAuthRepository.Client client = found.get();
      String redirect = params.get("redirect_uri");
      if (redirect == null && client.redirectUris().size() == 1) {
        redirect = client.redirectUris().get(0);
      }
      if (!RedirectUris.matches(redirect, client.redirectUris())) {
        throw new Shown("The application asked to be answered at an address it did not register.");
      }
      String redirectUri = redirect;
      return checked(params, client, redirectUri).recover(e -> {
        if (e instanceof Redirected refusal) {
          redirectBack(ctx, redirectUri, params.get("state"), refusal.error, refusal.getMessage());
          return Future.succeededFuture();
        }
        return Future.failedFuture(e);
      }).map(request -> {
        if (request != null) {
          proceed(ctx, request);
        }
        return null;
      });
    }).onFailure(e -> {
      if (e instanceof Shown shown) {
        message(ctx, 400, "This application cannot connect", shown.getMessage());
      } else {
        ctx.fail(e);
      }
    });
  }

  /** A client that cannot be used (a bad metadata document) is named on the error page, never redirected to. */
  private static Future<java.util.Optional<OAuthRepository.Client>> shown(Throwable e) {
    return Future.failedFuture(e instanceof OAuthError error ? new Shown("The application's identity could not be"
        + " checked (" + error.code() + "): " + error.getMessage() + ".") : e);
  }

  private Future<Request> checked(MultiMap params, OAuthRepository.Client client, String redirectUri) {
    if (!"code".equals(params.get("response_type"))) {
      return Future.failedFuture(new Redirected("unsupported_response_type", "response_type must be code"));
    }
    String challenge = params.get("code_challenge");
    if (challenge == null || !"S256".equals(params.get("code_challenge_method"))
        || !challenge.matches("[A-Za-z0-9_-]{43}")) {
      return Future.failedFuture(new Redirected("invalid_request", "PKCE is required: code_challenge with"
          + " code_challenge_method=S256"));
    }
    String scope = params.get("scope") == null || params.get("scope").isBlank() ? Resources.MCP_SCOPE
        : params.get("scope").strip();
    if (!List.of(Resources.MCP_SCOPE).containsAll(List.of(scope.split("\\s+")))) {
      return Future.failedFuture(new Redirected("invalid_scope", "the only scope is " + Resources.MCP_SCOPE));
    }
    List<String> resource = params.getAll("resource");
    UUID deploymentId = resource.size() == 1 ? resources.deploymentOf(resource.get(0)) : null;
    if (deploymentId == null) {
      return Future.failedFuture(new Redirected("invalid_target", "resource must be one deployment's MCP URL,"
          + " e.g. " + resources.resource(new UUID(0, 0))));
    }
    return deployments.find(deploymentId).compose(found -> found.isEmpty()
        ? Future.failedFuture(new Redirected("invalid_target", "no such deployment"))
        : Future.succeededFuture(new Request(client.clientId(), client.name() == null ? client.clientId() : client.name(),
            redirectUri, params.get("state"), challenge, scope, deploymentId, found.get().name())));
  }

  private void proceed(RoutingContext ctx, Request request) {
    SignedIn user = SignedIn.of(ctx);
    if (user == null) {
      signInPage(ctx, 200, ctx.request().uri(), null, null);
      return;
    }
    String id = OAuthSecrets.shortRandom("");
    ctx.session().put(PENDING + id, request.toJson().encode());
    String target = RedirectUris.cspSource(request.redirectUri());
    Map<String, Object> data = new java.util.HashMap<>(Map.of("clientName", request.clientName(),
        "clientId", request.clientId(), "redirectHost", RedirectUris.displayHost(request.redirectUri()),
        "deploymentName", request.deploymentName(), "resource", resources.resource(request.deploymentId()),
        "loopback", RedirectUris.loopback(request.redirectUri()), "request", id));
    // a metadata document client: its name is vouched for by whoever controls the document's host
    data.put("clientHost", ClientMetadataDocuments.isDocumentUrl(request.clientId())
        ? RedirectUris.displayHost(request.clientId()) : null);
    web.render(ctx, 200, "consent.html", data, target == null ? List.of() : List.of(target)).onFailure(ctx::fail);
  }

  private void decide(RoutingContext ctx) {
    SignedIn user = SignedIn.of(ctx);
    String id = ctx.request().getFormAttribute("request");
    String stored = id == null || ctx.session() == null ? null : ctx.session().remove(PENDING + id);
    if (user == null || stored == null) {
      message(ctx, 400, "This request has expired", "Go back to the application and connect again.");
      return;
    }
    Request request = Request.of(new JsonObject(stored));
    if (!"allow".equals(ctx.request().getFormAttribute("decision"))) {
      redirectBack(ctx, request.redirectUri(), request.state(), "access_denied", "the operator denied access");
      return;
    }
    String code = OAuthSecrets.random(OAuthSecrets.CODE);
    OAuthRepository.Grant grant = new OAuthRepository.Grant(UUID.randomUUID(), request.clientId(), user.accountId(),
        request.deploymentId(), resources.resource(request.deploymentId()), request.scope());
    oauth.grant(grant, Tokens.hash(code), request.redirectUri(), request.challenge(), options.codeTtl())
        .onSuccess(v -> redirect(ctx, request.redirectUri(), "code=" + encode(code)
            + (request.state() == null ? "" : "&state=" + encode(request.state())) + "&iss=" + encode(resources.issuer())))
        .onFailure(ctx::fail);
  }

  private void redirectBack(RoutingContext ctx, String redirectUri, String state, String error, String description) {
    redirect(ctx, redirectUri, "error=" + error + "&error_description=" + encode(description)
        + (state == null ? "" : "&state=" + encode(state)) + "&iss=" + encode(resources.issuer()));
  }

  private static void redirect(RoutingContext ctx, String redirectUri, String query) {
    ctx.response().setStatusCode(303).putHeader("Location", redirectUri + (redirectUri.contains("?") ? "&" : "?") + query)
        .end();
  }

  private void signIn(RoutingContext ctx) {
    String username = ctx.request().getFormAttribute("username");
    String password = ctx.request().getFormAttribute("password");
    String next = safeNext(ctx.request().getFormAttribute("next"));
    String address = ctx.request().remoteAddress() == null ? "?" : ctx.request().remoteAddress().hostAddress();
    String name = username == null ? "" : username.strip().toLowerCase(java.util.Locale.ROOT);
    if (!throttle.allowed(name, address)) {
      signInPage(ctx, 429, next, name, "Too many failed sign-ins. Wait a few minutes and try again.");
      return;
    }
    accounts.authenticate(name, password == null ? "" : password).onSuccess(found -> {
      if (found.isEmpty()) {
        throttle.failed(name, address);
        signInPage(ctx, 401, next, name, "Wrong username or password.");
        return;
      }
      throttle.succeeded(name);
      Account account = found.get();
      new SignedIn(account.id(), account.username(), account.role()).signIn(ctx);
      ctx.response().setStatusCode(303).putHeader("Location", next).end();
    }).onFailure(ctx::fail);
  }

  private void account(RoutingContext ctx) {
    SignedIn user = SignedIn.of(ctx);
    if (user == null) {
      signInPage(ctx, 200, "/account", null, null);
      return;
    }
    message(ctx, 200, "Signed in", "You are signed in as " + user.username() + " (" + user.role() + ").");
  }

  private void signInPage(RoutingContext ctx, int status, String next, String username, String error) {
    Map<String, Object> data = new java.util.HashMap<>();
    data.put("next", safeNext(next));
    data.put("purpose", next != null && next.startsWith(AuthorizationServer.AUTHORIZE)
        ? "An application asks to connect to one of this gateway's MCP servers; sign in to decide." : null);
    data.put("username", username);
    data.put("error", error);
    web.render(ctx, status, "signin.html", data, List.of()).onFailure(ctx::fail);
  }

  private void message(RoutingContext ctx, int status, String heading, String message) {
    web.render(ctx, status, "message.html", Map.of("heading", heading, "message", message, "error", status >= 400),
        List.of()).onFailure(ctx::fail);
  }

  /** Where a sign-in may lead: the authorization endpoint, the account page or a console page of this gateway, nothing else. */
  private static String safeNext(String next) {
    if (next != null && (next.startsWith(AuthorizationServer.AUTHORIZE + "?") || next.equals("/account")
        || next.matches("/(deployments|catalog|users|settings)?(/[A-Za-z0-9/_-]*)?"))
        && !next.contains("\\") && !next.contains("\r") && !next.contains("\n")) {
      return next;
    }
    return "/account";
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

}
