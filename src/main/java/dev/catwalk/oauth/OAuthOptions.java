package dev.catwalk.oauth;

import java.time.Duration;

/**
 * The built-in authorization server's settings (the {@code oauth:} section of {@code conf/config.yaml}).
 *
 * @param accessTokenTtl  how long an access token is good (short: revocation of a grant also ends it at once)
 * @param refreshTokenTtl how long an unused refresh token is good; every use rotates it
 * @param codeTtl         how long an authorization code is good
 * @param documents       how client ID metadata documents are fetched and kept
 */
public record OAuthOptions(Duration accessTokenTtl, Duration refreshTokenTtl, Duration codeTtl,
                           ClientMetadataDocuments.Options documents) {
}
