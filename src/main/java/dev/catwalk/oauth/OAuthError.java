package dev.catwalk.oauth;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * An error of the token, registration or revocation endpoint (RFC 6749 §5.2, RFC 7591 §3.2.2): a
 * JSON body {@code {"error", "error_description"}}, never cached.
 */
final class OAuthError extends RuntimeException {

  private final int status;
  private final String code;

  OAuthError(int status, String code, String description) {
    super(description, null, false, false);
    this.status = status;
    this.code = code;
  }

  /** RFC 6749 {@code error} code. */
  String code() {
    return code;
  }

  void send(RoutingContext ctx) {
    if (status == 401) {
      ctx.response().putHeader("WWW-Authenticate", "Basic realm=\"catwalk\"");
    }
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store").putHeader("Pragma", "no-cache")
        .end(new JsonObject().put("error", code).put("error_description", getMessage()).encode());
  }

  static OAuthError invalidRequest(String description) {
    return new OAuthError(400, "invalid_request", description);
  }

  static OAuthError invalidGrant(String description) {
    return new OAuthError(400, "invalid_grant", description);
  }

  static OAuthError invalidClient(String description) {
    return new OAuthError(401, "invalid_client", description);
  }
}
