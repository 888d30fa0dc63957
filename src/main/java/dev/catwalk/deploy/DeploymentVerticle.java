package dev.catwalk.deploy;

import dev.catwalk.error.ApiException;
import dev.catwalk.error.BadRequestException;
import dev.catwalk.error.ConflictException;
import dev.catwalk.error.NotFoundException;
import dev.catwalk.error.UnprocessableException;
import dev.catwalk.error.Validation;
import dev.catwalk.Addresses;
import dev.catwalk.Commands;
import dev.catwalk.crypto.SecretBox;
import dev.catwalk.crypto.Tokens;
import dev.catwalk.error.Failures;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Owns the deployment lifecycle: the {@code catwalk.deployments.*} commands (see {@link Addresses}),
 * the state machine persisted in Postgres ({@code pending → provisioning → running}, {@code failed}
 * with a reason, {@code stopped}, {@code deleted}) with an audit event per change, and
 * reconciliation of desired with actual state at start-up and on a timer.
 */
public final class DeploymentVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(DeploymentVerticle.class);
  private static final Pattern NAME = Pattern.compile("^[a-z0-9][a-z0-9-]{0,62}$");
  private static final Set<String> CREATE_FIELDS = Set.of("name", "backend", "recipe", "configSchema", "config");
  private static final Set<String> CATALOG_CREATE_FIELDS = Set.of("catalogId", "catalogVersion", "variant", "name",
      "backend", "config");
  private static final Duration CATALOG_TIMEOUT = Duration.ofSeconds(35);
  private static final Set<String> UPDATE_FIELDS = Set.of("id", "name", "config", "version");
  private static final int MAX_PAGE = 200;
  private static final int DEFAULT_LOG_LINES = 200;
  private static final String SYSTEM = "system";
  private static final Duration MAX_RETRY_DELAY = Duration.ofMinutes(30);

  private final DeploymentRepository repository;
  private final SecretBox box;
  private final Map<String, Backend> backends;
  private final DeploymentLogs logs;
  private final String publicUrl;
  private final Duration reconcileInterval;
  private final Duration provisionWait;
  private final Map<UUID, Future<Deployment>> inFlight = new java.util.HashMap<>();
  private final Map<UUID, Integer> failures = new java.util.HashMap<>();
  private final Map<UUID, Long> retryAt = new java.util.HashMap<>();
  private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();
  private long reconcileTimer = -1;
  private boolean reconciling;

  /**
   * @param provisionWait how long create and restart wait for provisioning before answering with
   *                      the status reached so far
   */
  public DeploymentVerticle(DeploymentRepository repository, SecretBox box, Map<String, Backend> backends,
                            DeploymentLogs logs, String publicUrl, Duration reconcileInterval, Duration provisionWait) {
    this.repository = repository;
    this.box = box;
    this.backends = Map.copyOf(backends);
    this.logs = logs;
    this.publicUrl = publicUrl;
    this.reconcileInterval = reconcileInterval;
    this.provisionWait = provisionWait;
  }

  @Override
  public Future<?> start() {
    bind(Addresses.DEPLOYMENTS_CREATE, this::create);
    bind(Addresses.DEPLOYMENTS_GET, this::get);
    bind(Addresses.DEPLOYMENTS_LIST, this::list);
    bind(Addresses.DEPLOYMENTS_UPDATE, this::update);
    bind(Addresses.DEPLOYMENTS_DELETE, this::delete);
    bind(Addresses.DEPLOYMENTS_RESTART, this::restart);
    bind(Addresses.DEPLOYMENTS_STOP, this::stopDeployment);
    bind(Addresses.DEPLOYMENTS_LOGS, this::logs);
    bind(Addresses.DEPLOYMENTS_TOKEN_CREATE, this::createToken);
    bind(Addresses.DEPLOYMENTS_TOKEN_REVOKE, this::revokeToken);
    bind(Addresses.ADMIN_DEPLOYMENTS_LIST, this::list);
    bind(Addresses.ADMIN_DEPLOYMENTS_STOP, this::stopDeployment);
    bind(Addresses.ADMIN_DEPLOYMENTS_RESTART, this::restart);
    consumers.add(vertx.eventBus().consumer(Addresses.DEPLOYMENTS_UPSTREAM, this::upstreamObserved));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList())
        .onSuccess(v -> reconcileTimer = vertx.setPeriodic(reconcileInterval.toMillis(), t -> reconcile()))
        .onSuccess(v -> reconcile());
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(reconcileTimer);
    return Future.all(consumers.stream().map(MessageConsumer::unregister).toList());
  }

  private void bind(String address, Function<Message<JsonObject>, Future<?>> handler) {
    consumers.add(Commands.consumer(vertx, address, handler));
  }


  private Future<JsonObject> create(Message<JsonObject> message) {
    JsonObject body = message.body();
    return body.containsKey("catalogId") ? createFromCatalog(message, body) : create(message, body, null);
  }

  /** A deployment of a catalog entry: the catalog makes the recipe, schema and configuration from the entry. */
  private Future<JsonObject> createFromCatalog(Message<JsonObject> message, JsonObject body) {
    rejectUnknownFields(body, CATALOG_CREATE_FIELDS, "");
    String backendName = body.getValue("backend") == null ? LocalBackend.NAME : string(body, "backend");
    backend(backendName);
    return vertx.eventBus().<JsonObject>request(Addresses.CATALOG_RESOLVE, body.copy().put("backend", backendName),
            new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(CATALOG_TIMEOUT.toMillis()))
        .compose(reply -> {
          JsonObject resolved = reply.body().copy();
          return create(message, resolved, (JsonObject) resolved.remove("catalog"));
        });
  }

  private Future<JsonObject> create(Message<JsonObject> message, JsonObject body, JsonObject catalog) {
    rejectUnknownFields(body, CREATE_FIELDS, "");
    String name = checkName(body.getValue("name"));
    String backendName = body.getValue("backend") == null ? LocalBackend.NAME : string(body, "backend");
    Backend backend = backend(backendName);
    Recipe recipe = Recipe.fromJson(object(body, "recipe"));
    JsonObject schema = DeploymentConfig.checkSchema(object(body, "configSchema"));
    DeploymentConfig config = DeploymentConfig.validate(schema, object(body, "config"));
    checkHeaderVariables(recipe, schema, config);
    UUID id = UUID.randomUUID();
    String token = Tokens.newToken();
    Map<String, SecretBox.Sealed> sealed = seal(id, config.secrets());
    DeploymentRepository.NewDeployment created = new DeploymentRepository.NewDeployment(id, name, backendName,
        recipe.toJson(), schema, config.plain(), sealed, newToken(token, "initial"), catalog);
    return checkRecipe(backend, recipe)
        .compose(v -> repository.create(created, actor(message)).recover(e -> duplicateName(e, name)))
        .onSuccess(v -> logs.lifecycle(id, "deployment created"))
        .compose(v -> provisionWithin(id))
        .map(deployment -> view(deployment).put("accessToken", token));
  }

  /** A deployment as the API shows it: its fields, and how its backend isolates its servers. */
  private JsonObject view(Deployment deployment) {
    JsonObject json = deployment.toJson(publicUrl);
    Backend backend = backends.get(deployment.backend());
    if (backend != null && backend.sandbox() != null) {
      json.put("sandbox", backend.sandbox());
    }
    return json;
  }

  private Backend backend(String backendName) {
    Backend backend = backends.get(backendName);
    if (backend == null) {
      throw new BadRequestException("backend: '" + Validation.printable(backendName) + "' is not available (available: "
          + String.join(", ", new java.util.TreeSet<>(backends.keySet())) + ")"
          + ("fly".equals(backendName) ? "; the fly backend needs CATWALK_FLY_ORG and CATWALK_FLY_IMAGE" : ""));
    }
    return backend;
  }

  private Future<JsonObject> get(Message<JsonObject> message) {
    UUID id = id(message.body(), "id");
    return load(id).compose(deployment -> repository.tokens(id)
        .map(tokens -> view(deployment).put("tokens", new JsonArray(tokens))));
  }

  private Future<JsonObject> list(Message<JsonObject> message) {
    int limit = bounded(message.body(), "limit", 50, 1, MAX_PAGE);
    int offset = bounded(message.body(), "offset", 0, 0, Integer.MAX_VALUE);
    return repository.page(limit, offset).map(page -> new JsonObject()
        .put("items", new JsonArray(page.items().stream().map(this::view).toList()))
        .put("total", page.total()).put("limit", limit).put("offset", offset));
  }

  private Future<JsonObject> update(Message<JsonObject> message) {
    JsonObject body = message.body();
    rejectUnknownFields(body, UPDATE_FIELDS, "");
    UUID id = id(body, "id");
    if (body.fieldNames().equals(Set.of("id"))) {
      return load(id).map(deployment -> view(deployment));
    }
    return load(id).compose(deployment -> changeLoaded(message, deployment));
  }

  private Future<JsonObject> changeLoaded(Message<JsonObject> message, Deployment deployment) {
    return DeploymentEnv.load(repository, box, deployment).compose(env -> change(message, deployment, env));
  }

  private Future<JsonObject> change(Message<JsonObject> message, Deployment deployment, DeploymentEnv stored) {
    JsonObject body = message.body();
    String name = body.containsKey("name") ? checkName(body.getValue("name")) : deployment.name();
    Recipe recipe = deployment.parsedRecipe();
    if (body.containsKey("version")) {
      recipe = recipe.withVersion(string(body, "version"));
    }
    JsonObject merged = deployment.config().copy();
    stored.secrets().forEach(merged::put);
    JsonObject patch = body.getValue("config") == null ? new JsonObject() : object(body, "config");
    patch.forEach(entry -> merged.put(entry.getKey(), entry.getValue()));
    patch.fieldNames().stream().filter(n -> patch.getValue(n) == null).toList().forEach(merged::remove);
    DeploymentConfig config = DeploymentConfig.validate(deployment.configSchema(), merged);
    checkHeaderVariables(recipe, deployment.configSchema(), config);
    Map<String, String> changedSecrets = new LinkedHashMap<>();
    config.secrets().forEach((n, v) -> {
      if (patch.containsKey(n)) {
        changedSecrets.put(n, v);
      }
    });
    List<String> removed = deployment.secretNames().stream().filter(n -> !config.secrets().containsKey(n)).toList();
    JsonObject detail = new JsonObject().put("fields", new JsonArray(body.fieldNames().stream()
        .filter(f -> !f.equals("id")).sorted().toList())).put("variables", new JsonArray(patch.fieldNames().stream()
        .sorted().toList()));
    DeploymentRepository.Change change = new DeploymentRepository.Change(deployment.id(), deployment.version(), name,
        recipe.toJson(), config.plain(), seal(deployment.id(), changedSecrets), removed, detail);
    Backend backend = backends.get(deployment.backend());
    Future<Void> checked = body.containsKey("version") && backend != null ? checkRecipe(backend, recipe)
        : Future.succeededFuture();
    boolean rerun = (body.containsKey("config") || body.containsKey("version"))
        && Deployment.RUNNING.equals(deployment.desiredState());
    return checked.compose(v -> repository.change(change, actor(message)).recover(e -> duplicateName(e, name)))
        .compose(v -> rerun ? provisionWithin(deployment.id()) : load(deployment.id()))
        .map(this::view);
  }

  private Future<JsonObject> delete(Message<JsonObject> message) {
    UUID id = id(message.body(), "id");
    return load(id).compose(deployment -> deleteLoaded(message, deployment))
        .onSuccess(v -> logs.forget(id))
        .map(v -> new JsonObject().put("deleted", true));
  }

  private Future<Void> deleteLoaded(Message<JsonObject> message, Deployment deployment) {
    return repository.delete(deployment.id(), actor(message))
        .compose(deleted -> deleted ? destroy(deployment) : Future.failedFuture(notFound(deployment.id())));
  }

  private Future<JsonObject> restart(Message<JsonObject> message) {
    UUID id = id(message.body(), "id");
    return load(id).compose(d -> repository.setDesiredState(id, Deployment.RUNNING, actor(message)))
        .compose(v -> endSessions(id, null))
        .compose(v -> provisionWithin(id))
        .map(deployment -> view(deployment));
  }

  private Future<JsonObject> stopDeployment(Message<JsonObject> message) {
    UUID id = id(message.body(), "id");
    return load(id).compose(d -> repository.setDesiredState(id, Deployment.STOPPED, actor(message)))
        .compose(v -> load(id)).compose(this::stopNow)
        .compose(v -> load(id)).map(deployment -> view(deployment));
  }

  private Future<JsonObject> logs(Message<JsonObject> message) {
    UUID id = id(message.body(), "id");
    int limit = bounded(message.body(), "limit", DEFAULT_LOG_LINES, 1, 1000);
    return load(id).compose(deployment -> logsOf(deployment, limit));
  }

  private Future<JsonObject> logsOf(Deployment deployment, int limit) {
    Backend backend = backends.get(deployment.backend());
    Future<JsonArray> backendEvents = backend == null ? Future.succeededFuture(new JsonArray())
        : backend.events(deployment).recover(e -> Future.succeededFuture(new JsonArray().add(new JsonObject()
            .put("type", "unavailable").put("status", Failures.problem(e, "backend events").detail()))));
    return Future.all(repository.auditEvents(deployment.id(), limit), backendEvents)
        .map(all -> new JsonObject().put("lines", logs.recent(deployment.id(), limit))
            .put("events", new JsonArray(all.<List<JsonObject>>resultAt(0))).put("backendEvents", all.resultAt(1)));
  }

  private Future<JsonObject> createToken(Message<JsonObject> message) {
    UUID id = id(message.body(), "id");
    Object label = message.body().getValue("label");
    if (label != null && !(label instanceof String text && text.length() <= 100)) {
      throw new BadRequestException("label: must be a string of at most 100 characters");
    }
    String token = Tokens.newToken();
    DeploymentRepository.NewToken created = newToken(token, (String) label);
    return load(id).compose(d -> repository.addToken(id, created, actor(message)))
        .map(v -> new JsonObject().put("id", created.id().toString()).put("accessToken", token)
            .put("prefix", created.prefix()).put("label", label));
  }

  private Future<JsonObject> revokeToken(Message<JsonObject> message) {
    UUID id = id(message.body(), "id");
    UUID tokenId = id(message.body(), "tokenId");
    return repository.revokeToken(id, tokenId, actor(message))
        .compose(revoked -> revoked ? endSessions(id, tokenId)
            : Future.failedFuture(new NotFoundException("no live token " + tokenId + " on deployment " + id)))
        .map(v -> new JsonObject().put("revoked", true));
  }

  /** A session found the server unusable (running becomes degraded) or answered by it (degraded becomes running). */
  private void upstreamObserved(Message<JsonObject> message) {
    UUID id = dev.catwalk.Ids.parse(message.body().getValue("id")).orElse(null);
    if (id == null) {
      return;
    }
    boolean reachable = Boolean.TRUE.equals(message.body().getValue("reachable"));
    String reason = message.body().getString("reason", "the MCP server could not be used");
    Future<Boolean> moved = reachable ? repository.moveStatus(id, Deployment.DEGRADED, Deployment.RUNNING, null, SYSTEM)
        : repository.moveStatus(id, Deployment.RUNNING, Deployment.DEGRADED, reason, SYSTEM);
    moved.onSuccess(changed -> {
      if (changed) {
        statusChanged(id, reachable ? Deployment.RUNNING : Deployment.DEGRADED, reachable ? null : reason);
      }
    }).onFailure(e -> LOG.warn("recording the upstream state of deployment {} failed: {}", id, e.getMessage()));
  }

  private void reconcile() {
    if (reconciling) {
      return;
    }
    reconciling = true;
    repository.live()
        .compose(this::reconcileAll)
        .compose(v -> repository.live())
        .compose(this::sweep)
        .onFailure(e -> LOG.warn("reconciliation failed: {}", e.getMessage()))
        .onComplete(ar -> reconciling = false);
  }

  private Future<Void> reconcileAll(List<Deployment> deployments) {
    Future<Void> chain = Future.succeededFuture();
    for (Deployment deployment : deployments) {
      chain = chain.compose(v -> reconcileSafely(deployment));
    }
    return chain;
  }

  private Future<Void> reconcileSafely(Deployment deployment) {
    return reconcileOne(deployment).recover(e -> {
      LOG.warn("reconciling deployment {} failed: {}", deployment.id(), e.getMessage());
      return Future.succeededFuture();
    });
  }

  private Future<Void> reconcileOne(Deployment deployment) {
    boolean wantRunning = Deployment.RUNNING.equals(deployment.desiredState());
    if (wantRunning && Deployment.FAILED.equals(deployment.status())
        && System.nanoTime() < retryAt.getOrDefault(deployment.id(), Long.MIN_VALUE)) {
      return Future.succeededFuture();
    }
    Backend backend = backends.get(deployment.backend());
    if (wantRunning && backend != null) {
      return backend.isRunning(deployment).compose(up -> up && deployment.servesSessions()
          ? Future.succeededFuture() : provision(deployment).mapEmpty());
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

  private Future<Deployment> provisionWithin(UUID id) {
    Future<Deployment> provisioning = load(id).compose(this::provision);
    return Future.any(provisioning, vertx.timer(Math.max(1, provisionWait.toMillis()))).compose(v -> load(id));
  }

  /** Provisions a deployment; a provisioning already under way for it is joined, never started twice. */
  private Future<Deployment> provision(Deployment deployment) {
    Future<Deployment> running = inFlight.get(deployment.id());
    if (running != null) {
      return running;
    }
    Future<Deployment> started = provisionNow(deployment).eventually(() -> {
      inFlight.remove(deployment.id());
      return Future.succeededFuture();
    });
    if (!started.isComplete()) {
      inFlight.put(deployment.id(), started);
    }
    return started;
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

  private Future<Void> stopNow(Deployment deployment) {
    Backend backend = backends.get(deployment.backend());
    return endSessions(deployment.id(), null)
        .compose(v -> backend == null ? Future.succeededFuture() : backend.stop(deployment))
        .compose(v -> setStatus(deployment, Deployment.STOPPED, "stopped by request"));
  }

  private Future<Void> destroy(Deployment deployment) {
    Backend backend = backends.get(deployment.backend());
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

  private void statusChanged(UUID id, String status, String reason) {
    logs.lifecycle(id, "status " + status + (reason == null ? "" : ": " + reason));
    vertx.eventBus().publish(Addresses.DEPLOYMENTS_STATUS, new JsonObject().put("id", id.toString())
        .put("status", status).put("reason", reason));
  }

  private Future<Void> endSessions(UUID deploymentId, UUID tokenId) {
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

  private Future<Void> checkRecipe(Backend backend, Recipe recipe) {
    return backend.check(recipe).recover(e -> Future.failedFuture(e instanceof Backend.ProvisioningException
        ? new UnprocessableException(e.getMessage()) : e));
  }

  private Future<Deployment> load(UUID id) {
    return repository.find(id).map(found -> found.orElseThrow(() -> notFound(id)));
  }

  private Map<String, SecretBox.Sealed> seal(UUID id, Map<String, String> secrets) {
    Map<String, SecretBox.Sealed> sealed = new LinkedHashMap<>();
    secrets.forEach((name, value) -> sealed.put(name, box.seal(value, DeploymentRepository.secretContext(id, name))));
    return sealed;
  }

  private static <T> Future<T> duplicateName(Throwable e, String name) {
    if (e instanceof PgException pg && "23505".equals(pg.getSqlState())) {
      return Future.failedFuture(new ConflictException("a deployment named '" + name + "' already exists"));
    }
    return Future.failedFuture(e);
  }

  private static void checkHeaderVariables(Recipe recipe, JsonObject schema, DeploymentConfig config) {
    for (String variable : recipe.headerVariables()) {
      boolean declared = schema == null ? config.secrets().containsKey(variable)
          : schema.getJsonObject("properties", new JsonObject()).containsKey(variable);
      if (!declared) {
        throw new BadRequestException("recipe.headers: ${" + variable + "} is not a configuration variable");
      }
    }
  }

  private static DeploymentRepository.NewToken newToken(String token, String label) {
    return new DeploymentRepository.NewToken(UUID.randomUUID(), Tokens.hash(token), Tokens.displayPrefix(token), label);
  }

  private static String reasonOf(Throwable e) {
    return e instanceof Backend.ProvisioningException ? e.getMessage() : "provisioning failed: "
        + Failures.problem(e, "provisioning").detail();
  }

  private static String actor(Message<JsonObject> message) {
    String actor = message.headers().get(Addresses.ACTOR_HEADER);
    return actor == null ? SYSTEM : actor;
  }

  private static String checkName(Object value) {
    if (!(value instanceof String name) || !NAME.matcher(name).matches()) {
      throw new BadRequestException("name: 1 to 63 lower-case letters, digits and hyphens, starting with a letter"
          + " or digit");
    }
    return name;
  }

  private static void rejectUnknownFields(JsonObject body, Set<String> allowed, String where) {
    dev.catwalk.error.Validation.rejectUnknownFields(body, where, allowed);
  }

  private static String string(JsonObject body, String field) {
    if (!(body.getValue(field) instanceof String text)) {
      throw new BadRequestException(field + ": must be a string");
    }
    return text;
  }

  private static JsonObject object(JsonObject body, String field) {
    Object value = body.getValue(field);
    if (value != null && !(value instanceof JsonObject)) {
      throw new BadRequestException(field + ": must be an object");
    }
    return (JsonObject) value;
  }

  private static UUID id(JsonObject body, String field) {
    return dev.catwalk.Ids.parse(body.getValue(field))
        .orElseThrow(() -> new NotFoundException("no such " + (field.equals("id") ? "deployment" : "token")));
  }

  private static NotFoundException notFound(UUID id) {
    return new NotFoundException("no deployment " + id);
  }

  private static int bounded(JsonObject body, String field, int fallback, int min, int max) {
    return Commands.wholeNumber(body, field, fallback, min, max);
  }
}
