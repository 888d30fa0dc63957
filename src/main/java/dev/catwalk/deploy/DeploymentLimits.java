package dev.catwalk.deploy;

import dev.catwalk.error.BadRequestException;
import dev.catwalk.error.Validation;
import dev.catwalk.mcp.SessionCaps;
import dev.catwalk.sandbox.SandboxLimits;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * A deployment's {@code limits} object: how many MCP sessions it may hold open on a node ({@code maxSessions}) and
 * per access token ({@code maxSessionsPerToken}), and what each of its sandboxed servers may use
 * ({@link SandboxLimits}: {@code memoryMb}, {@code processes}, {@code openFiles}, {@code network}). Only the keys a
 * deployment sets are stored; the others take the gateway's defaults when read, so a changed default reaches every
 * deployment that did not set its own.
 *
 * @param maxSessions         open sessions of the deployment on this node at most
 * @param maxSessionsPerToken open sessions of one of its access tokens (or OAuth grants) at most
 * @param sandbox             what each of its local servers may use
 */
public record DeploymentLimits(int maxSessions, int maxSessionsPerToken, SandboxLimits sandbox) {

  /** Key of {@link #maxSessions} in the {@code limits} object. */
  public static final String MAX_SESSIONS = "maxSessions";
  /** Key of {@link #maxSessionsPerToken} in the {@code limits} object. */
  public static final String MAX_SESSIONS_PER_TOKEN = "maxSessionsPerToken";
  /** The largest session limit accepted. */
  public static final int MAX = 1_000_000;
  private static final List<String> KEYS = List.of(MAX_SESSIONS, MAX_SESSIONS_PER_TOKEN, SandboxLimits.MEMORY_MB,
      SandboxLimits.PROCESSES, SandboxLimits.OPEN_FILES, SandboxLimits.NETWORK);

  /**
   * The gateway's defaults of the session keys ({@code CATWALK_DEPLOYMENT_MAX_SESSIONS},
   * {@code CATWALK_DEPLOYMENT_MAX_SESSIONS_PER_TOKEN}).
   */
  public record Defaults(int maxSessions, int maxSessionsPerToken) {
  }

  /**
   * The limits in force for a stored {@code limits} object (null: none set). A default per-token limit above the
   * deployment's own {@code maxSessions} is that.
   */
  public static DeploymentLimits effective(JsonObject stored, Defaults defaults) {
    JsonObject given = stored == null ? new JsonObject() : stored;
    int max = given.getValue(MAX_SESSIONS) instanceof Number n ? n.intValue() : defaults.maxSessions();
    int perToken = given.getValue(MAX_SESSIONS_PER_TOKEN) instanceof Number n ? n.intValue()
        : Math.min(defaults.maxSessionsPerToken(), max);
    return new DeploymentLimits(max, perToken, SandboxLimits.fromJson(given));
  }

  /**
   * Applies a {@code limits} value of a request to the stored object, as a JSON merge patch: a key set to null takes
   * its default again, {@code "limits": null} all of them. Creation applies it to an empty object.
   *
   * @return the object to store: the keys set
   * @throws BadRequestException naming the field: not an object, an unknown key, a value of the wrong type or range,
   *                             or a per-token limit above the deployment's
   */
  public static JsonObject merge(JsonObject stored, Object patch, Defaults defaults) {
    if (patch == null) {
      return new JsonObject();
    }
    if (!(patch instanceof JsonObject changes)) {
      throw new BadRequestException("limits", "must be an object");
    }
    Validation.rejectUnknownFields(changes, "limits", KEYS);
    JsonObject merged = stored == null ? new JsonObject() : stored.copy();
    changes.forEach(entry -> {
      if (entry.getValue() == null) {
        merged.remove(entry.getKey());
      } else {
        merged.put(entry.getKey(), entry.getValue());
      }
    });
    requireCount(merged, MAX_SESSIONS);
    requireCount(merged, MAX_SESSIONS_PER_TOKEN);
    SandboxLimits.fromJson(merged);
    DeploymentLimits limits = effective(merged, defaults);
    if (limits.maxSessionsPerToken > limits.maxSessions) {
      throw new BadRequestException("limits." + MAX_SESSIONS_PER_TOKEN, limits.maxSessionsPerToken
          + " is more than limits." + MAX_SESSIONS + " (" + limits.maxSessions + ")");
    }
    return merged;
  }

  /** What the sessions of the deployment may hold, for its grants. */
  public SessionCaps caps() {
    return new SessionCaps(maxSessions, maxSessionsPerToken);
  }

  /** Every limit in force, as the API shows them. */
  public JsonObject toJson() {
    return new JsonObject().put(MAX_SESSIONS, maxSessions).put(MAX_SESSIONS_PER_TOKEN, maxSessionsPerToken)
        .mergeIn(sandbox.toJson());
  }

  private static void requireCount(JsonObject limits, String key) {
    Object value = limits.getValue(key);
    if (value == null) {
      return;
    }
    if (!(value instanceof Integer || value instanceof Long) || ((Number) value).longValue() < 1
        || ((Number) value).longValue() > MAX) {
      throw new BadRequestException("limits." + key, "a whole number from 1 to " + MAX + " is expected");
    }
  }
}
