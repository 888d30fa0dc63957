package dev.catwalk.deploy;

import dev.catwalk.crypto.KnownSecrets;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The recent log of each deployment, in memory and bounded: its servers' stderr and its lifecycle
 * (sessions started and ended, status changes). Every line is redacted with every secret the gateway knows
 * ({@link KnownSecrets}: its own, and every deployment's, not only this one's) when it is kept and again when
 * it is read, so no secret reaches the logs API, even one a server found elsewhere.
 */
public final class DeploymentLogs {


  private final int linesPerDeployment;
  private final KnownSecrets secrets;
  private final Map<UUID, ArrayDeque<JsonObject>> logs = new ConcurrentHashMap<>();

  /** Where one session's lines go: already bound to a deployment and its secrets. Thread-safe. */
  public interface Sink {
    /** Keeps one line of the given source ({@code stderr} or {@code lifecycle}). */
    void line(String source, String text);
  }

  public DeploymentLogs(int linesPerDeployment, KnownSecrets secrets) {
    this.linesPerDeployment = linesPerDeployment;
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

  /** The newest {@code limit} lines, oldest first. */
  public JsonArray recent(UUID deploymentId, int limit) {
    ArrayDeque<JsonObject> log = logs.get(deploymentId);
    if (log == null) {
      return new JsonArray();
    }
    synchronized (log) {
      List<JsonObject> lines = List.copyOf(log);
      return new JsonArray(lines.subList(Math.max(0, lines.size() - limit), lines.size()).stream()
          .map(line -> line.copy().put("text", secrets.redact(line.getString("text")))).toList());
    }
  }

  /** Forgets a deleted deployment's log and secrets. */
  public void forget(UUID deploymentId) {
    logs.remove(deploymentId);
    secrets.forget(deploymentId);
  }

  private void append(UUID deploymentId, String source, String text) {
    ArrayDeque<JsonObject> log = logs.computeIfAbsent(deploymentId, id -> new ArrayDeque<>());
    JsonObject line = new JsonObject().put("at", Instant.now().toString()).put("source", source).put("text", text);
    synchronized (log) {
      if (log.size() >= linesPerDeployment) {
        log.removeFirst();
      }
      log.addLast(line);
    }
  }
}
