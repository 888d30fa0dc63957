package dev.catwalk.deploy;

import dev.catwalk.crypto.Redaction;
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
 * (sessions started and ended, status changes). Every line passes through a redaction of the
 * deployment's secret values before it is kept, so secrets never reach the logs API.
 */
public final class DeploymentLogs {


  private final int linesPerDeployment;
  private final Map<UUID, ArrayDeque<JsonObject>> logs = new ConcurrentHashMap<>();

  /** Where one session's lines go: already bound to a deployment and its secrets. Thread-safe. */
  public interface Sink {
    /** Keeps one line of the given source ({@code stderr} or {@code lifecycle}). */
    void line(String source, String text);
  }

  public DeploymentLogs(int linesPerDeployment) {
    this.linesPerDeployment = linesPerDeployment;
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
  public JsonArray recent(UUID deploymentId, int limit) {
    ArrayDeque<JsonObject> log = logs.get(deploymentId);
    if (log == null) {
      return new JsonArray();
    }
    synchronized (log) {
      List<JsonObject> lines = List.copyOf(log);
      return new JsonArray(List.copyOf(lines.subList(Math.max(0, lines.size() - limit), lines.size())));
    }
  }

  /** Forgets a deleted deployment's log. */
  public void forget(UUID deploymentId) {
    logs.remove(deploymentId);
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
