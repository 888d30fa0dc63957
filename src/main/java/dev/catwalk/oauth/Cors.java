package dev.catwalk.oauth;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

/**
 * CORS for the documents and endpoints browser-based MCP clients call cross-origin: the well-known
 * metadata, {@code /token}, {@code /register} and {@code /revoke}. They carry no cookies and no
 * ambient authority, so any origin may read them; a preflight is answered without authentication.
 */
public final class Cors implements Handler<RoutingContext> {

  private static final String ALLOWED_HEADERS = "authorization, content-type, mcp-protocol-version";

  @Override
  public void handle(RoutingContext ctx) {
    ctx.response().putHeader("Access-Control-Allow-Origin", "*")
        .putHeader("Access-Control-Expose-Headers", "WWW-Authenticate");
    if (ctx.request().method() == HttpMethod.OPTIONS) {
      ctx.response().setStatusCode(204)
          .putHeader("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
          .putHeader("Access-Control-Allow-Headers", ALLOWED_HEADERS)
          .putHeader("Access-Control-Max-Age", "86400")
          .end();
      return;
    }
    ctx.next();
  }
}
