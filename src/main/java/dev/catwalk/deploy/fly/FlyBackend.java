package dev.catwalk.deploy.fly;

import dev.catwalk.deploy.Backend;
import dev.catwalk.deploy.Deployment;
import dev.catwalk.deploy.DeploymentEnv;
import dev.catwalk.deploy.DeploymentLogs;
import dev.catwalk.deploy.Recipe;
import dev.catwalk.deploy.RemoteUpstreams;
import dev.catwalk.mcp.Upstream;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;

/**
 * The {@code fly} backend: each deployment gets its own Fly app (its own secrets and private
 * network) with one Machine booting the runner image, whose {@code init.cmd} is
 * {@code runner --port P -- <server command…>}. Secrets go through the app secrets API, never into
 * the Machine's plain env; the runner requires the deployment's runner token. The gateway reaches
 * the runner over the private network at {@link FlyOptions#machineUrl()} and relays each client
 * session 1:1 to a runner session.
 *
 * <p>Provisioning is idempotent, so reconciliation repairs by calling it again: it finds the
 * deployment's Machine by its {@code catwalk_deployment} metadata, starts or updates it (under a
 * lease, checked against its version), or creates it tagged with a fresh launch id; after an
 * ambiguous create (408, 5xx, no answer) it looks the launch id up before creating again, so a
 * deployment never gets two Machines.
 */
public final class FlyBackend implements Backend {

  /** The backend name. */
  public static final String NAME = "fly";
  /** Machine metadata key holding the deployment id. */
  public static final String DEPLOYMENT_KEY = "catwalk_deployment";
  /** Machine metadata key holding the id of the create call that made the Machine. */
  public static final String LAUNCH_KEY = "catwalk_launch";
  /** The secret that carries the runner token into the Machine. */
  public static final String RUNNER_TOKEN_SECRET = "CATWALK_RUNNER_TOKEN";

  private static final Logger LOG = LoggerFactory.getLogger(FlyBackend.class);
  /** Backend state key: the digest of the secrets the last provisioning set (see {@link #digest}). */
  private static final String SECRETS_DIGEST = "secretsDigest";
  /** Field added to a Machine's JSON on its way through provisioning: the secrets version it boots with. */
  private static final String SECRETS_VERSION = "catwalk_secrets_version";
  private static final int CREATE_ATTEMPTS = 4;
  private static final Set<String> DEAD_STATES = Set.of("failed", "stopped", "destroyed", "suspended");

  private final Vertx vertx;
  private final FlyOptions options;
  private final FlyMachinesClient client;
  private final RemoteUpstreams remotes;
  private final WebClient health;
  private final FlyTiming timing;

