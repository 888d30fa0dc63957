package dev.catwalk.deploy;

import dev.catwalk.error.ApiException;
import dev.catwalk.error.BadRequestException;
import dev.catwalk.error.ConflictException;
import dev.catwalk.error.NotFoundException;
import dev.catwalk.error.UnprocessableException;
import dev.catwalk.error.Validation;
import dev.catwalk.Addresses;
import dev.catwalk.BusCommands;
import dev.catwalk.crypto.SecretBox;
import dev.catwalk.crypto.Tokens;
import dev.catwalk.error.Failures;
import dev.catwalk.fleet.FleetLocks;
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
 * with a reason, {@code stopped}, {@code deleted}) with an audit event per change; its {@link Reconciler}
 * drives desired and actual state together at start-up and on a timer, on this verticle's context.
 */
public final class DeploymentVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(DeploymentVerticle.class);
  private static final Pattern NAME = Pattern.compile("^[a-z0-9][a-z0-9-]{0,62}$");
  private static final Set<String> CREATE_FIELDS = Set.of("name", "backend", "recipe", "configSchema", "config",
      "limits");
  private static final Set<String> CATALOG_CREATE_FIELDS = Set.of("catalogId", "catalogVersion", "variant", "name",
      "backend", "config", "limits");
  private static final Duration CATALOG_TIMEOUT = Duration.ofSeconds(35);
  private static final Set<String> UPDATE_FIELDS = Set.of("id", "name", "config", "version", "limits");
  private static final int MAX_PAGE = 200;
  private static final int DEFAULT_LOG_LINES = 200;
  private static final String SYSTEM = "system";

  private final DeploymentRepository repository;
  private final SecretBox box;
  private final Map<String, Backend> backends;
  private final DeploymentLogs logs;
  private final String publicUrl;
  private final Duration reconcileInterval;
  private final Duration provisionWait;
  private final DeploymentLimits.Defaults limitDefaults;
  private final FleetLocks locks;
  private final String replica;
  private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();
  private Reconciler reconciler;
  private long reconcileTimer = -1;

  /**
   * @param provisionWait how long create and restart wait for provisioning before answering with
   *                      the status reached so far
   * @param limitDefaults the limits of deployments that set none
   * @param locks         this replica's advisory locks (started and closed with this verticle): the periodic
   *                      reconciliation runs only while it holds the reconciler lock
   * @param replica       this replica's id (recorded with the provisionings it does)
   */
  public DeploymentVerticle(DeploymentRepository repository, SecretBox box, Map<String, Backend> backends,
                            DeploymentLogs logs, String publicUrl, Duration reconcileInterval, Duration provisionWait,
                            DeploymentLimits.Defaults limitDefaults, FleetLocks locks, String replica) {
    this.repository = repository;
    this.box = box;
    this.backends = Map.copyOf(backends);
    this.logs = logs;
    this.publicUrl = publicUrl;
    this.reconcileInterval = reconcileInterval;
    this.provisionWait = provisionWait;
    this.limitDefaults = limitDefaults;
    this.locks = locks;
    this.replica = replica;
  }

  @Override
  public Future<?> start() {
    reconciler = new Reconciler(vertx, repository, box, backends, logs, reconcileInterval, locks, replica);
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
        .onSuccess(v -> reconcileTimer = vertx.setPeriodic(reconcileInterval.toMillis(), t -> reconciler.reconcile()))
        .onSuccess(v -> locks.leadershipHandler(this::leadership).start());
  }

  /** A pass as soon as this replica becomes the reconciler (at start when it is the only one). */
  private void leadership(boolean held) {
    if (held) {
      reconciler.reconcile();
    }
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(reconcileTimer);
    return Future.all(consumers.stream().map(MessageConsumer::unregister).toList()).eventually(locks::close);
  }

  private void bind(String address, Function<Message<JsonObject>, Future<?>> handler) {
    consumers.add(BusCommands.consumer(vertx, address, handler));
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
    JsonObject entry = body.copy().put("backend", backendName);
    Object limits = entry.remove("limits");
    DeploymentLimits.merge(null, limits, limitDefaults);
    return vertx.eventBus().<JsonObject>request(Addresses.CATALOG_RESOLVE, entry,
            new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(CATALOG_TIMEOUT.toMillis()))
        .compose(reply -> {
          JsonObject resolved = reply.body().copy();
          return create(message, resolved.put("limits", limits), (JsonObject) resolved.remove("catalog"));
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
    JsonObject limits = DeploymentLimits.merge(null, body.getValue("limits"), limitDefaults);
    UUID id = UUID.randomUUID();
    String token = Tokens.newToken();
    Map<String, SecretBox.Sealed> sealed = seal(id, config.secrets());
    DeploymentRepository.NewDeployment created = new DeploymentRepository.NewDeployment(id, name, backendName,
        recipe.toJson(), schema, config.plain(), limits, sealed, newToken(token, "initial"), catalog);
    return checkRecipe(backend, recipe)
        .compose(v -> repository.create(created, actor(message)).recover(e -> duplicateName(e, name)))
        .onSuccess(v -> logs.lifecycle(id, "deployment created"))
        .compose(v -> provisionWithin(id))
        .map(deployment -> view(deployment).put("accessToken", token));
  }

  /** A deployment as the API shows it: its fields, its limits in force, and how its backend isolates its servers. */
  private JsonObject view(Deployment deployment) {
    JsonObject json = deployment.toJson(publicUrl)
        .put("limits", DeploymentLimits.effective(deployment.limits(), limitDefaults).toJson());
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
    JsonObject limits = body.containsKey("limits")
        ? DeploymentLimits.merge(deployment.limits(), body.getValue("limits"), limitDefaults) : deployment.limits();
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
        recipe.toJson(), config.plain(), limits, seal(deployment.id(), changedSecrets), removed, detail);
    Backend backend = backends.get(deployment.backend());
    Future<Void> checked = body.containsKey("version") && backend != null ? checkRecipe(backend, recipe)
        : Future.succeededFuture();
    boolean rerun = (body.containsKey("config") || body.containsKey("version"))
        && Deployment.RUNNING.equals(deployment.desiredState());
    return checked.compose(v -> repository.change(change, actor(message)).recover(e -> duplicateName(e, name)))
        .compose(v -> rerun ? rerun(deployment.id()) : load(deployment.id()))
        .map(this::view);
  }

  /** After a change of configuration or version: the deployment is provisioned again. */
  private Future<Deployment> rerun(UUID id) {
    return repository.requestProvisioning(id).compose(v -> provisionWithin(id));
  }

  private Future<JsonObject> delete(Message<JsonObject> message) {
    UUID id = id(message.body(), "id");
    return load(id).compose(deployment -> deleteLoaded(message, deployment))
        .onSuccess(v -> logs.forget(id))
        .map(v -> new JsonObject().put("deleted", true));
  }

  private Future<Void> deleteLoaded(Message<JsonObject> message, Deployment deployment) {
    return repository.delete(deployment.id(), actor(message))
        .compose(deleted -> deleted ? reconciler.destroy(deployment) : Future.failedFuture(notFound(deployment.id())));
  }

  private Future<JsonObject> restart(Message<JsonObject> message) {
    UUID id = id(message.body(), "id");
    return load(id).compose(d -> repository.setDesiredState(id, Deployment.RUNNING, actor(message)))
        .compose(v -> repository.requestProvisioning(id))
        .compose(v -> reconciler.endSessions(id, null))
        .compose(v -> provisionWithin(id))
        .map(deployment -> view(deployment));
  }

  private Future<JsonObject> stopDeployment(Message<JsonObject> message) {
    UUID id = id(message.body(), "id");
    return load(id).compose(d -> repository.setDesiredState(id, Deployment.STOPPED, actor(message)))
        .compose(v -> reconciler.stopNow(id))
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
    return Future.all(repository.auditEvents(deployment.id(), limit), backendEvents, logs.recent(deployment.id(), limit))
        .map(all -> new JsonObject().put("lines", all.<JsonArray>resultAt(2))
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
        .compose(revoked -> revoked ? reconciler.endSessions(id, tokenId)
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
        reconciler.statusChanged(id, reachable ? Deployment.RUNNING : Deployment.DEGRADED, reachable ? null : reason);
      }
    }).onFailure(e -> LOG.warn("recording the upstream state of deployment {} failed: {}", id, e.getMessage()));
  }

  private Future<Deployment> provisionWithin(UUID id) {
    Future<Void> provisioning = reconciler.provisionRequested(id);
    return Future.any(provisioning, vertx.timer(Math.max(1, provisionWait.toMillis()))).compose(v -> load(id));
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
    return BusCommands.wholeNumber(body, field, fallback, min, max);
  }
}
