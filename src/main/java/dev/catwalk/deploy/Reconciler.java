package dev.catwalk.deploy;

import dev.catwalk.Addresses;
import dev.catwalk.crypto.SecretBox;
import dev.catwalk.crypto.Tokens;
import dev.catwalk.error.Failures;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Drives each deployment towards its desired state: provisions (joining a provisioning already under
 * way, never starting two), records the status reached, retries failures with exponential backoff (at
 * most every 30 min), stops what should not run, and sweeps backend resources of deployments that no
 * longer exist. Owned by {@link DeploymentVerticle} and used only on its context, which also runs the
 * periodic passes; the commands call {@link #provision}, {@link #stopNow} and {@link #destroy}.
 */
final class Reconciler {

  private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);
  private static final String SYSTEM = "system";
  private static final Duration MAX_RETRY_DELAY = Duration.ofMinutes(30);

  private final Vertx vertx;
  private final DeploymentRepository repository;
  private final SecretBox box;
  private final Map<String, Backend> backends;
  private final DeploymentLogs logs;
  private final Duration reconcileInterval;
  private final Map<UUID, Future<Deployment>> inFlight = new HashMap<>();
  private final Map<UUID, Integer> failures = new HashMap<>();
  private final Map<UUID, Long> retryAt = new HashMap<>();
  /** When a provisioning of each deployment last started or ended ({@link System#nanoTime()}). */
  private final Map<UUID, Long> provisionedAt = new HashMap<>();
  private boolean reconciling;

  Reconciler(Vertx vertx, DeploymentRepository repository, SecretBox box, Map<String, Backend> backends,
             DeploymentLogs logs, Duration reconcileInterval) {
    this.vertx = vertx;
    this.repository = repository;
    this.box = box;
    this.backends = backends;
    this.logs = logs;
    this.reconcileInterval = reconcileInterval;
  }

  /** One pass over every live deployment, then a sweep of backend resources; skipped while one runs. */
  void reconcile() {
    if (reconciling) {
      return;
    }
    reconciling = true;
    long passStart = System.nanoTime();
    repository.live()
        .compose(deployments -> reconcileAll(deployments, passStart))
        .compose(v -> repository.live())
        .compose(this::sweep)
        .onFailure(e -> LOG.warn("reconciliation failed: {}", e.getMessage()))
        .onComplete(ar -> reconciling = false);
  }

  private Future<Void> reconcileAll(List<Deployment> deployments, long passStart) {
    Future<Void> chain = Future.succeededFuture();
    for (Deployment deployment : deployments) {
      chain = chain.compose(v -> reconcileSafely(deployment, passStart));
    }
    return chain;
  }

  private Future<Void> reconcileSafely(Deployment deployment, long passStart) {
    return reconcileOne(deployment, passStart).recover(e -> {
      LOG.warn("reconciling deployment {} failed: {}", deployment.id(), e.getMessage());
      return Future.succeededFuture();
    });
  }

  /**
   * Reconciles one deployment as the pass read it; a deployment provisioned by a command since the pass
   * read it is left to the next pass, since the row the pass holds no longer says what it is.
   */
  private Future<Void> reconcileOne(Deployment deployment, long passStart) {
    if (touchedSince(deployment.id(), passStart)) {
      return Future.succeededFuture();
    }
    boolean wantRunning = Deployment.RUNNING.equals(deployment.desiredState());
    if (wantRunning && Deployment.FAILED.equals(deployment.status())
        && System.nanoTime() < retryAt.getOrDefault(deployment.id(), Long.MIN_VALUE)) {
      return Future.succeededFuture();
    }
    Backend backend = backends.get(deployment.backend());
    if (wantRunning && backend != null) {
      return backend.isRunning(deployment).compose(up -> up && deployment.servesSessions()
          || touchedSince(deployment.id(), passStart) ? Future.succeededFuture() : provision(deployment).mapEmpty());
    }
    if (wantRunning) {
      return provision(deployment).mapEmpty();
    }
    if (!Deployment.STOPPED.equals(deployment.status())) {
      return stopNow(deployment);
    }
    return Future.succeededFuture();
  }

  /**
   * Removes backend resources of deployments that do not exist: read after reconciling, and a
   * deployment being provisioned right now counts as existing when the backend decides.
   */
  private Future<Void> sweep(List<Deployment> live) {
    Set<UUID> ids = new HashSet<>();
    live.forEach(deployment -> ids.add(deployment.id()));
    java.util.function.Predicate<UUID> exists = id -> ids.contains(id) || inFlight.containsKey(id);
    return Future.all(backends.values().stream().map(backend -> backend.sweep(exists)).toList()).mapEmpty();
  }

  /** Provisions a deployment; a provisioning already under way for it is joined, never started twice. */
  Future<Deployment> provision(Deployment deployment) {
    Future<Deployment> running = inFlight.get(deployment.id());
    if (running != null) {
      return running;
    }
    provisionedAt.put(deployment.id(), System.nanoTime());
    Future<Deployment> started = provisionNow(deployment).eventually(() -> {
      inFlight.remove(deployment.id());
      provisionedAt.put(deployment.id(), System.nanoTime());
      return Future.succeededFuture();
    });
    if (!started.isComplete()) {
      inFlight.put(deployment.id(), started);
    }
    return started;
  }

  private boolean touchedSince(UUID id, long passStart) {
    Long touched = provisionedAt.get(id);
    return touched != null && touched - passStart >= 0;
  }

  private Future<Deployment> provisionNow(Deployment deployment) {
    Backend backend = backends.get(deployment.backend());
    if (backend == null) {
      return setStatus(deployment, Deployment.FAILED, "backend '" + deployment.backend() + "' is not available")
          .map(deployment);
    }
    boolean settled = deployment.servesSessions() || Deployment.FAILED.equals(deployment.status());
    Future<Void> marked = settled ? Future.succeededFuture() : setStatus(deployment, Deployment.PROVISIONING, null);
    return marked
        .compose(v -> environment(deployment))
        .compose(env -> backend.provision(deployment, env))
        .compose(state -> repository.setBackendState(deployment.id(), state))
        .compose(v -> succeeded(deployment), e -> failed(deployment, e))
        .map(deployment);
  }

  private Future<Void> succeeded(Deployment deployment) {
    failures.remove(deployment.id());
    retryAt.remove(deployment.id());
    return setStatus(deployment, Deployment.RUNNING, null);
  }

  /** Records a failed provisioning; reconciliation retries it with exponential backoff (at most every 30 min). */
  private Future<Void> failed(Deployment deployment, Throwable e) {
    int count = failures.merge(deployment.id(), 1, Integer::sum);
    long delay = Math.min(MAX_RETRY_DELAY.toNanos(), reconcileInterval.toNanos() << Math.min(count - 1, 20));
    retryAt.put(deployment.id(), System.nanoTime() + delay);
    return setStatus(deployment, Deployment.FAILED, reasonOf(e));
  }

  /** The deployment's configuration, with a runner token made and stored the first time one is needed. */
  private Future<DeploymentEnv> environment(Deployment deployment) {
    return DeploymentEnv.load(repository, box, deployment).compose(env -> env.runnerToken() != null
        ? Future.succeededFuture(env) : storeRunnerToken(deployment))
        .onSuccess(env -> logs.remember(deployment.id(), env.secretValues()));
  }

  private Future<DeploymentEnv> storeRunnerToken(Deployment deployment) {
    String name = DeploymentEnv.RUNNER_TOKEN;
    SecretBox.Sealed sealed = box.seal(Tokens.newToken(), DeploymentRepository.secretContext(deployment.id(), name));
    return repository.putSecret(deployment.id(), name, sealed)
        .compose(v -> DeploymentEnv.load(repository, box, deployment));
  }

  /** Ends the deployment's sessions, stops it on its backend and records it stopped. */
  Future<Void> stopNow(Deployment deployment) {
    Backend backend = backends.get(deployment.backend());
    return endSessions(deployment.id(), null)
        .compose(v -> backend == null ? Future.succeededFuture() : backend.stop(deployment))
        .compose(v -> setStatus(deployment, Deployment.STOPPED, "stopped by request"));
  }

  /** Ends the deployment's sessions and removes what its backend made for it. */
  Future<Void> destroy(Deployment deployment) {
    Backend backend = backends.get(deployment.backend());
    provisionedAt.remove(deployment.id());
    failures.remove(deployment.id());
    retryAt.remove(deployment.id());
    return endSessions(deployment.id(), null)
        .compose(v -> backend == null ? Future.succeededFuture() : backend.destroy(deployment));
  }

  private Future<Void> setStatus(Deployment deployment, String status, String reason) {
    return repository.setStatus(deployment.id(), status, reason, SYSTEM).map(changed -> {
      if (changed) {
        statusChanged(deployment.id(), status, reason);
      }
      return null;
    });
  }

  /** Logs a status change and publishes it ({@link Addresses#DEPLOYMENTS_STATUS}). */
  void statusChanged(UUID id, String status, String reason) {
    logs.lifecycle(id, "status " + status + (reason == null ? "" : ": " + reason));
    vertx.eventBus().publish(Addresses.DEPLOYMENTS_STATUS, new JsonObject().put("id", id.toString())
        .put("status", status).put("reason", reason));
  }

  /** Ends the sessions of a deployment (of one of its tokens when {@code tokenId} is given) on this node. */
  Future<Void> endSessions(UUID deploymentId, UUID tokenId) {
    JsonObject which = new JsonObject().put("deploymentId", deploymentId.toString());
    if (tokenId != null) {
      which.put("tokenId", tokenId.toString());
    }
    return vertx.eventBus().request(Addresses.SESSIONS_END, which)
        .<Void>mapEmpty()
        .recover(e -> {
          LOG.warn("ending the sessions of deployment {} failed: {}", deploymentId, e.getMessage());
          return Future.succeededFuture();
        });
  }

  private static String reasonOf(Throwable e) {
    return e instanceof Backend.ProvisioningException ? e.getMessage() : "provisioning failed: "
        + Failures.problem(e, "provisioning").detail();
  }
}
