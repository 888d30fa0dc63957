package dev.catwalk.deploy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * A deployment as stored: what to run, its configuration (secret values excluded: only their
 * names), where it is in its lifecycle and where it should be.
 *
 * @param status        pending, provisioning, running, degraded, failed, stopped or deleted
 * @param statusReason  why it is failed or stopped, for people; never contains a secret value
 * @param desiredState  running, stopped or deleted: what reconciliation drives it to
 * @param backendState  what the backend needs to find its resources again
 * @param limits        the keys of its {@code limits} object it sets (see {@link DeploymentLimits}); never null
 * @param version       bumped by every change (optimistic locking)
 */
public record Deployment(UUID id, String name, String backend, JsonObject recipe, JsonObject configSchema,
                         JsonObject config, Set<String> secretNames, String status, String statusReason,
                         String desiredState, JsonObject backendState, JsonObject limits, long version,
                         OffsetDateTime createdAt,
                         OffsetDateTime updatedAt) {

  /** Lifecycle states, as stored in {@code deployments.status}. */
  public static final String PENDING = "pending";
  public static final String PROVISIONING = "provisioning";
  public static final String RUNNING = "running";
  /** Running, but its server could not be started or reached by the latest session (the reason says why). */
  public static final String DEGRADED = "degraded";
  public static final String FAILED = "failed";
  public static final String STOPPED = "stopped";
  public static final String DELETED = "deleted";

  /** Whether sessions may open: running, or degraded (a session may find the server working again). */
  public boolean servesSessions() {
    return RUNNING.equals(status) || DEGRADED.equals(status);
  }

  /** Reads a row of {@link DeploymentRepository}'s deployment queries. */
  static Deployment fromRow(Row row) {
    Object names = row.getValue("secret_names");
    Set<String> secretNames = new TreeSet<>();
    if (names instanceof String[] array) {
      secretNames.addAll(List.of(array));
    }
    return new Deployment(row.getUUID("id"), row.getString("name"), row.getString("backend"),
        (JsonObject) row.getValue("recipe"), (JsonObject) row.getValue("config_schema"),
        (JsonObject) row.getValue("config"), secretNames, row.getString("status"), row.getString("status_reason"),
        row.getString("desired_state"), (JsonObject) row.getValue("backend_state"),
        (JsonObject) row.getValue("limits"), row.getLong("version"),
        row.getOffsetDateTime("created_at"), row.getOffsetDateTime("updated_at"));
  }

  /** The recipe, parsed. */
  public Recipe parsedRecipe() {
    return Recipe.fromJson(recipe);
  }

  /** The deployment's MCP endpoint under the gateway's public URL. */
  public String mcpUrl(String publicUrl) {
    return publicUrl + "/api/mcp/" + id;
  }

  /** The API representation: secret values appear only as {@code {name, set: true}}. */
  public JsonObject toJson(String publicUrl) {
    JsonArray secrets = new JsonArray();
    secretNames.forEach(name -> secrets.add(new JsonObject().put("name", name).put("set", true)));
    JsonObject json = new JsonObject().put("id", id.toString()).put("name", name).put("backend", backend)
        .put("status", status).put("desiredState", desiredState).put("mcpUrl", mcpUrl(publicUrl))
        .put("recipe", recipe).put("config", config).put("secrets", secrets)
        .put("version", version).put("createdAt", timestamp(createdAt)).put("updatedAt", timestamp(updatedAt));
    if (configSchema != null) {
      json.put("configSchema", configSchema);
    }
    if (statusReason != null) {
      json.put("statusReason", statusReason);
    }
    return json;
  }

  /** An RFC 3339 timestamp in UTC that always carries seconds (null stays null). */
  public static String timestamp(OffsetDateTime time) {
    return time == null ? null : time.toInstant().toString();
  }

}
