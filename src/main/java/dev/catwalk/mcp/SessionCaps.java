package dev.catwalk.mcp;

/**
 * How many sessions one owner (a deployment) and one credential of it (an access token, an OAuth grant) may hold
 * open on this node; every {@link SessionGrant} of a deployment carries the deployment's.
 *
 * @param perOwner      open sessions of the owner at most
 * @param perCredential open sessions of one credential at most
 */
public record SessionCaps(int perOwner, int perCredential) {
}
