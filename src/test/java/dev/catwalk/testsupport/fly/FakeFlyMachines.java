package dev.catwalk.testsupport.fly;

import dev.catwalk.Main;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * A local stand-in for the Fly.io Machines API ({@code https://api.machines.dev}): a real HTTP
 * server on 127.0.0.1 with the routes {@code FlyMachinesClient} calls, answering them as the
 * published API does (superfly/docs {@code machines/api/*}, superfly/fly-go {@code flaps/*}), and
 * booting each Machine as a local process.
 *
 * <h2>Routes</h2>
 * All need {@code Authorization: Bearer <token>} or {@code FlyV1 <token>} (else 401 {@code unauthorized});
 * errors are {@code {"error": "<text>"}}.
 * <ul>
 *   <li>{@code POST /v1/apps {app_name, org_slug}} → 201 {@code {id, created_at}}; a taken name → 422
 *   {@code {error: "Name has already been taken", status: "name_taken"}}. {@code GET /v1/apps?org_slug=} →
 *   {@code {total_apps, apps: [{id, name, machine_count, network}]}}. {@code GET /v1/apps/{app}} →
 *   {@code {id, name, status, organization: {name, slug}, network}}. {@code DELETE /v1/apps/{app}} → 202,
 *   and its Machines are destroyed.</li>
 *   <li>{@code GET /v1/apps/{app}/secrets} → {@code {secrets: [{name, digest}]}} (never values);
 *   {@code POST} {@code {values: {NAME: "v" | null}}} sets and deletes (null) in one new version →
 *   {@code {secrets, version}}. A Machine reads the secrets when it is created or updated.</li>
 *   <li>{@code GET .../machines?metadata.KEY=VAL} lists the app's Machines that are not destroyed;
 *   {@code POST .../machines {config, region?, min_secrets_version?}} creates and boots one → 200 Machine;
 *   {@code GET .../machines/{id}} (destroyed ones too, while the app exists); {@code POST .../machines/{id}
 *   {config, current_version?, min_secrets_version?}} replaces the whole config (409 on another version)
 *   and reboots; {@code POST .../start} (412 unless created, stopped or failed) → {@code {previous_state,
 *   migrated, new_host}}; {@code POST .../stop} → {@code {ok: true}}: SIGINT, 5 s, then SIGKILL;
 *   {@code DELETE .../machines/{id}} (412 while running unless {@code ?force=true}; from then on only a GET
 *   reaches the Machine, anything else gets 404); {@code GET .../events} (newest first).</li>
 *   <li>{@code GET .../wait?state=started|stopped|suspended|destroyed&timeout=1..60&instance_id=} → 200
 *   {@code {ok, state}}; not reached in time → 408 {@code deadline_exceeded: …}; timeout out of range →
 *   400 {@code invalid_argument: …}.</li>
 *   <li>{@code POST .../lease {ttl, description}} → 201 {@code {status: "success", data: {nonce, expires_at,
 *   owner, description, version}}} (200 when refreshed with the held nonce); {@code DELETE .../lease} with
 *   the nonce releases. While a lease is held, every mutating call without its nonce in
 *   {@code fly-machine-lease-nonce} gets 409 {@code aborted: machine ID … lease currently held by …}.</li>
 * </ul>
 * Any other {@code /v1} path, and any body field these routes do not simulate, gets 501
 * {@code unimplemented: …}, so that a client that starts relying on more of the API fails loudly.
 *
 * <h2>Booting a Machine</h2>
 * The image is not pulled: a Machine runs {@code java -cp <this JVM's class path> dev.catwalk.Main
 * <init.cmd…>} (the Catwalk image's ENTRYPOINT) or {@code init.exec}, with exactly {@code PATH},
 * {@code HOME} and {@code JAVA_HOME} inherited, then {@code config.env}, then the secrets (they win), then
 * {@code FLY_PRIVATE_IP}, {@code FLY_MACHINE_ID}, {@code FLY_APP_NAME}, {@code FLY_REGION}. Each Machine
 * gets its own loopback address as {@code private_ip} (127.0.B.x, B random per JVM so that test JVMs on
 * one host do not collide; an address whose {@code --port} is taken is skipped). {@code started} means the
 * process was spawned, as on Fly it means the VM booted. A process that exits by itself follows
 * {@code restart.policy} ({@code no}, {@code always}, {@code on-failure} — the default — with
 * {@code max_retries}, default 10); a boot while {@link #bootFailure(boolean)} is on leaves the Machine
 * {@code failed}. Each transition adds the event Fly records ({@code launch}, {@code start}, {@code exit}
 * with its {@code exit_event}, {@code stop}, {@code update}, {@code destroy}). Output goes to
 * {@code target/fake-fly/run-*}.
 *
 * <p>Test controls are plain Java methods for the test thread (not an event loop): they run on the
 * fake's own context and wait for it.
 */
public final class FakeFlyMachines implements AutoCloseable {

  /** One API request as the fake saw it: never bodies, so never secret values. */
  public record Request(String method, String path, String query, int status) {
  }

  /** The lease header (machines-resource "Update a Machine", "Release a Machine lease"). */
  public static final String NONCE_HEADER = "fly-machine-lease-nonce";
  /** The owner reported on leases (Fly reports the token's user). */
  public static final String LEASE_OWNER = "catwalk-tests@tokens.fly.io";

  private static final String DEFAULT_REGION = "iad";
  private static final Set<String> WAIT_STATES = Set.of("started", "stopped", "suspended", "destroyed");
  private static final Set<String> CONFIG_FIELDS = Set.of("image", "init", "env", "guest", "restart", "checks",
      "metadata");
  private static final Set<String> STARTABLE = Set.of(FakeMachine.CREATED, FakeMachine.STOPPED, FakeMachine.FAILED);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
  private static final long RESTART_DELAY_MILLIS = 200;
  private static final int ON_FAILURE_RETRIES = 10;
  /** Loopback block of this JVM (127.0.BLOCK.x), and how many addresses were handed out. */
  private static final int BLOCK = 1 + ThreadLocalRandom.current().nextInt(200);
  private static final AtomicInteger ADDRESSES = new AtomicInteger();

  private final String token = "fo1_" + HexFormat.of().formatHex(FakeMachine.randomBytes(24));
  private final Map<String, FakeApp> apps = new LinkedHashMap<>();
  private final Map<String, FakeMachine> machines = new LinkedHashMap<>();
  private final Set<MachineProcess> processes = ConcurrentHashMap.newKeySet();
  private final Set<HttpConnection> connections = ConcurrentHashMap.newKeySet();
  private final List<FailureRule> failures = new CopyOnWriteArrayList<>();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final AtomicBoolean ambiguousCreate = new AtomicBoolean();
  private final AtomicBoolean bootFailure = new AtomicBoolean();
  private final Thread shutdownHook = new Thread(() -> processes.forEach(MachineProcess::killNow), "fake-fly-shutdown");
  private Vertx vertx;
  private Context context;
  private Router router;
  private HttpServer server;
  private volatile int port;
  private volatile boolean closed;
  private Path logDir;

  private static final class FakeApp {
    final String id = HexFormat.of().formatHex(FakeMachine.randomBytes(8));
    final String name;
    final String org;
    final long createdAt = System.currentTimeMillis();
    final Map<String, String> secrets = new TreeMap<>();
    long secretsVersion;
    final Map<String, FakeMachine> machines = new LinkedHashMap<>();

    FakeApp(String name, String org) {
      this.name = name;
      this.org = org;
    }

    long active() {
      return machines.values().stream().filter(m -> !m.state.equals(FakeMachine.DESTROYED)).count();
    }

    JsonObject toJson() {
      return new JsonObject().put("id", id).put("name", name).put("status", active() > 0 ? "deployed" : "pending")
          .put("organization", new JsonObject().put("name", org).put("slug", org)).put("network", "default");
    }

    JsonArray secretList() {
      JsonArray list = new JsonArray();
      secrets.forEach((secret, value) -> list.add(new JsonObject().put("name", secret).put("digest", digest(value))));
      return list;
    }
  }

  private record FailureRule(String method, Pattern path, int status, AtomicInteger remaining) {
  }

  // ---------------------------------------------------------------- lifecycle

  /** Starts listening on a free port of 127.0.0.1; returns this. */
  public FakeFlyMachines start(Vertx vertx) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    try {
      logDir = Files.createDirectories(Path.of("target", "fake-fly", "run-" + FakeMachine.ulid()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    call(() -> {
      router = router();
      return listen(0);
    });
    return this;
  }

  /** Stops listening and kills every Machine's process tree; nothing is left running. */
  @Override
  public void close() {
    if (context == null || closed) {
      return;
    }
    closed = true;
    try {
      call(() -> {
        List<Future<Void>> done = new ArrayList<>();
        machines.values().forEach(machine -> done.add(machine.enqueue(() -> killProcess(machine))));
        Future<Void> stopped = server == null ? Future.succeededFuture() : server.close();
        return Future.join(stopped, Future.join(done)).transform(ar -> Future.<Void>succeededFuture());
      });
    } finally {
      processes.forEach(MachineProcess::killNow);
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    }
  }

  /** The API's base URL, the counterpart of {@code https://api.machines.dev} (paths start with /v1). */
  public String url() {
    return "http://127.0.0.1:" + port;
  }

  /** The token the fake accepts. */
  public String token() {
    return token;
  }

  // ---------------------------------------------------------------- test controls

  /** Every app, as {@code GET /v1/apps/{app}} shows it. */
  public List<JsonObject> apps() {
    return call(() -> Future.succeededFuture(apps.values().stream().map(FakeApp::toJson).toList()));
  }

  /** Every Machine of {@code app}, destroyed ones included, as {@code GET .../machines/{id}} shows it. */
  public List<JsonObject> machines(String app) {
    return call(() -> Future.succeededFuture(Optional.ofNullable(apps.get(app))
        .map(found -> found.machines.values().stream().map(FakeMachine::toJson).toList()).orElse(List.of())));
  }

  /** One Machine (of any app, also after its app was deleted). */
  public Optional<JsonObject> machine(String machineId) {
    return call(() -> Future.succeededFuture(Optional.ofNullable(machines.get(machineId)).map(FakeMachine::toJson)));
  }

  /** The values of {@code app}'s secrets (the API never shows them). */
  public Map<String, String> secrets(String app) {
    return call(() -> Future.succeededFuture(Optional.ofNullable(apps.get(app))
        .<Map<String, String>>map(found -> Map.copyOf(found.secrets)).orElse(Map.of())));
  }

  /**
   * Kills the Machine's process tree behind the client's back, like a crash (SIGKILL, exit code 137),
   * and returns once the fake has seen the exit: the restart policy decides what follows.
   */
  public void kill(String machineId) {
    call(() -> {
      FakeMachine machine = machines.get(machineId);
      if (machine == null || machine.process == null) {
        return Future.failedFuture(new IllegalStateException("machine " + machineId + " has no running process"));
      }
      return machine.process.kill(false).mapEmpty();
    });
  }

  /**
   * The next {@code times} requests with {@code method} whose path (without query) matches
   * {@code pathRegex} get {@code status} with the body Fly gives for it (429 with {@code Retry-After: 1}),
   * before anything is done.
   */
  public void failNext(String method, String pathRegex, int status, int times) {
    failures.add(new FailureRule(method, Pattern.compile(pathRegex), status, new AtomicInteger(times)));
  }

  /** The next Machine create is carried out but answered 408 {@code deadline_exceeded} (the ambiguous create). */
  public void ambiguousNextCreate() {
    ambiguousCreate.set(true);
  }

  /** While on, every boot fails: state {@code failed}, an {@code exit} event with exit code 1. */
  public void bootFailure(boolean on) {
    bootFailure.set(on);
  }

  /** While on, the API refuses connections (open ones are closed); Machines keep running. */
  public void down(boolean on) {
    call(() -> {
      if (on == (server == null)) {
        return Future.succeededFuture();
      }
      if (!on) {
        return listen(port);
      }
      HttpServer closing = server;
      server = null;
      List.copyOf(connections).forEach(HttpConnection::close);
      return closing.close();
    });
  }

  /** The requests so far, oldest first. */
  public List<Request> requests() {
    return List.copyOf(requests);
  }

  /** Processes started for Machines (or their descendants) that are still running. */
  public int liveProcesses() {
    processes.removeIf(process -> !process.alive());
    return processes.size();
  }

  // ---------------------------------------------------------------- HTTP

  private Router router() {
    Router r = Router.router(vertx);
    r.route().handler(this::gate);
    r.route().handler(BodyHandler.create().setBodyLimit(1024 * 1024));
    r.post("/v1/apps").handler(this::createApp);
    r.get("/v1/apps").handler(this::listApps);
    r.get("/v1/apps/:app").handler(ctx -> withApp(ctx, app -> json(ctx, 200, app.toJson())));
    r.delete("/v1/apps/:app").handler(this::deleteApp);
    r.get("/v1/apps/:app/secrets").handler(ctx -> withApp(ctx, app -> json(ctx, 200,
        new JsonObject().put("secrets", app.secretList()))));
    r.post("/v1/apps/:app/secrets").handler(this::updateSecrets);
    r.get("/v1/apps/:app/machines").handler(this::listMachines);
    r.post("/v1/apps/:app/machines").handler(this::createMachine);
    r.get("/v1/apps/:app/machines/:id").handler(ctx -> withMachine(ctx, m -> json(ctx, 200, m.toJson())));
    r.post("/v1/apps/:app/machines/:id").handler(this::updateMachine);
    r.delete("/v1/apps/:app/machines/:id").handler(this::destroyMachine);
    r.post("/v1/apps/:app/machines/:id/start").handler(this::startMachine);
    r.post("/v1/apps/:app/machines/:id/stop").handler(this::stopMachine);
    r.get("/v1/apps/:app/machines/:id/wait").handler(this::waitMachine);
    r.get("/v1/apps/:app/machines/:id/events").handler(ctx -> withMachine(ctx, m -> json(ctx, 200, m.events())));
    r.post("/v1/apps/:app/machines/:id/lease").handler(this::acquireLease);
    r.delete("/v1/apps/:app/machines/:id/lease").handler(this::releaseLease);
    r.route().handler(ctx -> error(ctx, 501, "unimplemented: " + ctx.request().method() + " " + ctx.request().path()
        + " is not simulated by FakeFlyMachines"));
    r.route().failureHandler(ctx -> error(ctx, ctx.statusCode() == 413 ? 413 : 500,
        ctx.statusCode() == 413 ? "invalid_argument: request body too large" : "internal: " + ctx.failure()));
    return r;
  }

  private Future<Void> listen(int onPort) {
    HttpServer created = vertx.createHttpServer().requestHandler(router).connectionHandler(connection -> {
      connections.add(connection);
      connection.closeHandler(v -> connections.remove(connection));
    });
    return created.listen(onPort, "127.0.0.1").map(s -> {
      server = s;
      port = s.actualPort();
      return null;
    });
  }

  /** Records the request and its status, checks the token, then applies injected failures. */
  private void gate(RoutingContext ctx) {
    String method = ctx.request().method().name();
    String path = ctx.request().path();
    ctx.addHeadersEndHandler(v -> requests.add(new Request(method, path, ctx.request().query(),
        ctx.response().getStatusCode())));
    ctx.response().putHeader("fly-request-id", FakeMachine.ulid());
    if (!authorized(ctx.request().getHeader("Authorization"))) {
      error(ctx, 401, "unauthorized");
      return;
    }
    for (FailureRule rule : failures) {
      if (rule.method().equalsIgnoreCase(method) && rule.path().matcher(path).matches()
          && rule.remaining().getAndDecrement() > 0) {
        if (rule.status() == 429) {
          ctx.response().putHeader("Retry-After", "1");
        }
        error(ctx, rule.status(), switch (rule.status()) {
          case 408 -> "deadline_exceeded: context deadline exceeded";
          case 429 -> "rate limit exceeded, please retry later";
          default -> "unavailable: injected failure " + rule.status();
        });
        return;
      }
    }
    ctx.next();
  }

  private boolean authorized(String header) {
    String[] parts = header == null ? new String[0] : header.split(" ", 2);
    return parts.length == 2 && (parts[0].equalsIgnoreCase("Bearer") || parts[0].equalsIgnoreCase("FlyV1"))
        && MessageDigest.isEqual(parts[1].strip().getBytes(StandardCharsets.UTF_8),
        token.getBytes(StandardCharsets.UTF_8));
  }

  // ---------------------------------------------------------------- apps and secrets

  private void createApp(RoutingContext ctx) {
    JsonObject body = body(ctx, "app_name", "org_slug");
    if (body == null) {
      return;
    }
    String name = string(body, "app_name");
    String org = string(body, "org_slug");
    if (name.isEmpty() || org.isEmpty()) {
      error(ctx, 400, "invalid_argument: app_name and org_slug are required");
    } else if (apps.containsKey(name)) {
      json(ctx, 422, new JsonObject().put("error", "Name has already been taken").put("status", "name_taken"));
    } else {
      FakeApp app = new FakeApp(name, org);
      apps.put(name, app);
      json(ctx, 201, new JsonObject().put("id", app.id).put("created_at", app.createdAt));
    }
  }

  private void listApps(RoutingContext ctx) {
    String org = ctx.request().getParam("org_slug", "");
    JsonArray list = new JsonArray();
    apps.values().stream().filter(app -> app.org.equals(org)).forEach(app -> list.add(new JsonObject()
        .put("id", app.id).put("name", app.name).put("machine_count", app.active()).put("network", "default")));
    json(ctx, 200, new JsonObject().put("total_apps", list.size()).put("apps", list));
  }

  private void deleteApp(RoutingContext ctx) {
    withApp(ctx, app -> {
      apps.remove(app.name);
      app.machines.values().stream().filter(machine -> !machine.gone()).forEach(this::destroyLater);
      ctx.response().setStatusCode(202).end();
    });
  }

  private void updateSecrets(RoutingContext ctx) {
    withApp(ctx, app -> {
      JsonObject body = body(ctx, "values");
      if (body == null) {
        return;
      }
      if (!(body.getValue("values") instanceof JsonObject values) || values.isEmpty()
          || values.stream().anyMatch(e -> e.getValue() != null && !(e.getValue() instanceof String))) {
        error(ctx, 400, "invalid_argument: values must map names to strings (or null to delete)");
        return;
      }
      values.forEach(entry -> {
        if (entry.getValue() == null) {
          app.secrets.remove(entry.getKey());
        } else {
          app.secrets.put(entry.getKey(), (String) entry.getValue());
        }
      });
      app.secretsVersion++;
      json(ctx, 200, new JsonObject().put("secrets", app.secretList()).put("version", app.secretsVersion));
    });
  }

  private static String digest(String value) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(value.getBytes(StandardCharsets.UTF_8))).substring(0, 16);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---------------------------------------------------------------- machines

  private void listMachines(RoutingContext ctx) {
    withApp(ctx, app -> {
      Map<String, String> metadata = new LinkedHashMap<>();
      ctx.queryParams().forEach((key, value) -> {
        if (key.startsWith("metadata.")) {
          metadata.put(key.substring("metadata.".length()), value);
        }
      });
      json(ctx, 200, new JsonArray(app.machines.values().stream()
          .filter(m -> !m.state.equals(FakeMachine.DESTROYED))
          .filter(m -> metadata.entrySet().stream().allMatch(e -> e.getValue().equals(m.metadata().getValue(e.getKey()))))
          .map(FakeMachine::toJson).toList()));
    });
  }

  private void createMachine(RoutingContext ctx) {
    withApp(ctx, app -> {
      JsonObject body = body(ctx, "config", "region", "min_secrets_version");
      JsonObject config = body == null ? null : validConfig(ctx, body, app);
      if (config == null) {
        return;
      }
      String region = string(body, "region");
      allocateAddress(port(command(config))).onComplete(address -> {
        if (address.failed() || apps.get(app.name) != app) {
          error(ctx, 404, "app not found");
          return;
        }
        FakeMachine machine = new FakeMachine(app.name, region.isEmpty() ? DEFAULT_REGION : region, address.result(),
            config, Map.copyOf(app.secrets));
        app.machines.put(machine.id, machine);
        machines.put(machine.id, machine);
        machine.event("launch", FakeMachine.CREATED, "user", null);
        JsonObject created = machine.toJson();
        machine.enqueue(() -> boot(machine));
        if (ambiguousCreate.getAndSet(false)) {
          error(ctx, 408, "deadline_exceeded: context deadline exceeded");
        } else {
          json(ctx, 200, created);
        }
      });
    });
  }

  private void updateMachine(RoutingContext ctx) {
    withLeasedMachine(ctx, machine -> {
      FakeApp app = apps.get(machine.app);
      JsonObject body = body(ctx, "config", "current_version", "min_secrets_version");
      JsonObject config = body == null ? null : validConfig(ctx, body, app);
      if (config == null) {
        return;
      }
      String currentVersion = string(body, "current_version");
      if (!currentVersion.isEmpty() && !currentVersion.equals(machine.instanceId)) {
        error(ctx, 409, "aborted: machine " + machine.id + " current version is " + machine.instanceId
            + ", not " + currentVersion);
        return;
      }
      machine.config = config;
      machine.instanceId = FakeMachine.ulid();
      machine.secrets = Map.copyOf(app.secrets);
      machine.restarts = 0;
      machine.event("update", "replacing", "user", null);
      machine.state("replacing");
      machine.enqueue(() -> stop(machine, "replacing").compose(v -> boot(machine)));
      json(ctx, 200, machine.toJson());
    });
  }

  private void startMachine(RoutingContext ctx) {
    withLeasedMachine(ctx, machine -> {
      String previous = machine.state;
      if (!STARTABLE.contains(previous)) {
        error(ctx, 412, "failed_precondition: unable to start machine from current state: '" + previous + "'");
        return;
      }
      machine.restarts = 0;
      machine.enqueue(() -> boot(machine));
      json(ctx, 200, new JsonObject().put("previous_state", previous).put("migrated", false).put("new_host", false));
    });
  }

  private void stopMachine(RoutingContext ctx) {
    withLeasedMachine(ctx, machine -> {
      if (body(ctx) == null) {
        return;
      }
      if (machine.process != null || machine.state.equals(FakeMachine.STARTING)) {
        machine.event("stop", FakeMachine.STOPPING, "user", null);
        machine.enqueue(() -> stop(machine, FakeMachine.STOPPING));
      }
      json(ctx, 200, new JsonObject().put("ok", true));
    });
  }

  private void destroyMachine(RoutingContext ctx) {
    withLeasedMachine(ctx, machine -> {
      if (!"true".equals(ctx.request().getParam("force")) && !STARTABLE.contains(machine.state)) {
        error(ctx, 412, "failed_precondition: unable to destroy machine, not currently stopped, suspended, failed"
            + " or created");
        return;
      }
      destroyLater(machine);
      json(ctx, 200, new JsonObject().put("ok", true));
    });
  }

  private void waitMachine(RoutingContext ctx) {
    withMachine(ctx, machine -> {
      Set<String> states = new LinkedHashSet<>();
      ctx.queryParam("state").forEach(value -> states.addAll(List.of(value.split(","))));
      states.removeIf(String::isBlank);
      if (states.isEmpty()) {
        states.add(FakeMachine.STARTED);
      }
      int timeout = seconds(ctx.request().getParam("timeout", "60"));
      if (!WAIT_STATES.containsAll(states) || timeout < 1 || timeout > 60) {
        error(ctx, 400, "invalid_argument: state must be started, stopped, suspended or destroyed and timeout"
            + " 1 to 60 seconds");
        return;
      }
      String instance = ctx.request().getParam("instance_id");
      if (machine.reached(states, instance)) {
        json(ctx, 200, new JsonObject().put("ok", true).put("state", machine.state));
        return;
      }
      Future<String> reached = machine.await(states, instance);
      long timer = vertx.setTimer(timeout * 1000L, id -> {
        machine.forget(reached);
        error(ctx, 408, "deadline_exceeded: machine " + machine.id + " did not reach state " + String.join("|", states)
            + " within " + timeout + "s");
      });
      ctx.response().closeHandler(v -> {
        vertx.cancelTimer(timer);
        machine.forget(reached);
      });
      reached.onSuccess(state -> {
        vertx.cancelTimer(timer);
        json(ctx, 200, new JsonObject().put("ok", true).put("state", state));
      });
    });
  }

  private void acquireLease(RoutingContext ctx) {
    withMachine(ctx, machine -> {
      JsonObject body = body(ctx, "ttl", "description");
      if (body == null || !leaseAllows(ctx, machine)) {
        return;
      }
      int ttl = body.getValue("ttl") instanceof Number number ? number.intValue() : 30;
      if (ttl < 1) {
        error(ctx, 400, "invalid_argument: ttl must be a positive number of seconds");
        return;
      }
      FakeMachine.Lease held = machine.activeLease();
      String nonce = held == null ? HexFormat.of().formatHex(FakeMachine.randomBytes(6)) : held.nonce();
      machine.lease = new FakeMachine.Lease(nonce, string(body, "description"), Instant.now().getEpochSecond() + ttl);
      json(ctx, held == null ? 201 : 200, new JsonObject().put("status", "success").put("data", machine.lease.toJson()));
    });
  }

  private void releaseLease(RoutingContext ctx) {
    withMachine(ctx, machine -> {
      if (ctx.request().getHeader(NONCE_HEADER) == null) {
        error(ctx, 400, "invalid_argument: the " + NONCE_HEADER + " header is required to release a lease");
      } else if (leaseAllows(ctx, machine)) {
        machine.lease = null;
        json(ctx, 200, new JsonObject().put("status", "success").put("data", new JsonObject().put("ok", true)));
      }
    });
  }

  /** False (and 409 sent) when a lease is held and the request does not carry its nonce. */
  private static boolean leaseAllows(RoutingContext ctx, FakeMachine machine) {
    FakeMachine.Lease held = machine.activeLease();
    if (held == null || held.nonce().equals(ctx.request().getHeader(NONCE_HEADER))) {
      return true;
    }
    error(ctx, 409, "aborted: machine ID " + machine.id + " lease currently held by " + LEASE_OWNER + ", expires at "
        + Instant.ofEpochSecond(held.expiresAtSeconds()));
    return false;
  }

  // ---------------------------------------------------------------- lifecycle (queued per Machine)

  /** Spawns the Machine's process: → starting → started, or failed. */
  private Future<Void> boot(FakeMachine machine) {
    if (closed || machine.process != null || machine.gone()) {
      return Future.succeededFuture();
    }
    machine.state(FakeMachine.STARTING);
    Future<MachineProcess> spawned = bootFailure.get() ? Future.failedFuture("boot failure")
        : MachineProcess.spawn(context, command(machine.config), environment(machine), logDir.resolve(machine.id + ".log"));
    return spawned.transform(ar -> {
      if (ar.failed()) {
        machine.event("exit", FakeMachine.FAILED, "flyd", FakeMachine.exit(1, false, false));
        machine.state(FakeMachine.FAILED);
        return Future.succeededFuture();
      }
      MachineProcess process = ar.result();
      processes.add(process);
      if (closed) {
        return process.kill(true).mapEmpty();
      }
      machine.process = process;
      machine.event("start", FakeMachine.STARTED, "flyd", null);
      machine.state(FakeMachine.STARTED);
      process.exited().onSuccess(code -> exitedByItself(machine, process, code));
      return Future.succeededFuture();
    });
  }

  /** A process exit nobody asked for: the restart policy decides. */
  private void exitedByItself(FakeMachine machine, MachineProcess process, int code) {
    if (process.requestedStop() || machine.process != process) {
      return;
    }
    machine.process = null;
    JsonObject restart = machine.config.getValue("restart") instanceof JsonObject r ? r : new JsonObject();
    String policy = restart.getString("policy", "on-failure");
    int retries = restart.getValue("max_retries") instanceof Number n && n.intValue() > 0 ? n.intValue()
        : ON_FAILURE_RETRIES;
    boolean again = !closed && (policy.equals("always")
        || policy.equals("on-failure") && code != 0 && machine.restarts < retries);
    machine.event("exit", FakeMachine.STOPPED, "flyd", FakeMachine.exit(code, false, again));
    if (!again) {
      machine.state(FakeMachine.STOPPED);
      return;
    }
    machine.restarts++;
    machine.state(FakeMachine.STARTING);
    machine.enqueue(() -> vertx.timer(RESTART_DELAY_MILLIS)
        .compose(v -> machine.state.equals(FakeMachine.STARTING) ? boot(machine) : Future.succeededFuture()));
  }

  /**
   * Stops the process, if any (SIGINT, then SIGKILL after 5 s), showing {@code during} meanwhile; then
   * stopped (unless a destroy came first).
   */
  private Future<Void> stop(FakeMachine machine, String during) {
    MachineProcess process = machine.process;
    if (machine.gone()) {
      return Future.succeededFuture();
    }
    if (process == null) {
      machine.state(FakeMachine.STOPPED);
      return Future.succeededFuture();
    }
    machine.state(during);
    return process.stop("SIGINT", STOP_TIMEOUT).map(code -> {
      machine.process = null;
      machine.event("exit", FakeMachine.STOPPED, "flyd", FakeMachine.exit(code, true, false));
      if (!machine.gone()) {
        machine.state(FakeMachine.STOPPED);
      }
      return null;
    });
  }

  /** Marks the Machine {@code destroying} at once (no call reaches it any more), and destroys it in turn. */
  private void destroyLater(FakeMachine machine) {
    machine.state(FakeMachine.DESTROYING);
    machine.enqueue(() -> destroy(machine));
  }

  private Future<Void> destroy(FakeMachine machine) {
    if (machine.state.equals(FakeMachine.DESTROYED)) {
      return Future.succeededFuture();
    }
    return killProcess(machine).transform(ar -> {
      machine.lease = null;
      machine.event("destroy", FakeMachine.DESTROYED, "user", null);
      machine.state(FakeMachine.DESTROYED);
      return Future.succeededFuture();
    });
  }

  private Future<Void> killProcess(FakeMachine machine) {
    MachineProcess process = machine.process;
    machine.process = null;
    return process == null ? Future.succeededFuture() : process.kill(true).mapEmpty();
  }

  /** The argv of a boot: {@code init.exec}, else the Catwalk image's entrypoint and {@code init.cmd}. */
  private static List<String> command(JsonObject config) {
    JsonObject init = config.getValue("init") instanceof JsonObject i ? i : new JsonObject();
    if (init.getValue("exec") instanceof JsonArray exec) {
      return strings(exec);
    }
    List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m",
        "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    if (init.getValue("cmd") instanceof JsonArray cmd) {
      argv.addAll(strings(cmd));
    }
    return argv;
  }

  private static Map<String, String> environment(FakeMachine machine) {
    Map<String, String> env = new LinkedHashMap<>();
    for (String inherited : List.of("PATH", "HOME", "JAVA_HOME")) {
      Optional.ofNullable(System.getenv(inherited)).ifPresent(value -> env.put(inherited, value));
    }
    if (machine.config.getValue("env") instanceof JsonObject configured) {
      configured.forEach(entry -> env.put(entry.getKey(), String.valueOf(entry.getValue())));
    }
    env.putAll(machine.secrets);
    env.put("FLY_PRIVATE_IP", machine.privateIp);
    env.put("FLY_MACHINE_ID", machine.id);
    env.put("FLY_APP_NAME", machine.app);
    env.put("FLY_REGION", machine.region);
    return env;
  }

  /** The {@code --port} of a command line (before any {@code --}), or 0. */
  private static int port(List<String> argv) {
    int end = argv.contains("--") ? argv.indexOf("--") : argv.size();
    int flag = argv.subList(0, end).indexOf("--port");
    return flag >= 0 && flag + 1 < end && argv.get(flag + 1).matches("\\d{1,5}") ? Integer.parseInt(argv.get(flag + 1))
        : 0;
  }

  /** The next loopback address of this JVM on which {@code port} (when not 0) is free. */
  private Future<String> allocateAddress(int port) {
    return context.executeBlocking(() -> {
      for (int attempt = 0; attempt < 1000; attempt++) {
        int n = ADDRESSES.getAndIncrement();
        String address = "127.0." + ((BLOCK + n / 253) % 254 + 1) + "." + (2 + n % 253);
        if (port == 0 || free(address, port)) {
          return address;
        }
      }
      throw new IllegalStateException("no free loopback address for port " + port);
    }, false);
  }

  private static boolean free(String address, int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(InetAddress.getByName(address), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  // ---------------------------------------------------------------- helpers

  /**
   * The body's config, checked (null returned after answering 400 when it is not usable, or 501 when
   * it uses what the fake does not simulate: {@code guest} and {@code checks} are kept, never applied).
   */
  private static JsonObject validConfig(RoutingContext ctx, JsonObject body, FakeApp app) {
    JsonObject config = body.getValue("config") instanceof JsonObject c ? c : new JsonObject();
    JsonObject init = config.getValue("init") instanceof JsonObject i ? i : new JsonObject();
    if (!CONFIG_FIELDS.containsAll(config.fieldNames()) || !Set.of("exec", "cmd").containsAll(init.fieldNames())) {
      error(ctx, 501, "unimplemented: config " + config.fieldNames() + ", init " + init.fieldNames()
          + " go beyond what FakeFlyMachines simulates");
      return null;
    }
    String problem = !(config.getValue("image") instanceof String image) || image.isBlank()
        ? "config.image is required"
        : config.getValue("env") != null && !(config.getValue("env") instanceof JsonObject env
        && env.stream().allMatch(e -> e.getValue() instanceof String)) ? "config.env must map names to strings"
        : init.stream().anyMatch(e -> !(e.getValue() instanceof JsonArray list
        && list.stream().allMatch(String.class::isInstance))) ? "config.init values must be arrays of strings"
        : body.getValue("min_secrets_version") instanceof Number min && min.longValue() > app.secretsVersion
        ? "min_secrets_version is newer than the app's secrets (version " + app.secretsVersion + ")" : null;
    if (problem != null) {
      error(ctx, 400, "invalid_argument: " + problem);
      return null;
    }
    return config.copy();
  }

  private void withApp(RoutingContext ctx, Consumer<FakeApp> action) {
    FakeApp app = apps.get(ctx.pathParam("app"));
    if (app == null) {
      error(ctx, 404, "app not found");
    } else {
      action.accept(app);
    }
  }

  /** A Machine of the app; one being destroyed, or destroyed, only for GET. */
  private void withMachine(RoutingContext ctx, Consumer<FakeMachine> action) {
    withApp(ctx, app -> {
      FakeMachine machine = app.machines.get(ctx.pathParam("id"));
      if (machine == null || machine.gone() && !ctx.request().method().name().equals("GET")) {
        error(ctx, 404, "not_found: machine not found");
      } else {
        action.accept(machine);
      }
    });
  }

  /** A Machine for a mutating call: 409 while a lease is held and the call lacks its nonce. */
  private void withLeasedMachine(RoutingContext ctx, Consumer<FakeMachine> action) {
    withMachine(ctx, machine -> {
      if (leaseAllows(ctx, machine)) {
        action.accept(machine);
      }
    });
  }

  /**
   * The JSON object body ({} when empty), or null after answering 400 when it is not one, or 501 when
   * it has a field outside {@code simulated}.
   */
  private static JsonObject body(RoutingContext ctx, String... simulated) {
    String text = ctx.body().asString();
    Object value;
    try {
      value = text == null || text.isBlank() ? new JsonObject() : Json.decodeValue(text);
    } catch (DecodeException e) {
      value = null;
    }
    if (!(value instanceof JsonObject body)) {
      error(ctx, 400, "invalid_argument: the request body is not a JSON object");
      return null;
    }
    Set<String> extra = new LinkedHashSet<>(body.fieldNames());
    extra.removeAll(Set.of(simulated));
    if (!extra.isEmpty()) {
      error(ctx, 501, "unimplemented: " + extra + " in " + ctx.request().path() + " is not simulated by FakeFlyMachines");
      return null;
    }
    return body;
  }

  private static int seconds(String text) {
    return text.strip().matches("\\d{1,4}") ? Integer.parseInt(text.strip()) : -1;
  }

  private static String string(JsonObject json, String key) {
    return json.getValue(key) instanceof String value ? value : "";
  }

  private static List<String> strings(JsonArray array) {
    return array.stream().map(String::valueOf).toList();
  }

  private static void json(RoutingContext ctx, int status, Object body) {
    if (!ctx.response().ended() && !ctx.response().closed()) {
      ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json; charset=utf-8")
          .end(Json.encode(body));
    }
  }

  private static void error(RoutingContext ctx, int status, String message) {
    json(ctx, status, new JsonObject().put("error", message));
  }

  /** Runs {@code action} on the fake's context and waits for its result (test thread only). */
  private <T> T call(Supplier<Future<T>> action) {
    if (Context.isOnEventLoopThread()) {
      throw new IllegalStateException("FakeFlyMachines controls block: call them from the test thread");
    }
    Promise<T> promise = Promise.promise();
    context.runOnContext(v -> action.get().onComplete(promise));
    return promise.future().await();
  }
}
