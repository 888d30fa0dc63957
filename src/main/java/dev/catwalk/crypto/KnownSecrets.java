package dev.catwalk.crypto;

import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every secret value this gateway knows in clear: its own (admin token, encryption keys, the database
 * password, API tokens from the environment) and each deployment's decrypted secrets, added when they are
 * decrypted. One instance per gateway, owned by its wiring; thread-safe. Logs redact with all of them, so
 * a server that prints another deployment's or the gateway's secret shows {@link Redaction#REDACTED}.
 */
public final class KnownSecrets {

  private final Set<String> gateway;
  private final Map<UUID, Set<String>> deployments = new ConcurrentHashMap<>();
  private volatile Redaction redaction;

  /** A registry holding the gateway's own secret values (nulls and empty values are ignored). */
  public KnownSecrets(Collection<String> gatewaySecrets) {
    this.gateway = Set.copyOf(gatewaySecrets.stream().filter(v -> v != null && !v.isEmpty()).toList());
    this.redaction = Redaction.of(gateway);
  }

  /** Adds a deployment's decrypted secret values (kept until {@link #forget}; earlier values stay known). */
  public void add(UUID deploymentId, Collection<String> values) {
    Set<String> known = deployments.computeIfAbsent(deploymentId, id -> ConcurrentHashMap.newKeySet());
    if (known.addAll(values.stream().filter(v -> v != null && !v.isEmpty()).toList())) {
      rebuild();
    }
  }

  /** Forgets a deleted deployment's values. */
  public void forget(UUID deploymentId) {
    if (deployments.remove(deploymentId) != null) {
      rebuild();
    }
  }

  /** {@code text} with every known secret value replaced. */
  public String redact(String text) {
    return redaction.apply(text);
  }

  private synchronized void rebuild() {
    Set<String> all = new LinkedHashSet<>(gateway);
    for (Set<String> values : deployments.values()) {
      all.addAll(new HashSet<>(values));
    }
    redaction = Redaction.of(all);
  }
}
