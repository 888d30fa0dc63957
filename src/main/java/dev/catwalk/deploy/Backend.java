package dev.catwalk.deploy;

import dev.catwalk.mcp.Upstream;
import io.vertx.core.Future;

import java.util.Map;

/**
 * Where deployments run. {@code local} runs each session's server as a child process of this
 * host; {@code fly} (later) runs one Fly Machine per deployment.
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
   * Makes the deployment ready to open sessions (checks or creates what it needs).
   *
   * @return a failed future with a {@link ProvisioningException} whose message says why, for people
   */
  Future<Void> provision(Deployment deployment);

  /**
   * Makes the upstream of one session; called on the new session's context.
   *
   * @param env  configuration values by variable name, secrets decrypted
   * @param logs receives the server's log lines (already redacted by the caller's sink)
   */
  Upstream openSession(Deployment deployment, Map<String, String> env, DeploymentLogs.Sink logs);

  /** Releases what {@link #provision} made (stop or delete). */
  Future<Void> release(Deployment deployment);

  /** A deployment cannot run, for a reason people can act on (never containing a secret). */
  final class ProvisioningException extends RuntimeException {
    public ProvisioningException(String reason) {
      super(reason, null, false, false);
    }
  }
}
