package dev.catwalk.mcp;

import java.util.function.Supplier;

/**
 * What a client was granted when its session opened: whose server it reaches, with which
 * credential, and how to make the session's upstream. Later requests of the session must present
 * the same credential.
 *
 * @param owner          the deployment id the session belongs to, or null on a runner
 * @param credentialId   id of the access token that opened the session, or null
 * @param credentialHash SHA-256 of that token, or null when requests carry none
 * @param caps           how many sessions the owner and the credential may hold open, or null (no caps)
 * @param upstreams      makes the session's upstream (called once, on the session's context)
 */
public record SessionGrant(String owner, String credentialId, byte[] credentialHash, SessionCaps caps,
                           Supplier<Upstream> upstreams) {

  /** A grant with no owner, no credential and no caps (the runner checks its token before the endpoint). */
  public static SessionGrant open(Supplier<Upstream> upstreams) {
    return new SessionGrant(null, null, null, null, upstreams);
  }
}
