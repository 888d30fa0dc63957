package dev.catwalk.testsupport.fly;

import dev.catwalk.Main;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.DecodeException;
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
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * A local stand-in for the Fly.io Machines API ({@code https://api.machines.dev}): a real HTTP
 * server on 127.0.0.1 that follows the published API closely enough that a client written against
 * the documentation cannot tell the difference, and that "boots" each Machine as a local process.
 *
 * <h2>What it follows</h2>
 * <ul>
 *   <li>Base URL, {@code /v1} paths, {@code Authorization: Bearer <token>} (or {@code FlyV1 <token>},
 *   as superfly/fly-go tokens/tokens.go sends macaroons), status codes: superfly/docs
 *   machines/api/working-with-machines-api.html.markerb. Wrong or missing token: 401
 *   {@code {"error":"unauthorized"}}.</li>
 *   <li>Apps ({@code POST /v1/apps} → 201 {@code {id, created_at}}, name taken → 422
 *   {@code {"error":"Name has already been taken","status":"name_taken"}}, {@code GET|DELETE /v1/apps/{app}},
 *   {@code GET /v1/apps?org_slug=}): superfly/docs machines/api/apps-resource.html.markerb,
 *   superfly/fly-go flaps/flaps_apps.go (which sends {@code name} instead of {@code app_name}: both are
 *   accepted) and flaps/flaps_error.go.</li>
 *   <li>Secrets ({@code GET|POST /v1/apps/{app}/secrets}, {@code GET|POST|DELETE .../secrets/{name}},
 *   {@code {values:{NAME:"v"|null}}} → {@code {secrets:[{name,digest}], version}}): superfly/fly-go
 *   flaps/flaps_secrets.go and app_secrets types. A Machine reads the app's secrets when it is created
 *   or updated (apps-resource "Set app secrets": existing Machines must be updated to see new ones).</li>
 *   <li>Machines (list with {@code include_deleted}, {@code region}, {@code metadata.KEY=VAL}; create;
 *   get; update = full config replace with {@code current_version}; start; stop {@code {signal, timeout}};
 *   restart; delete {@code ?force=true|kill=true}, 412 for a running Machine without it; wait;
 *   events; lease): superfly/docs machines/api/machines-resource.html.markerb and the example bodies in
 *   reference/machines/_machines_*.erb, superfly/fly-go flaps/flaps_machines.go,
 *   flaps/flaps_machines_wait.go and machine_types.go. States: superfly/docs
 *   machines/machine-states.html.markerb. Restart policies ({@code no}, {@code always},
 *   {@code on-failure} = default, 10 retries): superfly/docs machines/guides-examples/machine-restart-policy.</li>
 *   <li>Wait: {@code state} (repeatable) ∈ started|stopped|suspended|destroyed, {@code timeout} 1–60 s
 *   (default 60; outside → 400 {@code invalid_argument: …}), {@code instance_id} or {@code version};
 *   not reached in time → 408 {@code deadline_exceeded: …}; reached → 200 {@code {"ok":true,"state":…}}.</li>
 *   <li>Leases: {@code POST /lease} ({@code {ttl, description}} or {@code ?ttl=}) → 201
 *   {@code {status:"success", data:{nonce, expires_at (epoch s), owner, description, version}}}; the same
 *   POST with the {@code fly-machine-lease-nonce} header refreshes; while a lease is held every mutating
 *   call without that nonce gets 409 {@code aborted: machine ID … lease currently held by …, expires at …};
 *   {@code DELETE /lease} with the nonce releases.</li>
 * </ul>
 *
 * <h2>Booting a Machine</h2>
 * The image is not pulled: a Machine runs {@code java -cp <this JVM's class path> dev.catwalk.Main
 * <config.init.cmd…>} (the Catwalk image's ENTRYPOINT; {@code init.entrypoint} replaces that prefix,
 * {@code init.exec} replaces the whole command), with exactly {@code PATH}, {@code HOME} and
 * {@code JAVA_HOME} inherited, then {@code config.env}, then the app's secrets (they win), then
 * {@code FLY_PRIVATE_IP}, {@code FLY_MACHINE_ID}, {@code FLY_ALLOC_ID}, {@code FLY_APP_NAME},
 * {@code FLY_REGION}, {@code FLY_IMAGE_REF} and {@code FLY_MACHINE_VERSION}. Each Machine gets its own
 * loopback address as {@code private_ip} (127.0.B.2, 127.0.B.3, … where B is picked at random once per
 * JVM so that concurrent test JVMs on one host do not collide; an address whose {@code --port} is
 * already taken is skipped). {@code started} means the process was spawned, as on Fly it means the VM
 * booted: whether the app inside is ready is the client's business. A process that exits by itself is
 * handled by the restart policy (an {@code exit} event with its exit code either way); a process that
 * cannot be spawned, or any boot while {@link #bootFailure(boolean)} is on, leaves the Machine
 * {@code failed} with an {@code exit} event (exit code 1). Stops send {@code signal} (default
 * {@code config.stop_config.signal}, else SIGINT), wait {@code timeout} (default
 * {@code stop_config.timeout}, else 5 s), then SIGKILL the whole process tree. Process output goes to
 * {@link #logFile(String)}.
 *
 * <h2>Not simulated</h2>
 * Rate limits (only {@link #failNext}), organizations and 403, volumes, IP assignments, certificates,
 * suspend, cordon, metadata endpoints, exec, signal, ps, versions, health-check results
 * ({@code config.checks} is stored, never run), {@code services} and the Fly Proxy, regions (stored
 * only), image pulls, secrets history ({@code ?version=}), and the brief window in which a destroyed
 * Machine still shows (here it shows as {@code destroyed} for good). Such paths answer 501
 * {@code {"error":"unimplemented: …"}} so that a client relying on them fails loudly.
 *
 * <p>Test controls are plain Java methods meant to be called from the test thread (not from an event
 * loop): they run on the fake's own context and wait for it.
 */
public final class FakeFlyMachines implements AutoCloseable {

  /** One API request as the fake saw it: never bodies, so never secret values. */
  public record Request(String method, String path, String query, int status) {
  }

  /** The lease header (machines-resource "Update a Machine", "Release a Machine lease"). */
  public static final String NONCE_HEADER = "fly-machine-lease-nonce";
  /** The owner reported on leases (Fly reports the token's user). */
  public static final String LEASE_OWNER = "catwalk-tests@tokens.fly.io";
  /** Region of Machines created without one. */
  public static final String DEFAULT_REGION = "iad";

  private static final Pattern APP_NAME = Pattern.compile("[a-z0-9][a-z0-9-]{1,62}");
  private static final Set<String> WAIT_STATES = Set.of("started", "stopped", "suspended", "destroyed");
  private static final Set<String> SIGNALS = Set.of("SIGABRT", "SIGALRM", "SIGFPE", "SIGHUP", "SIGILL", "SIGINT",
      "SIGKILL", "SIGPIPE", "SIGQUIT", "SIGSEGV", "SIGTERM", "SIGTRAP", "SIGUSR1", "SIGUSR2");
  private static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(5);
  private static final long RESTART_DELAY_MILLIS = 200;
  private static final long BOOT_FAILURE_DELAY_MILLIS = 100;
  private static final int DEFAULT_LEASE_TTL = 30;
  private static final int ON_FAILURE_RETRIES = 10;
  private static final String[] ADJECTIVES = {"aged", "bold", "calm", "damp", "eager", "fancy", "gentle", "hidden",
      "icy", "jolly", "lively", "misty", "noisy", "proud", "quiet", "rough", "silent", "still", "tiny", "wild"};
  private static final String[] NOUNS = {"bird", "brook", "cloud", "dawn", "dew", "field", "fire", "flower", "forest",
      "frost", "glade", "lake", "leaf", "moon", "pine", "rain", "river", "sea", "snow", "thunder"};

  /** Loopback block of this JVM (127.0.BLOCK.x), and how many addresses were handed out. */
  private static final int BLOCK = 1 + ThreadLocalRandom.current().nextInt(200);
  private static final AtomicInteger ADDRESSES = new AtomicInteger();

  private final String token;
  private final Map<String, FakeApp> apps = new LinkedHashMap<>();
  private final Map<String, FakeMachine> machines = new LinkedHashMap<>();
  private final Set<MachineProcess> processes = ConcurrentHashMap.newKeySet();
  private final Set<HttpConnection> connections = ConcurrentHashMap.newKeySet();
  private final List<FailureRule> failures = new CopyOnWriteArrayList<>();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final AtomicBoolean ambiguousCreate = new AtomicBoolean();
  private final AtomicBoolean bootFailure = new AtomicBoolean();
  private Vertx vertx;
  private Context context;
  private Router router;
  private HttpServer server;
  private volatile int port;
  private volatile boolean closed;
  private Path logDir;
  private Thread shutdownHook;

  /** A fake that accepts a random token (see {@link #token()}). */
  public FakeFlyMachines() {
    this("fo1_" + HexFormat.of().formatHex(FakeMachine.randomBytes(24)));
  }

  /** A fake that accepts {@code token}. */
  public FakeFlyMachines(String token) {
    this.token = token;
  }

  private static final class FakeApp {
    final String id = HexFormat.of().formatHex(FakeMachine.randomBytes(8));
    final String name;
    final String org;
    final String network;
    final long createdAt = System.currentTimeMillis();
    final Map<String, String> secrets = new TreeMap<>();
    long secretsVersion;
    final Map<String, FakeMachine> machines = new LinkedHashMap<>();

    FakeApp(String name, String org, String network) {
      this.name = name;
      this.org = org;
      this.network = network;
    }

    long active() {
      return machines.values().stream().filter(m -> !m.state.equals(FakeMachine.DESTROYED)).count();
    }

    JsonObject toJson() {
      return new JsonObject().put("id", id).put("name", name).put("status", active() > 0 ? "deployed" : "pending")
          .put("organization", new JsonObject().put("name", org).put("slug", org)).put("network", network)
          .put("machine_count", active()).put("volume_count", 0);
    }

    JsonArray secretList(boolean values) {
      JsonArray list = new JsonArray();
      secrets.forEach((name, value) -> {
        JsonObject secret = new JsonObject().put("name", name).put("digest", digest(value));
        if (values) {
          secret.put("value", value);
        }
        list.add(secret);
      });
      return list;
    }
  }

  private static final class FailureRule {
    final String method;
    final Pattern path;
    final int status;
    final AtomicInteger remaining;

    FailureRule(String method, String path, int status, int times) {
      this.method = method;
      this.path = Pattern.compile(path);
      this.status = status;
      this.remaining = new AtomicInteger(times);
    }
  }

  // ---------------------------------------------------------------- lifecycle

  /** Starts listening on a free port of 127.0.0.1; returns this. */
  public FakeFlyMachines start(Vertx vertx) {
    if (this.vertx != null) {
      throw new IllegalStateException("already started");
    }
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    try {
      Path target = Path.of("target");
      logDir = Files.isDirectory(target)
          ? Files.createDirectories(target.resolve("fake-fly")).resolve("run-" + FakeMachine.ulid())
          : Files.createTempDirectory("fake-fly-");
      Files.createDirectories(logDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    shutdownHook = new Thread(() -> processes.forEach(MachineProcess::killNow), "fake-fly-shutdown");
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
        for (FakeMachine machine : machines.values()) {
          if (machine.process != null) {
            machine.process.kill(true);
          }
          done.add(machine.enqueue(() -> killProcess(machine)));
        }
        Future<Void> stopped = server == null ? Future.succeededFuture() : server.close();
        return Future.join(stopped, Future.join(done)).transform(ar -> Future.<Void>succeededFuture());
      });
    } finally {
      processes.forEach(MachineProcess::killNow);
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException e) {
        // the JVM is already shutting down
      }
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
    return call(() -> {
      FakeApp found = apps.get(app);
      return Future.succeededFuture(found == null ? List.of()
          : found.machines.values().stream().map(FakeMachine::toJson).toList());
    });
  }

  /** One Machine (of any app, also after its app was deleted), as {@code GET .../machines/{id}} shows it. */
  public Optional<JsonObject> machine(String machineId) {
    return call(() -> Future.succeededFuture(Optional.ofNullable(machines.get(machineId)).map(FakeMachine::toJson)));
  }

  /** The values of {@code app}'s secrets (the API never shows them without {@code show_secrets}). */
  public Map<String, String> secrets(String app) {
    return call(() -> {
      FakeApp found = apps.get(app);
      return Future.succeededFuture(found == null ? Map.of() : Map.copyOf(found.secrets));
    });
  }

  /**
   * Kills the Machine's process tree behind the client's back, like a crash (SIGKILL, exit code 137),
   * and returns once the fake has handled the exit: an {@code exit} event, then {@code stopped} under
   * restart policy {@code no} (or once retries are used up), else a restart as the policy says.
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
   * The next {@code times} requests whose method is {@code method} (or {@code *}) and whose path
   * (without query) matches {@code pathRegex} entirely get {@code status} with the body Fly gives for it
   * (408 {@code deadline_exceeded}, 429 with {@code Retry-After}, 5xx), before anything is done.
   */
  public void failNext(String method, String pathRegex, int status, int times) {
    if (status < 400 || status > 599 || times < 1) {
      throw new IllegalArgumentException("status must be 4xx or 5xx and times positive");
    }
    failures.add(new FailureRule(method, pathRegex, status, times));
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
      if (on) {
        HttpServer closing = server;
        server = null;
        List.copyOf(connections).forEach(HttpConnection::close);
        return closing.close();
      }
      return listen(port);
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

  /** Where the output of the Machine's processes goes. */
  public Path logFile(String machineId) {
    return logDir.resolve(machineId + ".log");
  }

  // ---------------------------------------------------------------- HTTP

  private Router router() {
    Router r = Router.router(vertx);
    r.route().handler(this::gate);
    r.route().handler(BodyHandler.create().setBodyLimit(1024 * 1024));
    r.post("/v1/apps").handler(this::createApp);
    r.get("/v1/apps").handler(this::listApps);
    r.get("/v1/apps/:app").handler(this::getApp);
    r.delete("/v1/apps/:app").handler(this::deleteApp);
    r.get("/v1/apps/:app/secrets").handler(this::listSecrets);
    r.post("/v1/apps/:app/secrets").handler(this::updateSecrets);
    r.get("/v1/apps/:app/secrets/:name").handler(this::getSecret);
    r.post("/v1/apps/:app/secrets/:name").handler(this::setSecret);
    r.delete("/v1/apps/:app/secrets/:name").handler(this::deleteSecret);
    r.get("/v1/apps/:app/machines").handler(this::listMachines);
    r.post("/v1/apps/:app/machines").handler(this::createMachine);
    r.get("/v1/apps/:app/machines/:id").handler(ctx -> withMachine(ctx, m -> json(ctx, 200, m.toJson())));
    r.post("/v1/apps/:app/machines/:id").handler(this::updateMachine);
    r.delete("/v1/apps/:app/machines/:id").handler(this::destroyMachine);
    r.post("/v1/apps/:app/machines/:id/start").handler(this::startMachine);
    r.post("/v1/apps/:app/machines/:id/stop").handler(this::stopMachine);
    r.post("/v1/apps/:app/machines/:id/restart").handler(this::restartMachine);
    r.get("/v1/apps/:app/machines/:id/wait").handler(this::waitMachine);
    r.get("/v1/apps/:app/machines/:id/events").handler(ctx -> withMachine(ctx, m -> json(ctx, 200, m.events())));
    r.post("/v1/apps/:app/machines/:id/lease").handler(this::acquireLease);
    r.get("/v1/apps/:app/machines/:id/lease").handler(this::getLease);
    r.delete("/v1/apps/:app/machines/:id/lease").handler(this::releaseLease);
    r.route().handler(ctx -> error(ctx, ctx.request().path().startsWith("/v1/") ? 501 : 404,
        (ctx.request().path().startsWith("/v1/") ? "unimplemented: " : "not_found: ") + ctx.request().method() + " "
            + ctx.request().path() + " is not simulated by FakeFlyMachines"));
    r.route().failureHandler(ctx -> {
      if (ctx.response().headWritten()) {
        ctx.response().reset();
      } else if (ctx.statusCode() == 413) {
        error(ctx, 413, "invalid_argument: request body too large");
      } else {
        error(ctx, 500, "internal: " + (ctx.failure() == null ? "error" : ctx.failure().getMessage()));
      }
    });
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

  /** Logs the request's status, checks the token, then applies injected failures. */
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
      if ((rule.method.equals("*") || rule.method.equalsIgnoreCase(method)) && rule.path.matcher(path).matches()
          && rule.remaining.getAndDecrement() > 0) {
        if (rule.remaining.get() <= 0) {
          failures.remove(rule);
        }
        injected(ctx, rule.status);
        return;
      }
    }
    ctx.next();
  }

  private boolean authorized(String header) {
    if (header == null) {
      return false;
    }
    int space = header.indexOf(' ');
    if (space < 0) {
      return false;
    }
    String scheme = header.substring(0, space);
    String presented = header.substring(space + 1).strip();
    return (scheme.equalsIgnoreCase("Bearer") || scheme.equalsIgnoreCase("FlyV1"))
        && MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8));
  }

  private void injected(RoutingContext ctx, int status) {
    switch (status) {
      case 408 -> error(ctx, 408, "deadline_exceeded: context deadline exceeded");
      case 429 -> {
        ctx.response().putHeader("Retry-After", "1");
        error(ctx, 429, "rate limit exceeded, please retry later");
      }
      case 500 -> error(ctx, 500, "internal: an internal error occurred");
      case 502 -> error(ctx, 502, "unavailable: bad gateway");
      case 503 -> error(ctx, 503, "unavailable: service unavailable");
      case 504 -> error(ctx, 504, "deadline_exceeded: gateway timeout");
      default -> error(ctx, status, "injected failure");
    }
  }

  // ---------------------------------------------------------------- apps

  private void createApp(RoutingContext ctx) {
    JsonObject body = body(ctx);
    if (body == null) {
      return;
    }
    String name = string(body, "app_name", string(body, "name", ""));
    String org = string(body, "org_slug", "");
    if (name.isEmpty() || org.isEmpty()) {
      error(ctx, 400, "invalid_argument: app_name and org_slug are required");
    } else if (!APP_NAME.matcher(name).matches()) {
      error(ctx, 422, "Name may only contain numbers, lowercase letters and dashes", "unknown");
    } else if (apps.containsKey(name)) {
      error(ctx, 422, "Name has already been taken", "name_taken");
    } else {
      String network = string(body, "network", "");
      FakeApp app = new FakeApp(name, org, network.isEmpty() ? "default" : network);
      apps.put(name, app);
      json(ctx, 201, new JsonObject().put("id", app.id).put("created_at", app.createdAt));
    }
  }

  private void listApps(RoutingContext ctx) {
    String org = ctx.request().getParam("org_slug");
    if (org == null || org.isEmpty()) {
      error(ctx, 400, "invalid_argument: org_slug is required");
      return;
    }
    JsonArray list = new JsonArray();
    apps.values().stream().filter(app -> app.org.equals(org)).forEach(app -> list.add(new JsonObject()
        .put("id", app.id).put("name", app.name).put("machine_count", app.active()).put("network", app.network)));
    json(ctx, 200, new JsonObject().put("total_apps", list.size()).put("apps", list));
  }

  private void getApp(RoutingContext ctx) {
    FakeApp app = app(ctx);
    if (app != null) {
      json(ctx, 200, app.toJson());
    }
  }

  private void deleteApp(RoutingContext ctx) {
    FakeApp app = app(ctx);
    if (app == null) {
      return;
    }
    apps.remove(app.name);
    for (FakeMachine machine : app.machines.values()) {
      machine.enqueue(() -> destroy(machine));
    }
    ctx.response().setStatusCode(202).end();
  }

  private FakeApp app(RoutingContext ctx) {
    FakeApp app = apps.get(ctx.pathParam("app"));
    if (app == null) {
      error(ctx, 404, "app not found");
    }
    return app;
  }

  // ---------------------------------------------------------------- secrets

  private void listSecrets(RoutingContext ctx) {
    FakeApp app = app(ctx);
    if (app != null) {
      json(ctx, 200, new JsonObject().put("secrets", app.secretList(showSecrets(ctx))));
    }
  }

  private void updateSecrets(RoutingContext ctx) {
    FakeApp app = app(ctx);
    JsonObject body = app == null ? null : body(ctx);
    if (body == null) {
      return;
    }
    Object values = body.getValue("values");
    if (!(values instanceof JsonObject map) || map.isEmpty()) {
      error(ctx, 400, "invalid_argument: values must be a non-empty object");
      return;
    }
    for (Map.Entry<String, Object> entry : map) {
      if (entry.getValue() != null && !(entry.getValue() instanceof String) || entry.getKey().isEmpty()) {
        error(ctx, 400, "invalid_argument: secret values must be strings or null");
        return;
      }
    }
    for (Map.Entry<String, Object> entry : map) {
      if (entry.getValue() == null) {
        app.secrets.remove(entry.getKey());
      } else {
        app.secrets.put(entry.getKey(), (String) entry.getValue());
      }
    }
    app.secretsVersion++;
    json(ctx, 200, new JsonObject().put("secrets", app.secretList(false)).put("version", app.secretsVersion));
  }

  private void getSecret(RoutingContext ctx) {
    FakeApp app = app(ctx);
    if (app == null) {
      return;
    }
    String name = ctx.pathParam("name");
    String value = app.secrets.get(name);
    if (value == null) {
      error(ctx, 404, "secret not found");
      return;
    }
    JsonObject secret = new JsonObject().put("name", name).put("digest", digest(value));
    if (showSecrets(ctx)) {
      secret.put("value", value);
    }
    json(ctx, 200, secret);
  }

  private void setSecret(RoutingContext ctx) {
    FakeApp app = app(ctx);
    JsonObject body = app == null ? null : body(ctx);
    if (body == null) {
      return;
    }
    if (!(body.getValue("value") instanceof String value)) {
      error(ctx, 400, "invalid_argument: value must be a string");
      return;
    }
    String name = ctx.pathParam("name");
    app.secrets.put(name, value);
    app.secretsVersion++;
    json(ctx, 200, new JsonObject().put("name", name).put("digest", digest(value)).put("version", app.secretsVersion));
  }

  private void deleteSecret(RoutingContext ctx) {
    FakeApp app = app(ctx);
    if (app == null) {
      return;
    }
    if (app.secrets.remove(ctx.pathParam("name")) == null) {
      error(ctx, 404, "secret not found");
      return;
    }
    app.secretsVersion++;
    json(ctx, 200, new JsonObject().put("version", app.secretsVersion));
  }

  private static boolean showSecrets(RoutingContext ctx) {
    return "true".equals(ctx.request().getParam("show_secrets"));
  }

  private static String digest(String value) {
    return FakeMachine.sha256(value).substring(0, 16);
  }

  // ---------------------------------------------------------------- machines

  private void listMachines(RoutingContext ctx) {
    FakeApp app = app(ctx);
    if (app == null) {
      return;
    }
    boolean deleted = "true".equals(ctx.request().getParam("include_deleted"));
    String region = ctx.request().getParam("region");
    Map<String, String> metadata = new LinkedHashMap<>();
    ctx.queryParams().forEach(entry -> {
      if (entry.getKey().startsWith("metadata.")) {
        metadata.put(entry.getKey().substring("metadata.".length()), entry.getValue());
      }
    });
    JsonArray list = new JsonArray();
    for (FakeMachine machine : app.machines.values()) {
      boolean matches = (deleted || !machine.state.equals(FakeMachine.DESTROYED))
          && (region == null || region.isEmpty() || region.equals(machine.region))
          && metadata.entrySet().stream().allMatch(e -> e.getValue().equals(machine.metadata().getValue(e.getKey())));
      if (matches) {
        list.add(machine.toJson());
      }
    }
    json(ctx, 200, list);
  }

  private void createMachine(RoutingContext ctx) {
    FakeApp app = app(ctx);
    JsonObject body = app == null ? null : body(ctx);
    if (body == null) {
      return;
    }
    JsonObject config = validConfig(ctx, body, app);
    if (config == null) {
      return;
    }
    String name = string(body, "name", "");
    String region = string(body, "region", "");
    boolean skipLaunch = Boolean.TRUE.equals(body.getValue("skip_launch"));
    int leaseTtl = body.getValue("lease_ttl") instanceof Number ttl ? ttl.intValue() : 0;
    allocateAddress(port(command(config))).onComplete(ar -> {
      if (ar.failed()) {
        error(ctx, 500, "internal: " + ar.cause().getMessage());
        return;
      }
      if (apps.get(app.name) != app) {
        error(ctx, 404, "app not found");
        return;
      }
      FakeMachine machine = new FakeMachine(app.name, name.isEmpty() ? randomName() : name,
          region.isEmpty() ? DEFAULT_REGION : region, ar.result(), config, Map.copyOf(app.secrets));
      app.machines.put(machine.id, machine);
      machines.put(machine.id, machine);
      machine.event("launch", FakeMachine.CREATED, "user", null);
      if (leaseTtl > 0) {
        machine.lease = newLease(leaseTtl, "");
      }
      JsonObject created = machine.toJson();
      if (!skipLaunch) {
        machine.enqueue(() -> boot(machine));
      }
      if (ambiguousCreate.getAndSet(false)) {
        error(ctx, 408, "deadline_exceeded: context deadline exceeded");
      } else {
        json(ctx, 200, created);
      }
    });
  }

  private void updateMachine(RoutingContext ctx) {
    withMachine(ctx, machine -> {
      JsonObject body = body(ctx);
      if (body == null || !leaseAllows(ctx, machine)) {
        return;
      }
      FakeApp app = apps.get(machine.app);
      JsonObject config = validConfig(ctx, body, app);
      if (config == null) {
        return;
      }
      String currentVersion = string(body, "current_version", "");
      String name = string(body, "name", "");
      String region = string(body, "region", "");
      if (!currentVersion.isEmpty() && !currentVersion.equals(machine.instanceId)) {
        error(ctx, 409, "aborted: machine " + machine.id + " current version is " + machine.instanceId
            + ", not " + currentVersion);
        return;
      }
      if (!name.isEmpty() && !name.equals(machine.name) || !region.isEmpty() && !region.equals(machine.region)) {
        error(ctx, 400, "invalid_argument: a machine's name and region cannot be changed");
        return;
      }
      boolean skipLaunch = Boolean.TRUE.equals(body.getValue("skip_launch"));
      machine.config = config;
      machine.instanceId = FakeMachine.ulid();
      machine.secrets = Map.copyOf(app.secrets);
      machine.restarts = 0;
      machine.event("update", "replacing", "user", null);
      machine.enqueue(() -> stop(machine, stopSignal(machine, null), stopTimeout(machine, null), "replacing",
          FakeMachine.STOPPED).compose(v -> skipLaunch ? Future.succeededFuture() : boot(machine)));
      json(ctx, 200, machine.toJson());
    });
  }

  private void startMachine(RoutingContext ctx) {
    withMachine(ctx, machine -> {
      if (!leaseAllows(ctx, machine)) {
        return;
      }
      String previous = machine.state;
      if (!Set.of(FakeMachine.CREATED, FakeMachine.STOPPED, FakeMachine.FAILED).contains(previous)) {
        error(ctx, 412, "failed_precondition: unable to start machine from current state: '" + previous + "'");
        return;
      }
      machine.restarts = 0;
      machine.enqueue(() -> boot(machine));
      json(ctx, 200, new JsonObject().put("previous_state", previous).put("migrated", false).put("new_host", false));
    });
  }

  private void stopMachine(RoutingContext ctx) {
    withMachine(ctx, machine -> {
      JsonObject body = body(ctx);
      if (body == null || !leaseAllows(ctx, machine)) {
        return;
      }
      String signal = stopSignal(machine, body.getValue("signal"));
      Duration timeout = stopTimeout(machine, body.getValue("timeout"));
      if (signal == null || timeout == null) {
        error(ctx, 400, "invalid_argument: bad signal or timeout");
        return;
      }
      if (machine.process != null || machine.state.equals(FakeMachine.STARTING)) {
        machine.event("stop", FakeMachine.STOPPING, "user", null);
        machine.enqueue(() -> stop(machine, signal, timeout, FakeMachine.STOPPING, FakeMachine.STOPPED));
      }
      json(ctx, 200, new JsonObject().put("ok", true));
    });
  }

  private void restartMachine(RoutingContext ctx) {
    withMachine(ctx, machine -> {
      if (!leaseAllows(ctx, machine)) {
        return;
      }
      boolean force = "true".equals(ctx.request().getParam("force_stop"));
      String signal = force ? "SIGKILL" : stopSignal(machine, ctx.request().getParam("signal"));
      Duration timeout = stopTimeout(machine, ctx.request().getParam("timeout"));
      if (signal == null || timeout == null) {
        error(ctx, 400, "invalid_argument: bad signal or timeout");
        return;
      }
      if (!machine.state.equals(FakeMachine.STARTED)) {
        error(ctx, 412, "failed_precondition: unable to restart machine from current state: '" + machine.state + "'");
        return;
      }
      machine.event("restart", "restarting", "user", null);
      machine.restarts = 0;
      machine.enqueue(() -> stop(machine, signal, timeout, "restarting", "restarting").compose(v -> boot(machine)));
      json(ctx, 200, new JsonObject().put("ok", true));
    });
  }

  private void destroyMachine(RoutingContext ctx) {
    withMachine(ctx, machine -> {
      if (!leaseAllows(ctx, machine)) {
        return;
      }
      boolean force = "true".equals(ctx.request().getParam("force")) || "true".equals(ctx.request().getParam("kill"));
      if (!force && !Set.of(FakeMachine.CREATED, FakeMachine.STOPPED, FakeMachine.FAILED).contains(machine.state)) {
        error(ctx, 412, "failed_precondition: unable to destroy machine, not currently stopped, suspended, failed"
            + " or created");
        return;
      }
      machine.enqueue(() -> destroy(machine));
      json(ctx, 200, new JsonObject().put("ok", true));
    });
  }

  private void waitMachine(RoutingContext ctx) {
    withMachine(ctx, machine -> {
      Set<String> states = new LinkedHashSet<>();
      for (String value : ctx.queryParam("state")) {
        for (String state : value.split(",")) {
          if (!state.isBlank()) {
            states.add(state.strip());
          }
        }
      }
      if (states.isEmpty()) {
        states.add(FakeMachine.STARTED);
      }
      if (!WAIT_STATES.containsAll(states)) {
        error(ctx, 400, "invalid_argument: state must be one of started, stopped, suspended or destroyed");
        return;
      }
      String timeoutParam = ctx.request().getParam("timeout", "60");
      int timeout;
      try {
        timeout = Integer.parseInt(timeoutParam.strip());
      } catch (NumberFormatException e) {
        timeout = -1;
      }
      if (timeout < 1 || timeout > 60) {
        error(ctx, 400, "invalid_argument: timeout must be between 1 and 60 seconds, got " + timeoutParam);
        return;
      }
      String instance = ctx.request().getParam("instance_id");
      if (instance == null || instance.isEmpty()) {
        instance = ctx.request().getParam("version");
      }
      if (machine.reached(states, instance)) {
        json(ctx, 200, new JsonObject().put("ok", true).put("state", machine.state));
        return;
      }
      Future<String> reached = machine.await(states, instance);
      int seconds = timeout;
      long timer = vertx.setTimer(seconds * 1000L, id -> {
        machine.forget(reached);
        error(ctx, 408, "deadline_exceeded: machine " + machine.id + " did not reach state " + String.join("|", states)
            + " within " + seconds + "s");
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

  // ---------------------------------------------------------------- leases

  private void acquireLease(RoutingContext ctx) {
    withMachine(ctx, machine -> {
      JsonObject body = body(ctx);
      if (body == null) {
        return;
      }
      int ttl = DEFAULT_LEASE_TTL;
      String ttlParam = ctx.request().getParam("ttl");
      try {
        if (ttlParam != null) {
          ttl = Integer.parseInt(ttlParam);
        } else if (body.getValue("ttl") instanceof Number number) {
          ttl = number.intValue();
        }
      } catch (NumberFormatException e) {
        ttl = -1;
      }
      if (ttl < 1) {
        error(ctx, 400, "invalid_argument: ttl must be a positive number of seconds");
        return;
      }
      FakeMachine.Lease held = machine.activeLease();
      String nonce = ctx.request().getHeader(NONCE_HEADER);
      if (held != null && !held.nonce().equals(nonce)) {
        leaseHeld(ctx, machine, held);
        return;
      }
      String description = string(body, "description", held == null ? "" : held.description());
      machine.lease = held == null ? newLease(ttl, description) : new FakeMachine.Lease(held.nonce(), held.owner(),
          description, held.version(), Instant.now().getEpochSecond() + ttl);
      json(ctx, held == null ? 201 : 200, new JsonObject().put("status", "success").put("data", machine.lease.toJson()));
    });
  }

  private void getLease(RoutingContext ctx) {
    withMachine(ctx, machine -> {
      FakeMachine.Lease held = machine.activeLease();
      if (held == null) {
        error(ctx, 404, "lease not found");
      } else {
        json(ctx, 200, new JsonObject().put("status", "success").put("data", held.toJson()));
      }
    });
  }

  private void releaseLease(RoutingContext ctx) {
    withMachine(ctx, machine -> {
      String nonce = ctx.request().getHeader(NONCE_HEADER);
      if (nonce == null || nonce.isBlank()) {
        error(ctx, 400, "invalid_argument: the " + NONCE_HEADER + " header is required to release a lease");
        return;
      }
      FakeMachine.Lease held = machine.activeLease();
      if (held != null && !held.nonce().equals(nonce)) {
        leaseHeld(ctx, machine, held);
        return;
      }
      machine.lease = null;
      json(ctx, 200, new JsonObject().put("status", "success").put("data", new JsonObject().put("ok", true)));
    });
  }

  private static FakeMachine.Lease newLease(int ttl, String description) {
    return new FakeMachine.Lease(HexFormat.of().formatHex(FakeMachine.randomBytes(6)), LEASE_OWNER, description,
        FakeMachine.ulid(), Instant.now().getEpochSecond() + ttl);
  }

  /** False (and 409 sent) when a lease is held and the request does not carry its nonce. */
  private static boolean leaseAllows(RoutingContext ctx, FakeMachine machine) {
    FakeMachine.Lease held = machine.activeLease();
    if (held == null || held.nonce().equals(ctx.request().getHeader(NONCE_HEADER))) {
      return true;
    }
    leaseHeld(ctx, machine, held);
    return false;
  }

  private static void leaseHeld(RoutingContext ctx, FakeMachine machine, FakeMachine.Lease held) {
    error(ctx, 409, "aborted: machine ID " + machine.id + " lease currently held by " + held.owner() + ", expires at "
        + Instant.ofEpochSecond(held.expiresAtSeconds()));
  }

  // ---------------------------------------------------------------- lifecycle operations (queued per Machine)

  /** Spawns the Machine's process: created/stopped/failed → starting → started (or failed). */
  private Future<Void> boot(FakeMachine machine) {
    if (closed || machine.process != null || machine.state.equals(FakeMachine.DESTROYED)
        || machine.state.equals(FakeMachine.DESTROYING)) {
      return Future.succeededFuture();
    }
    machine.state(FakeMachine.STARTING);
    if (bootFailure.get()) {
      return vertx.timer(BOOT_FAILURE_DELAY_MILLIS).map(v -> {
        bootFailed(machine);
        return null;
      });
    }
    return MachineProcess.spawn(context, command(machine.config), environment(machine), logFile(machine.id))
        .transform(ar -> {
          if (ar.failed()) {
            bootFailed(machine);
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

  private static void bootFailed(FakeMachine machine) {
    machine.event("exit", FakeMachine.FAILED, "flyd", FakeMachine.exit(1, false, false));
    machine.state(FakeMachine.FAILED);
  }

  /** A process exit nobody asked for: the restart policy decides. */
  private void exitedByItself(FakeMachine machine, MachineProcess process, int code) {
    if (process.requestedStop() || machine.process != process) {
      return;
    }
    machine.process = null;
    JsonObject restart = machine.config.getValue("restart") instanceof JsonObject r ? r : new JsonObject();
    String policy = string(restart, "policy", "on-failure");
    int retries = restart.getValue("max_retries") instanceof Number n && n.intValue() > 0 ? n.intValue()
        : ON_FAILURE_RETRIES;
    boolean again = !closed && (policy.equals("always")
        || (policy.equals("on-failure") || policy.equals("on-fail") || policy.isEmpty())
        && code != 0 && machine.restarts < retries);
    machine.event("exit", FakeMachine.STOPPED, "flyd", FakeMachine.exit(code, false, again));
    if (again) {
      machine.restarts++;
      machine.state(FakeMachine.STARTING);
      machine.enqueue(() -> vertx.timer(RESTART_DELAY_MILLIS)
          .compose(v -> machine.state.equals(FakeMachine.STARTING) ? boot(machine) : Future.succeededFuture()));
    } else {
      machine.state(FakeMachine.STOPPED);
    }
  }

  /** Stops the process (if any): {@code during} while it stops, {@code after} once it has exited. */
  private Future<Void> stop(FakeMachine machine, String signal, Duration timeout, String during, String after) {
    MachineProcess process = machine.process;
    if (process == null) {
      if (machine.state.equals(FakeMachine.STARTING)) {
        machine.state(FakeMachine.STOPPED);
      }
      return Future.succeededFuture();
    }
    machine.state(during);
    return process.stop(signal, timeout).map(code -> {
      machine.process = null;
      machine.event("exit", FakeMachine.STOPPED, "flyd", FakeMachine.exit(code, true, false));
      machine.state(after);
      return null;
    });
  }

  private Future<Void> destroy(FakeMachine machine) {
    if (machine.state.equals(FakeMachine.DESTROYED)) {
      return Future.succeededFuture();
    }
    machine.state(FakeMachine.DESTROYING);
    return killProcess(machine).transform(ar -> {
      machine.lease = null;
      machine.event("destroy", FakeMachine.DESTROYED, "user", null);
      machine.state(FakeMachine.DESTROYED);
      return Future.succeededFuture();
    });
  }

  private Future<Void> killProcess(FakeMachine machine) {
    MachineProcess process = machine.process;
    if (process == null) {
      return Future.succeededFuture();
    }
    return process.kill(true).map(code -> {
      machine.process = null;
      return null;
    });
  }

  // ---------------------------------------------------------------- booting details

  /** The argv of a boot: {@code init.exec}, else (entrypoint or the Catwalk image's) + {@code init.cmd}. */
  static List<String> command(JsonObject config) {
    JsonObject init = config.getValue("init") instanceof JsonObject i ? i : new JsonObject();
    List<String> exec = strings(init.getValue("exec"));
    if (!exec.isEmpty()) {
      return exec;
    }
    List<String> entrypoint = strings(init.getValue("entrypoint"));
    List<String> argv = new ArrayList<>(entrypoint.isEmpty() ? List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m",
        "-cp", System.getProperty("java.class.path"), Main.class.getName()) : entrypoint);
    argv.addAll(strings(init.getValue("cmd")));
    return argv;
  }

  private Map<String, String> environment(FakeMachine machine) {
    Map<String, String> env = new LinkedHashMap<>();
    for (String inherited : List.of("PATH", "HOME", "JAVA_HOME")) {
      String value = System.getenv(inherited);
      if (value != null) {
        env.put(inherited, value);
      }
    }
    if (machine.config.getValue("env") instanceof JsonObject configured) {
      configured.forEach(entry -> env.put(entry.getKey(), String.valueOf(entry.getValue())));
    }
    env.putAll(machine.secrets);
    env.put("FLY_PRIVATE_IP", machine.privateIp);
    env.put("FLY_MACHINE_ID", machine.id);
    env.put("FLY_ALLOC_ID", machine.id);
    env.put("FLY_APP_NAME", machine.app);
    env.put("FLY_REGION", machine.region);
    env.put("FLY_IMAGE_REF", machine.image());
    env.put("FLY_MACHINE_VERSION", machine.instanceId);
    return env;
  }

  /** The {@code --port} of a command line, or 0. */
  private static int port(List<String> argv) {
    for (int i = 0; i < argv.size(); i++) {
      String arg = argv.get(i);
      String value = arg.equals("--port") && i + 1 < argv.size() ? argv.get(i + 1)
          : arg.startsWith("--port=") ? arg.substring("--port=".length()) : null;
      if (value != null) {
        try {
          return Integer.parseInt(value);
        } catch (NumberFormatException e) {
          return 0;
        }
      }
      if (arg.equals("--")) {
        break;
      }
    }
    return 0;
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

  private static String stopSignal(FakeMachine machine, Object requested) {
    Object signal = requested;
    if (signal == null || signal instanceof String s && s.isEmpty()) {
      JsonObject stopConfig = machine.config.getValue("stop_config") instanceof JsonObject c ? c : new JsonObject();
      signal = stopConfig.getValue("signal", "SIGINT");
    }
    String name = String.valueOf(signal).strip().toUpperCase(java.util.Locale.ROOT);
    if (!name.startsWith("SIG")) {
      name = "SIG" + name;
    }
    return SIGNALS.contains(name) ? name : null;
  }

  /** A stop timeout: seconds as a number, or a Go duration such as {@code "10s"}, {@code "500ms"}, {@code "1m"}. */
  private static Duration stopTimeout(FakeMachine machine, Object requested) {
    Object timeout = requested;
    if (timeout == null || timeout instanceof String s && s.isEmpty()) {
      JsonObject stopConfig = machine.config.getValue("stop_config") instanceof JsonObject c ? c : new JsonObject();
      timeout = stopConfig.getValue("timeout");
    }
    if (timeout == null) {
      return DEFAULT_STOP_TIMEOUT;
    }
    if (timeout instanceof Number seconds) {
      return Duration.ofSeconds(Math.min(seconds.longValue(), 300));
    }
    var matcher = Pattern.compile("(\\d+)(ms|s|m)?").matcher(String.valueOf(timeout).strip());
    if (!matcher.matches()) {
      return null;
    }
    long amount = Long.parseLong(matcher.group(1));
    Duration duration = switch (matcher.group(2) == null ? "s" : matcher.group(2)) {
      case "ms" -> Duration.ofMillis(amount);
      case "m" -> Duration.ofMinutes(amount);
      default -> Duration.ofSeconds(amount);
    };
    return duration.compareTo(Duration.ofMinutes(5)) > 0 ? Duration.ofMinutes(5) : duration;
  }

  // ---------------------------------------------------------------- helpers

  /** The create/update body's config, checked (400 sent and null returned when it is not usable). */
  private static JsonObject validConfig(RoutingContext ctx, JsonObject body, FakeApp app) {
    if (!(body.getValue("config") instanceof JsonObject config)) {
      error(ctx, 400, "invalid_argument: config is required");
      return null;
    }
    if (!(config.getValue("image") instanceof String image) || image.isBlank()) {
      error(ctx, 400, "invalid_argument: config.image is required");
      return null;
    }
    if (config.getValue("env") != null && !(config.getValue("env") instanceof JsonObject env
        && env.stream().allMatch(e -> e.getValue() instanceof String))) {
      error(ctx, 400, "invalid_argument: config.env must map names to strings");
      return null;
    }
    JsonObject init = config.getValue("init") instanceof JsonObject i ? i : new JsonObject();
    for (String key : List.of("exec", "entrypoint", "cmd")) {
      Object value = init.getValue(key);
      if (value != null && !(value instanceof JsonArray array && array.stream().allMatch(String.class::isInstance))) {
        error(ctx, 400, "invalid_argument: config.init." + key + " must be an array of strings");
        return null;
      }
    }
    if (body.getValue("min_secrets_version") instanceof Number min && min.longValue() > app.secretsVersion) {
      error(ctx, 400, "invalid_argument: min_secrets_version " + min + " is newer than the app's secrets (version "
          + app.secretsVersion + ")");
      return null;
    }
    return config.copy();
  }

  private void withMachine(RoutingContext ctx, java.util.function.Consumer<FakeMachine> action) {
    FakeApp app = app(ctx);
    if (app == null) {
      return;
    }
    FakeMachine machine = app.machines.get(ctx.pathParam("id"));
    if (machine == null) {
      error(ctx, 404, "not_found: machine not found");
    } else if (machine.state.equals(FakeMachine.DESTROYED) && !ctx.request().method().name().equals("GET")) {
      error(ctx, 404, "not_found: machine not found");
    } else {
      action.accept(machine);
    }
  }

  /** The JSON object body ({} when empty), or null after answering 400. */
  private static JsonObject body(RoutingContext ctx) {
    String text = ctx.body().asString();
    if (text == null || text.isBlank()) {
      return new JsonObject();
    }
    try {
      Object value = io.vertx.core.json.Json.decodeValue(text);
      if (value instanceof JsonObject object) {
        return object;
      }
    } catch (DecodeException e) {
      // answered below
    }
    error(ctx, 400, "invalid_argument: the request body is not a JSON object");
    return null;
  }

  private static String string(JsonObject json, String key, String fallback) {
    return json.getValue(key) instanceof String value ? value : fallback;
  }

  private static List<String> strings(Object value) {
    return value instanceof JsonArray array ? array.stream().map(String::valueOf).toList() : List.of();
  }

  private static String randomName() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return ADJECTIVES[random.nextInt(ADJECTIVES.length)] + "-" + NOUNS[random.nextInt(NOUNS.length)] + "-"
        + (1000 + random.nextInt(9000));
  }

  private static void json(RoutingContext ctx, int status, Object body) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json; charset=utf-8")
        .end(body instanceof JsonArray array ? array.encode() : ((JsonObject) body).encode());
  }

  private static void error(RoutingContext ctx, int status, String message) {
    json(ctx, status, new JsonObject().put("error", message));
  }

  private static void error(RoutingContext ctx, int status, String message, String code) {
    json(ctx, status, new JsonObject().put("error", message).put("status", code));
  }

  /** Runs {@code action} on the fake's context and waits for its result (test thread only). */
  private <T> T call(Supplier<Future<T>> action) {
    if (context == null) {
      throw new IllegalStateException("the fake is not started");
    }
    if (Context.isOnEventLoopThread()) {
      throw new IllegalStateException("FakeFlyMachines controls block: call them from the test thread");
    }
    Promise<T> promise = Promise.promise();
    context.runOnContext(v -> {
      try {
        action.get().onComplete(promise);
      } catch (RuntimeException e) {
        promise.fail(e);
      }
    });
    return promise.future().await();
  }
}
