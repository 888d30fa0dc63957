package dev.catwalk.deploy;

import dev.catwalk.Addresses;
import dev.catwalk.crypto.KnownSecrets;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Collection;
import java.util.UUID;

/**
 * Writing to and reading from the deployments' recent logs, which {@link DeploymentLogBook} owns: every
 * call is a message to it. Every line is redacted with every secret the gateway knows ({@link KnownSecrets}:
 * its own, and every deployment's, not only this one's) before it is sent, and again when it is read, so no
 * secret travels on the bus or reaches the logs API, even one a server found elsewhere. Usable from any thread.
 */
public final class DeploymentLogs {

  private final EventBus bus;
  private final KnownSecrets secrets;

  /** Where one session's lines go: already bound to a deployment and its secrets. Thread-safe. */
  public interface Sink {
    /** Keeps one line of the given source ({@code stderr} or {@code lifecycle}). */
    void line(String source, String text);
  }

  public DeploymentLogs(EventBus bus, KnownSecrets secrets) {
    this.bus = bus;
    this.secrets = secrets;
  }

  /** A sink for a deployment whose decrypted secrets are {@code secretValues} (they become known secrets). */
  public Sink sink(UUID deploymentId, Collection<String> secretValues) {
    remember(deploymentId, secretValues);
    return (source, text) -> append(deploymentId, source, secrets.redact(text));
  }

  /** Makes a deployment's decrypted secret values known, so that every log redacts them. */
  public void remember(UUID deploymentId, Collection<String> secretValues) {
    secrets.add(deploymentId, secretValues);
  }

  /** {@code text} with every known secret redacted (for the gateway's own log lines about deployments). */
  public String redact(String text) {
    return secrets.redact(text);
  }

  /** Keeps a lifecycle line (status changes, session counts), redacted like every other. */
  public void lifecycle(UUID deploymentId, String text) {
    append(deploymentId, "lifecycle", secrets.redact(text));
  }

  /** The newest {@code limit} lines, oldest first, redacted with the secrets known now. */
  public Future<JsonArray> recent(UUID deploymentId, int limit) {
    return bus.<JsonObject>request(Addresses.DEPLOYMENT_LOG_RECENT,
            new JsonObject().put("id", deploymentId.toString()).put("limit", limit))
        .map(reply -> new JsonArray(reply.body().getJsonArray("lines").stream()
            .map(line -> ((JsonObject) line).put("text", secrets.redact(((JsonObject) line).getString("text"))))
            .toList()));
  }

  /** Forgets a deleted deployment's log and secrets. */
  public void forget(UUID deploymentId) {
    bus.send(Addresses.DEPLOYMENT_LOG_FORGET, new JsonObject().put("id", deploymentId.toString()));
    secrets.forget(deploymentId);
  }

  private void append(UUID deploymentId, String source, String text) {
    bus.send(Addresses.DEPLOYMENT_LOG_APPEND, new JsonObject().put("id", deploymentId.toString())
        .put("source", source).put("text", text));
  }
}
