package dev.catwalk.oauth;

import java.time.Duration;

/**
 * Lifetimes of the authorization server's credentials.
 *
 * @param accessTokenTtl  how long an access token is good (short: revocation of a grant also ends it at once)
 * @param refreshTokenTtl how long an unused refresh token is good; every use rotates it
 * @param codeTtl         how long an authorization code is good
 */
public record OAuthOptions(Duration accessTokenTtl, Duration refreshTokenTtl, Duration codeTtl) {

  /** One hour, thirty days, five minutes. */
  public static OAuthOptions defaults() {
    return new OAuthOptions(Duration.ofHours(1), Duration.ofDays(30), Duration.ofMinutes(5));
  }
}
