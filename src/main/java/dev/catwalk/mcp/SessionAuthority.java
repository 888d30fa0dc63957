package dev.catwalk.mcp;

import dev.catwalk.error.ApiException;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;

import java.util.function.Supplier;

/**
 * Decides who may open a session on an {@link McpEndpoint} and who may use an open one. The gateway's
 * implementation checks deployment access tokens; the runner's admits everyone (its bearer token is
 * checked in front of the endpoint).
 */
public interface SessionAuthority {

  /**
   * Authorizes a new session ({@code initialize}).
   *
   * @return the grant, or a failed future with an {@link ApiException} (401, 404, 503, …) whose
   *     message the client may see; a 401 should carry {@code WWW-Authenticate} on {@code ctx.response()}
   */
  Future<SessionGrant> open(RoutingContext ctx);

  /**
   * Checks a request on an open session.
   *
   * @return null when admitted, else the refusal to answer with
   */
  ApiException refusal(SessionGrant grant, RoutingContext ctx);

  /** Admits every client; every session gets an upstream from {@code upstreams}. */
  static SessionAuthority anyone(Supplier<Upstream> upstreams) {
    SessionGrant grant = SessionGrant.open(upstreams);
    return new SessionAuthority() {
      @Override
      public Future<SessionGrant> open(RoutingContext ctx) {
        return Future.succeededFuture(grant);
      }

      @Override
      public ApiException refusal(SessionGrant granted, RoutingContext ctx) {
        return null;
      }
    };
  }
}
