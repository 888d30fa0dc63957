package dev.catwalk.web;

import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.Session;

import java.util.UUID;

/**
 * The operator signed in on a page request's session.
 *
 * @param accountId account id
 * @param username  user name
 * @param role      {@code admin} or {@code member}
 */
public record SignedIn(UUID accountId, String username, String role) {

  private static final String ACCOUNT = "catwalk.account";
  private static final String USERNAME = "catwalk.username";
  private static final String ROLE = "catwalk.role";

  /** The operator signed in on this request's session, or null. */
  public static SignedIn of(RoutingContext ctx) {
    Session session = ctx.session();
    if (session == null || session.get(ACCOUNT) == null) {
      return null;
    }
    return new SignedIn(UUID.fromString(session.get(ACCOUNT)), session.get(USERNAME), session.get(ROLE));
  }

  /** Signs this operator in: a new session id (no fixation), then the account on it. */
  public void signIn(RoutingContext ctx) {
    Session session = ctx.session();
    session.regenerateId();
    session.put(ACCOUNT, accountId.toString()).put(USERNAME, username).put(ROLE, role);
  }

  /** The same operator with another role (the account's role changed since sign-in). */
  public SignedIn withRole(String newRole) {
    return new SignedIn(accountId, username, newRole);
  }

  /** Keeps this operator on the request's session as it is (no new session id: the account is the same). */
  public void keep(RoutingContext ctx) {
    ctx.session().put(ACCOUNT, accountId.toString()).put(USERNAME, username).put(ROLE, role);
  }

  /** Ends the session of this request. */
  public static void signOut(RoutingContext ctx) {
    if (ctx.session() != null) {
      ctx.session().destroy();
    }
  }
}
