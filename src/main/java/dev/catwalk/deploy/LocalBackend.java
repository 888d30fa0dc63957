package dev.catwalk.deploy;

import dev.catwalk.error.ApiException;
import dev.catwalk.error.Validation;

import dev.catwalk.mcp.StdioUpstream;
import dev.catwalk.sandbox.Sandbox;
import dev.catwalk.sandbox.SandboxLimits;
import dev.catwalk.mcp.Upstream;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.io.File;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The embedded backend: each MCP session runs its server as a child process of this host, inside the
 * {@link Sandbox} (bubblewrap) unless it is switched off, with the deployment's configuration (secrets
 * decrypted) as its environment and {@code CATWALK_LOCAL_PATH} as its {@code PATH}. Nothing is provisioned ahead of sessions; provisioning checks that the
 * runtime ({@code npx}, {@code uvx}, {@code docker} and its engine) or the command exists.
 */
public final class LocalBackend implements Backend {

  /** The backend name. */
  public static final String NAME = "local";

  private static final int STDERR_LINES = 200;
  /** Backend state: the absolute path of the recipe's executable, found on {@code PATH} by provisioning. */
  private static final String EXECUTABLE = "executable";
  private static final long DOCKER_CHECK_SECONDS = 10;

  private final Vertx vertx;
  private final String searchPath;
  private final boolean allowPrivateUpstreams;
  private final RemoteUpstreams remotes;
  private final Sandbox sandbox;

