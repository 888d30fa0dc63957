package dev.catwalk.http;

import dev.catwalk.error.UnauthorizedException;
import dev.catwalk.crypto.Tokens;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * Requires the admin bearer token ({@code CATWALK_ADMIN_TOKEN}), compared in constant time; answers
 * 401 with {@code WWW-Authenticate} otherwise.
 */
public final class AdminAuth implements Handler<RoutingContext> {

  private final String adminToken;

  public AdminAuth(String adminToken) {
    this.adminToken = adminToken;
  }

  @Override
  public void handle(RoutingContext ctx) {
    String presented = Tokens.bearer(ctx.request().getHeader("Authorization"));
    if (Tokens.secretEquals(presented, adminToken)) {
      ctx.next();
      return;
    }
    ctx.response().putHeader("WWW-Authenticate", presented == null ? "Bearer realm=\"catwalk-admin\""
        : "Bearer realm=\"catwalk-admin\", error=\"invalid_token\"");
    ctx.fail(new UnauthorizedException("the admin token is required (Authorization: Bearer <CATWALK_ADMIN_TOKEN>)"));
  }
}