  /** A backend whose waits and retries follow {@code options.timing()}. */
  public FlyBackend(Vertx vertx, FlyOptions options, FlyMachinesClient client, RemoteUpstreams remotes) {
    this.vertx = vertx;
    this.options = options;
    this.client = client;
    this.remotes = remotes;
    this.health = WebClient.create(vertx);
    this.timing = options.timing();
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Future<Void> check(Recipe recipe) {
    return switch (recipe.runtime()) {
      case "remote" -> Future.failedFuture(new ProvisioningException(
          "a remote server already runs elsewhere; deploy it with the local backend, which fronts it"));
      case "oci" -> Future.failedFuture(new ProvisioningException(
          "container images are not run inside the runner image on Fly yet; use npm, pypi or command"));
      default -> Future.succeededFuture();
    };
  }

  @Override
  public Future<JsonObject> provision(Deployment deployment, DeploymentEnv env) {
    String app = appName(deployment.id());
    Map<String, String> secrets = new LinkedHashMap<>(env.secrets());
    secrets.put(RUNNER_TOKEN_SECRET, env.runnerToken());
    String digest = digest(secrets, env.runnerToken());
    return ensureApp(app)
        .compose(v -> syncSecrets(app, secrets, digest, deployment.backendState()))
        .compose(version -> ensureMachine(deployment, app, env, version))
        .compose(machine -> awaitStarted(app, machine))
        .compose(machine -> awaitHealthy(app, machine))
        .map(machine -> new JsonObject().put("app", app).put("machineId", machine.getString("id"))
            .put("instanceId", machine.getString("instance_id")).put("privateIp", machine.getString("private_ip"))
            .put("region", machine.getString("region")).put("secretsVersion", machine.getLong(SECRETS_VERSION))
            .put(SECRETS_DIGEST, digest))
        .recover(e -> Future.failedFuture(e instanceof ProvisioningException ? e
            : new ProvisioningException(e.getMessage())));
  }

  @Override
  public Future<Boolean> isRunning(Deployment deployment) {
    JsonObject state = deployment.backendState();
    String app = state.getString("app");
    String machineId = state.getString("machineId");
    if (app == null || machineId == null) {
      return Future.succeededFuture(false);
    }
    return client.machine(app, machineId).map(found -> found.map(m -> "started".equals(m.getString("state")))
        .orElse(false));
  }

  @Override
  public Upstream openSession(Deployment deployment, DeploymentEnv env, DeploymentLogs.Sink logs) {
    JsonObject state = deployment.backendState();
    URI url = URI.create(machineUrl(state));
    logs.line("lifecycle", "session relayed to Machine " + state.getString("machineId"));
    return remotes.open(url, Map.of("Authorization", "Bearer " + env.runnerToken()));
  }

  @Override
  public Future<Void> stop(Deployment deployment) {
    JsonObject state = deployment.backendState();
    if (state.getString("app") == null || state.getString("machineId") == null) {
      return Future.succeededFuture();
    }
    return client.stop(state.getString("app"), state.getString("machineId")).recover(e ->
        e instanceof FlyApiException api && api.status() == 404 ? Future.succeededFuture() : Future.failedFuture(e));
  }

  @Override
  public Future<Void> destroy(Deployment deployment) {
    return client.deleteApp(appName(deployment.id()));
  }

  @Override
  public Future<JsonArray> events(Deployment deployment) {
    JsonObject state = deployment.backendState();
    if (state.getString("app") == null || state.getString("machineId") == null) {
      return Future.succeededFuture(new JsonArray());
    }
    return client.events(state.getString("app"), state.getString("machineId")).map(FlyBackend::summarize);
  }

  @Override
  public Future<Void> sweep(Function<UUID, Future<Boolean>> exists) {
    return client.appNames(options.org()).compose(names -> {
      List<Future<Void>> removals = new ArrayList<>();
      for (String name : names) {
        if (name.startsWith(options.appPrefix())) {
          removals.add(sweepApp(name, exists));
        }
      }
      return Future.all(removals).mapEmpty();
    });
  }

  /** The Fly app of a deployment: the prefix and the first 12 hex digits of its id. */
  public String appName(UUID deploymentId) {
    return options.appPrefix() + deploymentId.toString().replace("-", "").substring(0, 12);
  }

  /** Deletes an app whose Machines all belong to deployments that no longer exist (and at least one does). */
  private Future<Void> sweepApp(String app, Function<UUID, Future<Boolean>> exists) {
    return client.allMachines(app).compose(machines -> {
      List<UUID> owners = machines.stream().map(FlyBackend::owner).toList();
      if (owners.isEmpty() || owners.contains(null)) {
        return Future.succeededFuture();
      }
      return Future.all(owners.stream().distinct().map(exists).toList()).compose(found -> {
        if (found.list().contains(Boolean.TRUE)) {
          return Future.succeededFuture();
        }
        LOG.info("removing Fly app {}: its deployment no longer exists", app);
        return client.deleteApp(app);
      });
    });
  }

  /** The deployment a Machine was made for, or null when it names none. */
  private static UUID owner(JsonObject machine) {
    String owner = machine.getJsonObject("config", new JsonObject()).getJsonObject("metadata", new JsonObject())
        .getString(DEPLOYMENT_KEY);
    if (owner == null) {
      return null;
    }
    try {
      return UUID.fromString(owner);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private Future<Void> ensureApp(String app) {
    return client.app(app).compose(found -> {
      if (found.isEmpty()) {
        return client.createApp(app, options.org()).recover(e -> Future.failedFuture(
            e instanceof FlyApiException api && api.status() == 422
                ? new ProvisioningException("the Fly app name '" + app + "' is taken; set CATWALK_FLY_APP_PREFIX")
                : e));
      }
      String org = found.get().getJsonObject("organization", new JsonObject()).getString("slug");
      return org == null || org.equals(options.org()) ? Future.succeededFuture()
          : Future.failedFuture(new ProvisioningException("the Fly app '" + app + "' belongs to another organization"));
    });
  }

  /**
   * Brings the app's secrets to {@code wanted}: sets them and, in the same call, deletes the others
   * (variables removed from the configuration). Nothing is sent when the app has exactly these names
   * and the last provisioning set these values ({@code digest}, in the backend state), so that a
   * Machine is not rebooted for a secrets version that changes nothing. The secrets version.
   */
  private Future<Long> syncSecrets(String app, Map<String, String> wanted, String digest, JsonObject state) {
    return client.secretNames(app).compose(names -> {
      Long version = state.getLong("secretsVersion");
      if (version != null && digest.equals(state.getString(SECRETS_DIGEST)) && Set.copyOf(names).equals(wanted.keySet())) {
        return Future.succeededFuture(version);
      }
      Map<String, String> values = new LinkedHashMap<>(wanted);
      names.stream().filter(name -> !wanted.containsKey(name)).forEach(name -> values.put(name, null));
      return client.setSecrets(app, values);
    });
  }

  /** HMAC-SHA256 of the secrets' names and values, keyed with the runner token: it shows a change, not a value. */
  private static String digest(Map<String, String> secrets, String key) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      new TreeMap<>(secrets).forEach((name, value) -> mac.update((name + '\0' + value + '\0')
          .getBytes(StandardCharsets.UTF_8)));
      return HexFormat.of().formatHex(mac.doFinal());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  private Future<JsonObject> ensureMachine(Deployment deployment, String app, DeploymentEnv env, long secretsVersion) {
    JsonObject config = machineConfig(deployment, env);
    return client.machines(app, DEPLOYMENT_KEY, deployment.id().toString()).compose(found -> {
      List<JsonObject> live = found.stream().filter(m -> !"destroyed".equals(m.getString("state"))).toList();
      if (live.isEmpty()) {
        return create(app, config, secretsVersion, 1);
      }
      boolean secretsChanged = !Long.valueOf(secretsVersion).equals(deployment.backendState().getLong("secretsVersion"));
      return destroyExtras(app, live).compose(v -> converge(app, live.get(0), config, secretsVersion, secretsChanged));
    });
  }

  private Future<Void> destroyExtras(String app, List<JsonObject> machines) {
    List<Future<Void>> extras = new ArrayList<>();
    for (JsonObject extra : machines.subList(1, machines.size())) {
      LOG.warn("deployment app {} has more than one Machine; destroying {}", app, extra.getString("id"));
      extras.add(client.destroy(app, extra.getString("id")));
    }
    return Future.all(extras).mapEmpty();
  }

  /** Brings an existing Machine to the wanted config and to running. */
  private Future<JsonObject> converge(String app, JsonObject machine, JsonObject config, long secretsVersion,
                                      boolean secretsChanged) {
    String id = machine.getString("id");
    String state = machine.getString("state");
    if (secretsChanged || !sameConfig(machine.getJsonObject("config", new JsonObject()), config)) {
      return update(app, machine, config, secretsVersion).map(updated -> updated.put(SECRETS_VERSION, secretsVersion));
    }
    if (Set.of("stopped", "suspended", "failed").contains(state)) {
      LOG.info("starting Machine {} of {} (was {})", id, app, state);
      return client.start(app, id).compose(v -> client.machine(app, id)).map(m -> m.orElse(machine))
          .map(m -> m.put(SECRETS_VERSION, secretsVersion));
    }
    return Future.succeededFuture(machine.put(SECRETS_VERSION, secretsVersion));
  }

  private Future<JsonObject> update(String app, JsonObject machine, JsonObject config, long secretsVersion) {
    String id = machine.getString("id");
    JsonObject kept = config.copy();
    kept.getJsonObject("metadata").put(LAUNCH_KEY, machine.getJsonObject("config", new JsonObject())
        .getJsonObject("metadata", new JsonObject()).getString(LAUNCH_KEY));
    JsonObject body = new JsonObject().put("config", kept).put("current_version", machine.getString("instance_id"))
        .put("min_secrets_version", secretsVersion);
    return client.lease(app, id, Duration.ofSeconds(30))
        .compose(nonce -> client.updateMachine(app, id, body, nonce)
            .eventually(() -> client.release(app, id, nonce)));
  }

  private Future<JsonObject> create(String app, JsonObject config, long secretsVersion, int attempt) {
    String launch = UUID.randomUUID().toString();
    JsonObject tagged = config.copy();
    tagged.getJsonObject("metadata").put(LAUNCH_KEY, launch);
    JsonObject body = new JsonObject().put("config", tagged).put("min_secrets_version", secretsVersion);
    if (options.region() != null) {
      body.put("region", options.region());
    }
    return client.createMachine(app, body).recover(e -> afterFailedCreate(app, config, secretsVersion, attempt,
        launch, e)).map(machine -> machine.put(SECRETS_VERSION, secretsVersion));
  }

  private Future<JsonObject> afterFailedCreate(String app, JsonObject config, long secretsVersion, int attempt,
                                               String launch, Throwable failure) {
    if (!(failure instanceof FlyApiException api) || !api.retryable() || attempt >= CREATE_ATTEMPTS) {
      return Future.failedFuture(failure);
    }
    Future<List<JsonObject>> made = api.ambiguous() ? client.machines(app, LAUNCH_KEY, launch)
        : Future.succeededFuture(List.of());
    return made.compose(found -> {
      if (!found.isEmpty()) {
        LOG.info("the ambiguous create of launch {} in {} did make Machine {}", launch, app, found.get(0).getString("id"));
        return Future.succeededFuture(found.get(0));
      }
      long backoff = timing.apiBackoff().toMillis() << (attempt - 1);
      return vertx.timer(Math.max(api.retryAfterMillis(), backoff))
          .compose(v -> create(app, config, secretsVersion, attempt + 1));
    });
  }

  /** Waits until the Machine runs its version {@code instance_id} (an update's, not the one it replaces). */
  private Future<JsonObject> awaitStarted(String app, JsonObject machine) {
    long deadline = System.nanoTime() + timing.bootTimeout().toNanos();
    return waitStarted(app, machine.getString("id"), machine.getString("instance_id"), deadline)
        .map(started -> started.put(SECRETS_VERSION, machine.getValue(SECRETS_VERSION)));
  }

  private Future<JsonObject> waitStarted(String app, String id, String instanceId, long deadline) {
    Duration window = Duration.ofNanos(Math.max(1_000_000_000L, Math.min(timing.waitWindow().toNanos(),
        deadline - System.nanoTime())));
    return client.waitFor(app, id, "started", instanceId, window)
        .compose(started -> client.machine(app, id))
        .compose(found -> {
          JsonObject machine = found.orElse(null);
          if (machine != null && "started".equals(machine.getString("state"))) {
            return Future.succeededFuture(machine);
          }
          if (machine == null || DEAD_STATES.contains(machine.getString("state")) || System.nanoTime() > deadline) {
            return bootFailure(app, id, machine);
          }
          return waitStarted(app, id, instanceId, deadline);
        });
  }

  private Future<JsonObject> bootFailure(String app, String id, JsonObject machine) {
    String state = machine == null ? "gone" : machine.getString("state");
    return client.events(app, id).recover(e -> Future.succeededFuture(new JsonArray()))
        .compose(events -> Future.failedFuture(new ProvisioningException("the Fly Machine " + id + " did not start"
            + " (state " + state + ")" + exitReason(events))));
  }

  private Future<JsonObject> awaitHealthy(String app, JsonObject machine) {
    URI url = URI.create(machineUrl(new JsonObject().put("app", app).put("machineId", machine.getString("id"))
        .put("privateIp", machine.getString("private_ip"))));
    URI healthUrl = url.resolve(url.getPath().replaceAll("/mcp$", "") + "/health");
    long deadline = System.nanoTime() + timing.healthTimeout().toNanos();
    return pollHealth(healthUrl, deadline).map(machine);
  }

  private Future<Void> pollHealth(URI url, long deadline) {
    return health.getAbs(url.toString()).timeout(5_000).send()
        .map(response -> response.statusCode() == 200)
        .recover(e -> Future.succeededFuture(false))
        .compose(healthy -> {
          if (healthy) {
            return Future.succeededFuture();
          }
          if (System.nanoTime() > deadline) {
            return Future.failedFuture(new ProvisioningException("the runner on the Fly Machine did not become healthy"
                + " within " + timing.healthTimeout().toSeconds() + " s (" + url.getHost() + ")"));
          }
          return vertx.timer(timing.pollInterval().toMillis()).compose(v -> pollHealth(url, deadline));
        });
  }

  private JsonObject machineConfig(Deployment deployment, DeploymentEnv env) {
    Recipe recipe = deployment.parsedRecipe();
    JsonArray cmd = new JsonArray().add("runner").add("--port").add(String.valueOf(options.runnerPort())).add("--");
    recipe.commandLine(env.variables().keySet()).forEach(cmd::add);
    return new JsonObject()
        .put("image", options.image())
        .put("init", new JsonObject().put("cmd", cmd))
        .put("env", new JsonObject(new LinkedHashMap<>(env.plain())))
        .put("guest", new JsonObject().put("cpu_kind", options.cpuKind()).put("cpus", options.cpus())
            .put("memory_mb", options.memoryMb()))
        .put("restart", new JsonObject().put("policy", "on-failure").put("max_retries", 3))
        .put("checks", new JsonObject().put("runner", new JsonObject().put("type", "http")
            .put("port", options.runnerPort()).put("method", "GET").put("path", "/health")
            .put("interval", "15s").put("timeout", "5s").put("grace_period", "20s")))
        .put("metadata", new JsonObject().put(DEPLOYMENT_KEY, deployment.id().toString()));
  }

  private static boolean sameConfig(JsonObject current, JsonObject wanted) {
    for (String field : List.of("image", "init", "env", "guest")) {
      Object have = current.getValue(field);
      Object want = wanted.getValue(field);
      if (field.equals("env") && have == null && want instanceof JsonObject env && env.isEmpty()) {
        continue;
      }
      if (want != null && !want.equals(have)) {
        return false;
      }
    }
    return true;
  }

  private String machineUrl(JsonObject state) {
    String ip = state.getString("privateIp", "");
    return options.machineUrl().replace("{machine_id}", state.getString("machineId", ""))
        .replace("{app}", state.getString("app", ""))
        .replace("{private_ip}", ip.contains(":") ? "[" + ip + "]" : ip);
  }

  private static String exitReason(JsonArray events) {
    for (Object item : events) {
      JsonObject event = (JsonObject) item;
      JsonObject exit = event.getJsonObject("request", new JsonObject()).getJsonObject("exit_event");
      if (exit != null) {
        return ": it exited with code " + exit.getValue("exit_code")
            + (Boolean.TRUE.equals(exit.getValue("oom_killed")) ? " (out of memory)" : "");
      }
    }
    return events.isEmpty() ? "" : ": last event " + ((JsonObject) events.getValue(0)).getString("type") + " "
        + ((JsonObject) events.getValue(0)).getString("status");
  }

  private static JsonArray summarize(JsonArray events) {
    JsonArray out = new JsonArray();
    for (Object item : events) {
      JsonObject event = (JsonObject) item;
      JsonObject summary = new JsonObject().put("type", event.getString("type")).put("status", event.getString("status"))
          .put("source", event.getString("source")).put("timestamp", event.getValue("timestamp"));
      JsonObject exit = event.getJsonObject("request", new JsonObject()).getJsonObject("exit_event");
      if (exit != null) {
        summary.put("exitCode", exit.getValue("exit_code")).put("oomKilled", exit.getValue("oom_killed"));
      }
      out.add(summary);
    }
    return out;
  }

}
