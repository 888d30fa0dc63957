package dev.catwalk.deploy;

import dev.catwalk.Addresses;
import dev.catwalk.crypto.SecretBox;
import dev.catwalk.crypto.Tokens;
import dev.catwalk.error.ConflictException;
import dev.catwalk.error.Failures;
import dev.catwalk.fleet.FleetLocks;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Drives each deployment towards its desired state: provisions, records the status reached, retries failures
 * with exponential backoff (at most every 30 min), stops what should not run, and sweeps backend resources of
 * deployments that no longer exist. Owned by {@link DeploymentVerticle} and used only on its context.
 *
 * <p>Several replicas share one database: the periodic passes run only on the replica holding the reconciler
 * lock ({@link FleetLocks#leader()}); every change to a deployment's backend resources, from a pass or from a
 * command on any replica, runs while its replica holds the deployment's advisory lock, on the deployment as
 * stored at that moment, and after the work this replica queued for the deployment before. A provisioning that
 * was asked for (create, restart, change) is claimed by one conditional update
 * ({@link DeploymentRepository#claimProvisioning}), so it runs once, on whichever replica gets to it first.
 */
final class Reconciler {

  private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);
  private static final String SYSTEM = "system";
  private static final Duration MAX_RETRY_DELAY = Duration.ofMinutes(30);
  /** How long a provisioning asked for waits while another replica works on the deployment. */
  private static final Duration PROVISION_LOCK_WAIT = Duration.ofMinutes(10);
  /** How long a stop or removal waits for the deployment's lock: less than a REST request waits. */
  private static final Duration COMMAND_LOCK_WAIT = Duration.ofSeconds(40);

  private final Vertx vertx;
  private final DeploymentRepository repository;
  private final SecretBox box;
  private final Map<String, Backend> backends;
  private final DeploymentLogs logs;
  private final Duration reconcileInterval;
  private final FleetLocks locks;
  private final String replica;
  private final Map<UUID, Future<?>> queued = new HashMap<>();
  private final Map<UUID, Integer> failures = new HashMap<>();
  private final Map<UUID, Long> retryAt = new HashMap<>();
  private boolean reconciling;

  Reconciler(Vertx vertx, DeploymentRepository repository, SecretBox box, Map<String, Backend> backends,
             DeploymentLogs logs, Duration reconcileInterval, FleetLocks locks, String replica) {
    this.vertx = vertx;
    this.repository = repository;
    this.box = box;
    this.backends = backends;
    this.logs = logs;
    this.reconcileInterval = reconcileInterval;
    this.locks = locks;
    this.replica = replica;
  }

  /**
   * One pass over every live deployment, then a sweep of backend resources; only on the replica holding the
   * reconciler lock, and skipped while one runs.
   */
  void reconcile() {
    if (reconciling || !locks.leader()) {
      return;
    }
    reconciling = true;
    repository.live()
        .compose(this::reconcileAll)
        .compose(v -> sweep())
        .onFailure(e -> LOG.warn("reconciliation failed: {}", e.getMessage()))
        .onComplete(ar -> reconciling = false);
  }

  private Future<Void> reconcileAll(List<Deployment> deployments) {
    Future<Void> chain = Future.succeededFuture();
    for (Deployment deployment : deployments) {
      chain = chain.compose(v -> reconcileSafely(deployment.id()));
    }
    return chain;
  }

  /** Reconciles one deployment unless this replica or another is working on it right now. */
  private Future<Void> reconcileSafely(UUID id) {
    if (queued.containsKey(id)) {
      return Future.succeededFuture();
    }
    return exclusive(id, null, this::reconcileOne).recover(e -> {
      LOG.warn("reconciling deployment {} failed: {}", id, e.getMessage());
      return Future.succeededFuture();
    });
  }

  private Future<Void> reconcileOne(Deployment deployment) {
    if (!Deployment.RUNNING.equals(deployment.desiredState())) {
      return Deployment.STOPPED.equals(deployment.status()) ? Future.succeededFuture()
          : endSessions(deployment.id(), null).compose(v -> stopLocked(deployment));
    }
    return repository.claimProvisioning(deployment.id(), replica)
        .compose(claimed -> claimed ? provisionNow(deployment).<Void>mapEmpty() : repair(deployment));
  }

  /** Provisions a deployment that should run again when its backend says it does not (or it failed and may retry). */
  private Future<Void> repair(Deployment deployment) {
    if (Deployment.FAILED.equals(deployment.status())
        && System.nanoTime() < retryAt.getOrDefault(deployment.id(), Long.MIN_VALUE)) {
      return Future.succeededFuture();
    }
    Backend backend = backends.get(deployment.backend());
    if (backend == null) {
      return provisionNow(deployment).mapEmpty();
    }
    return backend.isRunning(deployment).compose(up -> up && deployment.servesSessions() ? Future.succeededFuture()
        : repository.recordRepair(deployment.id(), replica).compose(v -> provisionNow(deployment)).mapEmpty());
  }

  /**
   * Removes backend resources of deployments that do not exist, asking the database about each candidate after
   * the backend listed it (a deployment created on another replica meanwhile is not taken for an orphan).
   */
  private Future<Void> sweep() {
    return Future.all(backends.values().stream().map(backend -> backend.sweep(this::exists)).toList()).mapEmpty();
  }

  private Future<Boolean> exists(UUID id) {
    return queued.containsKey(id) ? Future.succeededFuture(true) : repository.find(id).map(Optional::isPresent);
  }

  /**
   * Provisions a deployment whose provisioning was asked for ({@link DeploymentRepository#requestProvisioning},
   * or its creation), unless another replica took the request on since; waits while one works on it.
   */
  Future<Void> provisionRequested(UUID id) {
    return exclusive(id, PROVISION_LOCK_WAIT, deployment -> repository.claimProvisioning(id, replica)
        .compose(claimed -> claimed ? provisionNow(deployment).<Void>mapEmpty() : Future.succeededFuture()));
  }

  /**
   * Runs {@code work} on the deployment as stored now (nothing when it no longer exists), after the work this
   * replica queued for it before, and while this replica holds the deployment's advisory lock.
   *
   * @param wait how long to wait while another replica holds the lock; null to skip the work then
   */
  private Future<Void> exclusive(UUID id, Duration wait, Function<Deployment, Future<Void>> work) {
    return serialized(id, wait, () -> repository.find(id)
        .compose(found -> found.isPresent() ? work.apply(found.get()) : Future.succeededFuture()));
  }

  private Future<Void> serialized(UUID id, Duration wait, Supplier<Future<Void>> work) {
    Future<?> before = queued.getOrDefault(id, Future.succeededFuture());
    Future<Void> mine = before.transform(ar -> locked(id, wait, work));
    queued.put(id, mine);
    mine.onComplete(ar -> queued.remove(id, mine));
    return mine;
  }

  private Future<Void> locked(UUID id, Duration wait, Supplier<Future<Void>> work) {
    Future<Boolean> held = wait == null ? locks.tryLock(id) : locks.lock(id, wait).map(true);
    return held.recover(e -> Future.failedFuture(e instanceof FleetLocks.LockTimeoutException
            ? new ConflictException(e.getMessage() + "; try again") : e))
        .compose(taken -> !taken ? Future.succeededFuture() : work.get()
            .eventually(() -> locks.unlock(id).recover(e -> Future.succeededFuture())));
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

  /** Ends the deployment's sessions, then (unless it was restarted meanwhile) stops it on its backend and records it stopped. */
  Future<Void> stopNow(UUID id) {
    return endSessions(id, null).compose(v -> exclusive(id, COMMAND_LOCK_WAIT, this::stopLocked));
  }

  private Future<Void> stopLocked(Deployment deployment) {
    if (Deployment.RUNNING.equals(deployment.desiredState())) {
      return Future.succeededFuture();
    }
    Backend backend = backends.get(deployment.backend());
    return (backend == null ? Future.<Void>succeededFuture() : backend.stop(deployment))
        .compose(v -> setStatus(deployment, Deployment.STOPPED, "stopped by request"));
  }

  /** Ends the sessions of a deployment marked deleted and removes what its backend made for it. */
  Future<Void> destroy(Deployment deployment) {
    Backend backend = backends.get(deployment.backend());
    return endSessions(deployment.id(), null).compose(v -> serialized(deployment.id(), COMMAND_LOCK_WAIT,
        () -> backend == null ? Future.succeededFuture() : backend.destroy(deployment)));
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
