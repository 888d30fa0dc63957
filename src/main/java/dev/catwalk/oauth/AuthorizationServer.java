package dev.catwalk.oauth;

import dev.catwalk.crypto.Tokens;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The machine-facing endpoints of the built-in authorization server at the gateway's origin: RFC 8414
 * metadata (also at the OpenID discovery location), RFC 7591 dynamic client registration at
 * {@code /register}, the token endpoint {@code /token} (authorization code with PKCE S256, refresh
 * with rotation) and RFC 7009 revocation at {@code /revoke}. The browser-facing {@code /authorize}
 * lives in {@link AuthorizationPages}.
 */
public final class AuthorizationServer {

  /** The authorization endpoint. */
  public static final String AUTHORIZE = "/authorize";
  /** The token endpoint. */
  public static final String TOKEN = "/token";
  /** The registration endpoint. */
  public static final String REGISTER = "/register";
  /** The revocation endpoint. */
  public static final String REVOKE = "/revoke";
  private static final int MAX_BODY_BYTES = 16 * 1024;
  private static final Set<String> AUTH_METHODS = Set.of("none", "client_secret_basic", "client_secret_post");

  private final Resources resources;
  private final OAuthRepository repository;
  private final OAuthOptions options;
  private final Consumer<UUID> grantRevoked;

  /**
   * @param grantRevoked told the id of every grant revoked here (its MCP sessions must end)
   */
  public AuthorizationServer(Resources resources, OAuthRepository repository, OAuthOptions options,
                             Consumer<UUID> grantRevoked) {
    this.resources = resources;
    this.repository = repository;
    this.options = options;
    this.grantRevoked = grantRevoked;
  }

