package dev.catwalk.deploy;

import dev.catwalk.Addresses;
import dev.catwalk.crypto.Redaction;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Collection;
import java.util.UUID;

/**
 * Writing to and reading from the deployments' recent logs, which {@link DeploymentLogBook} owns: every
 * call is a message to it. A line passes through a redaction of the deployment's secret values before it
 * is sent, so secrets never travel on the bus nor reach the logs API. Usable from any thread.
 */
public final class DeploymentLogs {

  private final EventBus bus;

  /** Where one session's lines go: already bound to a deployment and its secrets. Thread-safe. */
  public interface Sink {
    /** Keeps one line of the given source ({@code stderr} or {@code lifecycle}). */
    void line(String source, String text);
  }

  public DeploymentLogs(EventBus bus) {
    this.bus = bus;
  }

  /** A sink for a deployment that redacts {@code secretValues}. */
  public Sink sink(UUID deploymentId, Collection<String> secretValues) {
    Redaction redaction = Redaction.of(secretValues);
    return (source, text) -> append(deploymentId, source, redaction.apply(text));
  }

  /** Keeps a lifecycle line that holds no secret (status changes, session counts). */
  public void lifecycle(UUID deploymentId, String text) {
    append(deploymentId, "lifecycle", text);
  }

  /** The newest {@code limit} lines, oldest first. */
  public Future<JsonArray> recent(UUID deploymentId, int limit) {
    return bus.<JsonObject>request(Addresses.DEPLOYMENT_LOG_RECENT,
            new JsonObject().put("id", deploymentId.toString()).put("limit", limit))
        .map(reply -> reply.body().getJsonArray("lines"));
  }

  /** Forgets a deleted deployment's log. */
  public void forget(UUID deploymentId) {
    bus.send(Addresses.DEPLOYMENT_LOG_FORGET, new JsonObject().put("id", deploymentId.toString()));
  }

  private void append(UUID deploymentId, String source, String text) {
    bus.send(Addresses.DEPLOYMENT_LOG_APPEND, new JsonObject().put("id", deploymentId.toString())
        .put("source", source).put("text", text));
  }
}
