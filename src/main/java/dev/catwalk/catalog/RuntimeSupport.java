package dev.catwalk.catalog;

import dev.catwalk.deploy.Backend;
import dev.catwalk.deploy.Recipe;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which kinds of recipe each configured backend can run, asked of the backends themselves
 * ({@link Backend#check}) with one sample recipe per probe ({@code npm}, {@code pypi}, {@code oci},
 * {@code remote}, {@code command:<program>}), and remembered for a short while so a search costs no
 * process lookups. Used only on its owner's context.
 */
final class RuntimeSupport {

  /** A public address that is never contacted (TEST-NET-1): the remote probe asks only whether remotes are allowed. */
  private static final String PROBE_URL = "https://192.0.2.1/mcp";

  private final Map<String, Backend> backends;
  private final Duration ttl;
  private final Map<String, Cached> cache = new HashMap<>();

  private record Cached(long expires, Future<String> reason) {
  }

  RuntimeSupport(Map<String, Backend> backends, Duration ttl) {
    this.backends = new LinkedHashMap<>(backends);
    this.ttl = ttl;
  }

  /** The configured backends, by name. */
  Collection<String> backendNames() {
    return backends.keySet();
  }

  /** For each backend and probe: null when it can run it, else why not. */
  Future<Map<String, Map<String, String>>> reasons(Collection<String> probes) {
    List<Future<?>> pending = new ArrayList<>();
    Map<String, Map<String, Future<String>>> futures = new LinkedHashMap<>();
    for (String backend : backends.keySet()) {
      Map<String, Future<String>> byProbe = new LinkedHashMap<>();
      for (String probe : probes) {
        Future<String> reason = reason(backend, probe);
        byProbe.put(probe, reason);
        pending.add(reason);
      }
      futures.put(backend, byProbe);
    }
    return Future.join(pending).transform(ar -> {
      Map<String, Map<String, String>> out = new LinkedHashMap<>();
      futures.forEach((backend, byProbe) -> {
        Map<String, String> reasons = new HashMap<>();
        byProbe.forEach((probe, reason) -> reasons.put(probe, reason.succeeded() ? reason.result()
            : "the backend could not be asked: " + reason.cause().getMessage()));
        out.put(backend, reasons);
      });
      return Future.succeededFuture(out);
    });
  }

  /** Why {@code backend} cannot run the exact {@code recipe} (no caching: its URL or command is checked), or null. */
  Future<String> reason(String backend, JsonObject recipe) {
    Backend target = backends.get(backend);
    if (target == null) {
      return Future.succeededFuture("the backend '" + backend + "' is not configured");
    }
    return target.check(Recipe.fromJson(recipe.copy())).map(v -> (String) null)
        .recover(e -> Future.succeededFuture(e instanceof Backend.ProvisioningException ? e.getMessage()
            : "the backend could not check it"));
  }

  private Future<String> reason(String backend, String probe) {
    String key = backend + "\n" + probe;
    Cached cached = cache.get(key);
    long now = System.nanoTime();
    if (cached != null && cached.expires() - now > 0) {
      return cached.reason();
    }
    Future<String> reason = reason(backend, sample(probe));
    cache.put(key, new Cached(now + ttl.toNanos(), reason));
    return reason;
  }

  /** A recipe that needs exactly what {@code probe} names. */
  static JsonObject sample(String probe) {
    return switch (probe) {
      case "npm", "pypi" -> new JsonObject().put("runtime", probe).put("package", "catwalk-probe");
      case "oci" -> new JsonObject().put("runtime", "oci").put("package", "catwalk/probe");
      case "remote" -> new JsonObject().put("runtime", "remote").put("url", PROBE_URL);
      default -> new JsonObject().put("runtime", "command").put("command", probe.substring(probe.indexOf(':') + 1));
    };
  }
}