  /** Mounts the metadata, registration, token and revocation routes. */
  public void mount(Router router) {
    for (String path : List.of("/.well-known/oauth-authorization-server", "/.well-known/openid-configuration")) {
      router.route(path).handler(new Cors());
      router.get(path).handler(this::metadata);
    }
    for (String path : List.of(REGISTER, TOKEN, REVOKE)) {
      router.route(path).handler(new Cors());
      router.post(path).handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES));
    }
    router.post(REGISTER).handler(this::register);
    router.post(TOKEN).handler(this::token);
    router.post(REVOKE).handler(this::revoke);
  }

  /** RFC 8414 §2 metadata; issuer = the public URL exactly. */
  public JsonObject metadataDocument() {
    String issuer = resources.issuer();
    return new JsonObject()
        .put("issuer", issuer)
        .put("authorization_endpoint", issuer + AUTHORIZE)
        .put("token_endpoint", issuer + TOKEN)
        .put("registration_endpoint", issuer + REGISTER)
        .put("revocation_endpoint", issuer + REVOKE)
        .put("response_types_supported", new JsonArray().add("code"))
        .put("response_modes_supported", new JsonArray().add("query"))
        .put("grant_types_supported", new JsonArray().add("authorization_code").add("refresh_token"))
        .put("code_challenge_methods_supported", new JsonArray().add("S256"))
        .put("token_endpoint_auth_methods_supported", new JsonArray().add("none").add("client_secret_post")
            .add("client_secret_basic"))
        .put("revocation_endpoint_auth_methods_supported", new JsonArray().add("none").add("client_secret_post")
            .add("client_secret_basic"))
        .put("scopes_supported", new JsonArray().add(Resources.MCP_SCOPE))
        .put("authorization_response_iss_parameter_supported", true)
        .put("client_id_metadata_document_supported", options.documents().enabled());
  }

  private void metadata(RoutingContext ctx) {
    ctx.response().putHeader("Content-Type", "application/json").putHeader("Cache-Control", "public, max-age=300")
        .end(metadataDocument().encode());
  }

  private void register(RoutingContext ctx) {
    OAuthRepository.Client client;
    String secret;
    try {
      JsonObject request = ctx.body().asJsonObject();
      if (request == null) {
        throw new OAuthError(400, "invalid_client_metadata", "the body must be a JSON object");
      }
      JsonObject metadata = ClientMetadata.checked(request, "client_secret_basic", AUTH_METHODS);
      secret = "none".equals(metadata.getString("token_endpoint_auth_method")) ? null
          : OAuthSecrets.random(OAuthSecrets.CLIENT_SECRET);
      client = new OAuthRepository.Client(OAuthSecrets.shortRandom(OAuthSecrets.CLIENT_ID),
          metadata.getString("client_name"), ClientMetadata.redirectUris(metadata),
          secret == null ? null : Tokens.hash(secret), metadata);
    } catch (DecodeException | ClassCastException e) {
      new OAuthError(400, "invalid_client_metadata", "the body must be a JSON object").send(ctx);
      return;
    } catch (OAuthError e) {
      e.send(ctx);
      return;
    }
    repository.register(client).onSuccess(v -> {
      JsonObject body = client.metadata().copy().put("client_id", client.clientId())
          .put("client_id_issued_at", System.currentTimeMillis() / 1000);
      if (secret != null) {
        body.put("client_secret", secret).put("client_secret_expires_at", 0);
      }
      ctx.response().setStatusCode(201).putHeader("Content-Type", "application/json")
          .putHeader("Cache-Control", "no-store").end(body.encode());
    }).onFailure(ctx::fail);
  }

  private void token(RoutingContext ctx) {
    MultiMap form = ctx.request().formAttributes();
    String grantType = form.get("grant_type");
    authenticate(ctx, form).compose(client -> switch (grantType == null ? "" : grantType) {
      case "authorization_code" -> exchangeCode(form, client);
      case "refresh_token" -> refresh(form, client);
      default -> Future.failedFuture(new OAuthError(400, "unsupported_grant_type",
          "grant_type: authorization_code or refresh_token"));
    }).onSuccess(body -> ctx.response().putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store").putHeader("Pragma", "no-cache").end(body.encode()))
        .onFailure(e -> fail(ctx, e));
  }

  private Future<JsonObject> exchangeCode(MultiMap form, OAuthRepository.Client client) {
    String code = form.get("code");
    String verifier = form.get("code_verifier");
    if (code == null || form.get("redirect_uri") == null) {
      return Future.failedFuture(OAuthError.invalidRequest("code and redirect_uri are required"));
    }
    if (verifier == null || !verifier.matches("[A-Za-z0-9._~-]{43,128}")) {
      return Future.failedFuture(OAuthError.invalidRequest("code_verifier: 43 to 128 unreserved characters (RFC 7636)"));
    }
    return repository.redeemCode(Tokens.hash(code), client.clientId(), form.get("redirect_uri"), s256(verifier))
        .compose(redemption -> {
      if (redemption.outcome() == OAuthRepository.Outcome.REUSED) {
        grantRevoked.accept(redemption.grant().id());
        return Future.failedFuture(OAuthError.invalidGrant("the code was used before; its grant is revoked"));
      }
      if (redemption.outcome() == OAuthRepository.Outcome.INVALID) {
        return Future.failedFuture(OAuthError.invalidGrant("the code is unknown, expired or not this client's"));
      }
      if (redemption.outcome() == OAuthRepository.Outcome.MISMATCH) {
        return Future.failedFuture(OAuthError.invalidGrant(form.get("redirect_uri").equals(redemption.redirectUri())
            ? "code_verifier does not match the code_challenge" : "redirect_uri differs from the authorization request's"));
      }
      return checkResource(form, redemption.grant()).compose(v -> issue(redemption.grant()));
    });
  }

  private Future<JsonObject> refresh(MultiMap form, OAuthRepository.Client client) {
    String token = form.get("refresh_token");
    if (token == null) {
      return Future.failedFuture(OAuthError.invalidRequest("refresh_token is required"));
    }
    return repository.rotateRefresh(Tokens.hash(token), client.clientId()).compose(redemption -> {
      if (redemption.outcome() == OAuthRepository.Outcome.REUSED) {
        grantRevoked.accept(redemption.grant().id());
        return Future.failedFuture(OAuthError.invalidGrant("the refresh token was used before; its grant is revoked"));
      }
      if (redemption.outcome() == OAuthRepository.Outcome.INVALID) {
        return Future.failedFuture(OAuthError.invalidGrant("the refresh token is unknown, expired, revoked or"
            + " not this client's"));
      }
      String scope = form.get("scope");
      if (scope != null && !Set.of(redemption.grant().scope().split(" ")).containsAll(List.of(scope.split(" ")))) {
        return Future.failedFuture(new OAuthError(400, "invalid_scope", "a refresh cannot widen the scope"));
      }
      return checkResource(form, redemption.grant()).compose(v -> issue(redemption.grant()));
    });
  }

  /** RFC 8707 §2.2: a token request may name the resource again, but only the grant's. */
  private static Future<Void> checkResource(MultiMap form, OAuthRepository.Grant grant) {
    List<String> asked = form.getAll("resource");
    if (asked.isEmpty() || asked.size() == 1 && asked.get(0).equals(grant.resource())) {
      return Future.succeededFuture();
    }
    return Future.failedFuture(new OAuthError(400, "invalid_target", "resource: the grant is for "
        + grant.resource() + " only"));
  }

  private Future<JsonObject> issue(OAuthRepository.Grant grant) {
    String access = OAuthSecrets.random(OAuthSecrets.ACCESS);
    String refresh = OAuthSecrets.random(OAuthSecrets.REFRESH);
    return repository.issue(grant.id(), Tokens.hash(access), options.accessTokenTtl(), Tokens.hash(refresh),
        options.refreshTokenTtl()).map(v -> new JsonObject().put("access_token", access).put("token_type", "Bearer")
        .put("expires_in", options.accessTokenTtl().toSeconds()).put("refresh_token", refresh)
        .put("scope", grant.scope()));
  }

  private void revoke(RoutingContext ctx) {
    MultiMap form = ctx.request().formAttributes();
    String token = form.get("token");
    if (token == null) {
      fail(ctx, OAuthError.invalidRequest("token is required"));
      return;
    }
    authenticate(ctx, form).compose(client -> repository.revokeToken(Tokens.hash(token), client.clientId()))
        .onSuccess(grantId -> {
          if (grantId != null) {
            grantRevoked.accept(grantId);
          }
          ctx.response().setStatusCode(200).putHeader("Cache-Control", "no-store").end();
        }).onFailure(e -> fail(ctx, e));
  }

  /** Client authentication (RFC 6749 §2.3): HTTP Basic, or client_id (and client_secret) in the body. */
  private Future<OAuthRepository.Client> authenticate(RoutingContext ctx, MultiMap form) {
    String clientId = form.get("client_id");
    String secret = form.get("client_secret");
    String authorization = ctx.request().getHeader("Authorization");
    if (authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
      String[] pair = basic(authorization.substring(6).strip());
      if (pair == null || clientId != null && !clientId.equals(pair[0])) {
        return Future.failedFuture(OAuthError.invalidClient("malformed Basic credentials"));
      }
      clientId = pair[0];
      secret = pair[1];
    }
    if (clientId == null) {
      return Future.failedFuture(OAuthError.invalidClient("client_id is required"));
    }
    String presentedSecret = secret;
    return repository.client(clientId).compose(found -> {
      if (found.isEmpty()) {
        return Future.failedFuture(OAuthError.invalidClient("unknown client; register again"));
      }
      OAuthRepository.Client client = found.get();
      boolean ok = client.secretHash() == null ? presentedSecret == null
          : Tokens.matches(presentedSecret, client.secretHash());
      return ok ? Future.succeededFuture(client) : Future.failedFuture(OAuthError.invalidClient(
          "client authentication failed"));
    });
  }

  private static String[] basic(String encoded) {
    try {
      String decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
      int colon = decoded.indexOf(':');
      if (colon <= 0) {
        return null;
      }
      return new String[] {URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8),
          URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8)};
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** BASE64URL(SHA-256(verifier)) without padding (RFC 7636 §4.2). */
  static String s256(String verifier) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void fail(RoutingContext ctx, Throwable e) {
    if (e instanceof OAuthError error) {
      error.send(ctx);
    } else {
      ctx.fail(e);
    }
  }
}
