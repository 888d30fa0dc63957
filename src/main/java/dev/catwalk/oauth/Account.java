package dev.catwalk.oauth;

import io.vertx.core.json.JsonObject;

import java.util.UUID;

/**
 * An operator account.
 *
 * @param id       account id
 * @param username lower-case user name
 * @param role     {@link #ADMIN} (everything) or {@link #MEMBER} (signs in and consents to connect clients)
 */
public record Account(UUID id, String username, String role) {

  /** May do everything, as the admin token may. */
  public static final String ADMIN = "admin";
  /** May sign in and let MCP clients connect to deployments; may not create, change or delete them. */
  public static final String MEMBER = "member";

  /** The account as the API shows it (no password hash). */
  public JsonObject toJson() {
    return new JsonObject().put("id", id.toString()).put("username", username).put("role", role);
  }
}
