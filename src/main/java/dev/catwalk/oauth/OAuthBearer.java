package dev.catwalk.oauth;

import dev.catwalk.crypto.Tokens;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

import java.util.Optional;
import java.util.UUID;

/**
 * The OAuth half of the auth hook of {@code /api/mcp/{id}}: mounted in front of the MCP endpoint, it
 * looks an OAuth access token up (by hash) and leaves its grant on the routing context, where the
 * endpoint's session authority reads it synchronously. Static deployment tokens pass through untouched.
 * The request is paused during the lookup so that the endpoint's body handler, which resumes it, still
 * gets the whole body.
 */
public final class OAuthBearer implements Handler<RoutingContext> {

  private static final String KEY = "catwalk.oauth.grant";
  private static final String CREDENTIAL_PREFIX = "oauth:";

  private final OAuthRepository repository;

  public OAuthBearer(OAuthRepository repository) {
    this.repository = repository;
  }

  /** Whether a bearer token is one of this authorization server's access tokens. */
  public static boolean isAccessToken(String token) {
    return token != null && token.startsWith(OAuthSecrets.ACCESS);
  }

  /** The live grant of the request's access token, or null (none sent, unknown, expired or revoked). */
  public static OAuthRepository.Grant grant(RoutingContext ctx) {
    Optional<OAuthRepository.Grant> grant = ctx.get(KEY);
    return grant == null ? null : grant.orElse(null);
  }

  /** The credential id of sessions opened under a grant. */
  public static String credentialId(UUID grantId) {
    return CREDENTIAL_PREFIX + grantId;
  }

  /** Whether a session's credential id names an OAuth grant. */
  public static boolean isGrantCredential(String credentialId) {
    return credentialId != null && credentialId.startsWith(CREDENTIAL_PREFIX);
  }

  @Override
  public void handle(RoutingContext ctx) {
    String token = Tokens.bearer(ctx.request().getHeader("Authorization"));
    if (!isAccessToken(token)) {
      ctx.next();
      return;
    }
    boolean bodyFollows = ctx.request().method() == HttpMethod.POST;
    ctx.request().pause();
    repository.access(Tokens.hash(token)).onComplete(found -> {
      ctx.put(KEY, found.succeeded() ? found.result() : Optional.empty());
      if (!bodyFollows) {
        ctx.request().resume();
      }
      if (found.failed()) {
        ctx.fail(found.cause());
        return;
      }
      ctx.next();
    });
  }
}