  /**
   * @param searchPath            {@code PATH} for server processes and runtime lookup
   * @param allowPrivateUpstreams whether remote servers may be on loopback or private addresses
   * @param sandbox               how server processes are isolated
   */
  public LocalBackend(Vertx vertx, String searchPath, boolean allowPrivateUpstreams, RemoteUpstreams remotes,
                      Sandbox sandbox) {
    this.vertx = vertx;
    this.sandbox = sandbox;
    this.searchPath = searchPath;
    this.allowPrivateUpstreams = allowPrivateUpstreams;
    this.remotes = remotes;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Future<Void> check(Recipe recipe) {
    return vertx.executeBlocking(() -> {
      checkBlocking(recipe);
      return null;
    }, false);
  }

  /** Checks the recipe again; the state names the executable found on {@code PATH}, which sessions then start. */
  @Override
  public Future<JsonObject> provision(Deployment deployment, DeploymentEnv env) {
    Recipe recipe = deployment.parsedRecipe();
    return vertx.executeBlocking(() -> {
      checkBlocking(recipe);
      return recipe.executable() == null ? new JsonObject()
          : new JsonObject().put(EXECUTABLE, resolve(recipe.executable()).orElseThrow().toString());
    }, false);
  }

  /** Running while {@code PATH} still finds the executable provisioning found. */
  @Override
  public Future<Boolean> isRunning(Deployment deployment) {
    String wanted = deployment.parsedRecipe().executable();
    if (wanted == null) {
      return Future.succeededFuture(true);
    }
    String executable = deployment.backendState() == null ? null : deployment.backendState().getString(EXECUTABLE);
    return executable == null ? Future.succeededFuture(false)
        : vertx.executeBlocking(() -> resolve(wanted).map(Path::toString).filter(executable::equals).isPresent(), false);
  }

  @Override
  public Upstream openSession(Deployment deployment, DeploymentEnv env, DeploymentLogs.Sink logs) {
    Recipe recipe = deployment.parsedRecipe();
    if (recipe.runtime().equals("remote")) {
      return remotes.open(URI.create(recipe.url()), recipe.resolvedHeaders(env.variables()));
    }
    List<String> command = new ArrayList<>(recipe.commandLine(env.variables().keySet()));
    String executable = deployment.backendState() == null ? null : deployment.backendState().getString(EXECUTABLE);
    if (executable != null) {
      command.set(0, executable);
    }
    // A container image runs in Docker's own isolation; its docker CLI needs the engine's socket, which no
    // sandbox may hold, so it is the one server command started outside bubblewrap.
    Sandbox isolation = recipe.runtime().equals("oci") ? Sandbox.off() : sandbox;
    if (isolation.enabled() && !Sandbox.exists(command.getFirst(), searchPath)) {
      return new Unstartable("cannot start '" + command.getFirst() + "': no such executable file on this host");
    }
    Sandbox.Launch launch = isolation.launch(deployment.id().toString(), command, env.variables(), searchPath,
        limits(deployment));
    StdioUpstream upstream = new StdioUpstream(vertx, new StdioUpstream.Spec(launch.command(), launch.env(),
        launch.workDir(), STDERR_LINES, dev.catwalk.mcp.RelayOptions.MAX_MESSAGE_BYTES, launch.exactEnv()));
    return upstream.stderrHandler(line -> logs.line("stderr", line));
  }

  /** The deployment's sandbox limits: the keys of its {@code limits} object it sets, the defaults for the rest. */
  private static SandboxLimits limits(Deployment deployment) {
    return SandboxLimits.fromJson(deployment.limits());
  }

  /** A server whose program is missing: starting it fails with the reason, as a process that cannot start does. */
  private record Unstartable(String reason) implements Upstream {
    @Override
    public Future<Void> start() {
      return Future.failedFuture(new java.io.IOException(reason));
    }

    @Override
    public void send(JsonObject message) {
    }

    @Override
    public Upstream messageHandler(io.vertx.core.Handler<JsonObject> handler) {
      return this;
    }

    @Override
    public Upstream exitHandler(io.vertx.core.Handler<Upstream.UpstreamExit> handler) {
      return this;
    }

    @Override
    public Future<Void> close() {
      return Future.succeededFuture();
    }
  }

  @Override
  public String sandbox() {
    return sandbox.describe();
  }

  /** Nothing runs between sessions; a stopped deployment opens none. */
  @Override
  public Future<Void> stop(Deployment deployment) {
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> destroy(Deployment deployment) {
    return stop(deployment).compose(v -> vertx.executeBlocking(() -> {
      sandbox.forget(deployment.id().toString());
      return null;
    }, false));
  }

  private void checkBlocking(Recipe recipe) throws InterruptedException {
    if (recipe.runtime().equals("remote")) {
      checkRemote(URI.create(recipe.url()));
      return;
    }
    String executable = recipe.executable();
    if (resolve(executable).isEmpty()) {
      throw new ProvisioningException(switch (recipe.runtime()) {
        case "npm" -> "npx (Node.js) is not installed on this host, so npm packages cannot run here";
        case "pypi" -> "uvx (uv) is not installed on this host, so PyPI packages cannot run here";
        case "oci" -> "docker is not installed on this host, so container images cannot run here";
        default -> "the command '" + Validation.printable(executable) + "' was not found on this host";
      });
    }
    if (recipe.runtime().equals("oci")) {
      checkDockerEngine();
    }
  }

  private void checkRemote(URI url) {
    if (allowPrivateUpstreams) {
      return;
    }
    try {
      for (InetAddress address : InetAddress.getAllByName(url.getHost())) {
        if (!PublicAddresses.isPublic(address)) {
          throw new ProvisioningException("the remote server's address is not a public one (private, loopback, shared or special-purpose); Catwalk does not"
              + " connect there unless CATWALK_ALLOW_PRIVATE_UPSTREAMS is true");
        }
      }
    } catch (UnknownHostException e) {
      throw new ProvisioningException("the remote server's host name does not resolve");
    }
  }

  private void checkDockerEngine() throws InterruptedException {
    Path docker = resolve("docker").orElseThrow();
    try {
      Process process = new ProcessBuilder(docker.toString(), "version", "--format", "{{.Server.Version}}")
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!process.waitFor(DOCKER_CHECK_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new ProvisioningException("docker is installed but its engine did not answer within "
            + DOCKER_CHECK_SECONDS + " s");
      }
      if (process.exitValue() != 0) {
        throw new ProvisioningException("docker is installed but its engine is not reachable, so container images"
            + " cannot run here");
      }
    } catch (java.io.IOException e) {
      throw new ProvisioningException("docker could not be started: " + e.getMessage());
    }
  }

  /** The executable file {@code program} names: a path, or a name looked up in the search path. */
  Optional<Path> resolve(String program) {
    if (program == null || program.isBlank()) {
      return Optional.empty();
    }
    if (program.contains("/")) {
      Path path = Path.of(program);
      return Files.isRegularFile(path) && Files.isExecutable(path) ? Optional.of(path.toAbsolutePath())
          : Optional.empty();
    }
    for (String dir : searchPath.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, program);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }
}
