package dev.catwalk.deploy;

import dev.catwalk.mcp.Upstream;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;


/**
 * Where deployments run. {@code local} runs each session's server as a child process of this
 * host; {@code fly} runs one Fly Machine per deployment.
 */
public interface Backend {

  /** The backend's name as stored in {@code deployments.backend}. */
  String name();

  /**
   * Checks, before anything is stored, that this backend can run {@code recipe} (its runtime is
   * installed, its command exists, its URL is allowed).
   *
   * @return a failed future with a {@link ProvisioningException} saying why not
   */
  Future<Void> check(Recipe recipe);

  /**
   * Makes the deployment run (checks, or creates and starts, what it needs); idempotent, so
   * reconciliation can call it again to repair.
   *
   * @return what the backend needs to find its resources again (stored as the deployment's
   *     backend state), or a failed future with a {@link ProvisioningException} saying why, for people
   */
  Future<JsonObject> provision(Deployment deployment, DeploymentEnv env);

  /** Whether the deployment's resources are actually up (reconciliation compares this with the desired state). */
  Future<Boolean> isRunning(Deployment deployment);

  /**
   * Makes the upstream of one session; called on the new session's context.
   *
   * @param env  the deployment's configuration, secrets decrypted
   * @param logs receives the server's log lines (redacted by the sink)
   */
  Upstream openSession(Deployment deployment, DeploymentEnv env, DeploymentLogs.Sink logs);

  /** Stops what {@link #provision} started, keeping what a restart needs. */
  Future<Void> stop(Deployment deployment);

  /** Removes everything the deployment had (it is being deleted). */
  Future<Void> destroy(Deployment deployment);

  /** Recent events of the deployment's resources, newest first (for its logs); empty when there are none. */
  default Future<JsonArray> events(Deployment deployment) {
    return Future.succeededFuture(new JsonArray());
  }

  /**
   * How this backend isolates a deployment's servers, shown as the deployment's {@code sandbox} field (the
   * local backend: bubblewrap's version, or {@code off}); null when the backend says nothing.
   */
  default String sandbox() {
    return null;
  }

  /**
   * Removes resources this backend made for deployments that no longer exist; {@code exists} is asked about each
   * deployment only after its resources were listed (a deployment being created meanwhile then counts).
   */
  default Future<Void> sweep(java.util.function.Function<java.util.UUID, Future<Boolean>> exists) {
    return Future.succeededFuture();
  }

  /** A deployment cannot run, for a reason people can act on (never containing a secret). */
  final class ProvisioningException extends RuntimeException {
    public ProvisioningException(String reason) {
      super(reason, null, false, false);
    }
  }
}
