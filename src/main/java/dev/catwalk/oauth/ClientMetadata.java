package dev.catwalk.oauth;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Set;

/**
 * Client metadata (RFC 7591 §2) as this authorization server keeps it, whether it arrived in a dynamic
 * registration request or in a client ID metadata document: redirect URIs checked, only the grant and
 * response types this server offers, known text fields of bounded length; anything else is dropped.
 */
final class ClientMetadata {

  private static final Set<String> GRANT_TYPES = Set.of("authorization_code", "refresh_token");
  private static final List<String> TEXT_FIELDS = List.of("client_name", "client_uri", "logo_uri", "scope",
      "software_id", "software_version", "application_type");

  private ClientMetadata() {
  }

  /**
   * The metadata kept of {@code request}, RFC 7591 defaults filled in.
   *
   * @param defaultAuthMethod the {@code token_endpoint_auth_method} when none is given
   * @param authMethods       the methods accepted
   * @throws OAuthError {@code invalid_redirect_uri} or {@code invalid_client_metadata}
   */
  static JsonObject checked(JsonObject request, String defaultAuthMethod, Set<String> authMethods) {
    Object uris = request.getValue("redirect_uris");
    if (!(uris instanceof JsonArray array) || array.isEmpty() || array.size() > 20) {
      throw new OAuthError(400, "invalid_redirect_uri", "redirect_uris: one to twenty URIs are required");
    }
    for (Object uri : array) {
      String problem = uri instanceof String s ? RedirectUris.problem(s) : "not a string";
      if (problem != null || ((String) uri).length() > 2000) {
        throw new OAuthError(400, "invalid_redirect_uri", "redirect_uris: " + (problem == null ? "too long" : problem));
      }
    }
    String method = text(request, "token_endpoint_auth_method", defaultAuthMethod, 40);
    if (!authMethods.contains(method)) {
      throw new OAuthError(400, "invalid_client_metadata", "token_endpoint_auth_method: one of "
          + String.join(", ", authMethods.stream().sorted().toList()));
    }
    JsonArray grants = request.getValue("grant_types") instanceof JsonArray g ? g
        : new JsonArray().add("authorization_code").add("refresh_token");
    for (Object grant : grants) {
      if (!GRANT_TYPES.contains(String.valueOf(grant))) {
        throw new OAuthError(400, "invalid_client_metadata", "grant_types: authorization_code and refresh_token only");
      }
    }
    JsonArray responses = request.getValue("response_types") instanceof JsonArray r ? r : new JsonArray().add("code");
    if (!responses.stream().allMatch("code"::equals)) {
      throw new OAuthError(400, "invalid_client_metadata", "response_types: code only");
    }
    JsonObject kept = new JsonObject().put("redirect_uris", array.copy()).put("token_endpoint_auth_method", method)
        .put("grant_types", grants.copy()).put("response_types", responses.copy());
    for (String field : TEXT_FIELDS) {
      String value = text(request, field, null, 500);
      if (value != null) {
        kept.put(field, value);
      }
    }
    return kept;
  }

  /** The redirect URIs of checked metadata. */
  static List<String> redirectUris(JsonObject checked) {
    return checked.getJsonArray("redirect_uris").stream().map(String::valueOf).toList();
  }

  private static String text(JsonObject request, String field, String fallback, int max) {
    Object value = request.getValue(field);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof String s) || s.length() > max) {
      throw new OAuthError(400, "invalid_client_metadata", field + ": a string of at most " + max + " characters");
    }
    return s;
  }
}
