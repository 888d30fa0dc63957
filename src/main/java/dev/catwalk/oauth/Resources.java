package dev.catwalk.oauth;

import java.net.URI;
import java.util.UUID;

/**
 * The public URLs of the authorization server and of each deployment's protected resource, built
 * from {@code CATWALK_PUBLIC_URL} only (never from {@code Host} or {@code X-Forwarded-*}), so the
 * {@code resource} a client is told, the audience of its tokens and the URL it calls are one string.
 *
 * @param publicUrl the gateway's public base URL, without a trailing slash
 */
public record Resources(String publicUrl) {

  /** The scope a token needs to use a deployment's MCP endpoint. */
  public static final String MCP_SCOPE = "mcp:tools";
  /** Path prefix of deployment MCP endpoints. */
  public static final String MCP_PREFIX = "/api/mcp/";
  /** RFC 9728 well-known path segment of protected resource metadata. */
  public static final String PRM_WELL_KNOWN = "/.well-known/oauth-protected-resource";

  /** The issuer: the public URL exactly (no trailing slash). */
  public String issuer() {
    return publicUrl;
  }

  /** The resource URL (and token audience) of a deployment: its public MCP endpoint URL. */
  public String resource(UUID deploymentId) {
    return publicUrl + MCP_PREFIX + deploymentId;
  }

  /** The deployment a resource URL names, or null when it names none of this gateway's endpoints. */
  public UUID deploymentOf(String resource) {
    if (resource == null || !resource.startsWith(publicUrl + MCP_PREFIX)) {
      return null;
    }
    try {
      UUID id = UUID.fromString(resource.substring(publicUrl.length() + MCP_PREFIX.length()));
      return resource(id).equals(resource) ? id : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /**
   * Where a deployment's protected resource metadata lives: the well-known segment inserted between
   * the host and the path of the resource URL (RFC 9728 §3.1).
   */
  public String metadataUrl(UUID deploymentId) {
    URI uri = URI.create(resource(deploymentId));
    String origin = uri.getScheme() + "://" + uri.getRawAuthority();
    return origin + PRM_WELL_KNOWN + uri.getRawPath();
  }

  /** The {@code WWW-Authenticate} challenge of a deployment; {@code error} null when no credential was sent. */
  public String challenge(UUID deploymentId, String error, String description) {
    StringBuilder header = new StringBuilder("Bearer realm=\"catwalk\", resource_metadata=\"")
        .append(metadataUrl(deploymentId)).append("\", scope=\"").append(MCP_SCOPE).append('"');
    if (error != null) {
      header.append(", error=\"").append(error).append('"');
      if (description != null) {
        header.append(", error_description=\"").append(description.replace("\"", "'").replace("\\", "/")).append('"');
      }
    }
    return header.toString();
  }

  /** Whether the public URL is HTTPS (cookies are then {@code Secure}). */
  public boolean https() {
    return publicUrl.startsWith("https://");
  }
}
