package dev.catwalk.console;

import dev.catwalk.Addresses;
import dev.catwalk.oauth.OAuthRoutes;
import dev.catwalk.web.SignedIn;
import dev.catwalk.web.Web;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The web console at {@code /}: server-rendered pages on {@link Web} that send the same event-bus commands as the
 * REST API (as actor {@code console:USERNAME}), so every rule stays in the deployment, analysis and catalog
 * verticles. Members see deployments and the connect panel; admins also create, change, stop and delete.
 * Live status comes from the {@link Addresses#DEPLOYMENTS_STATUS} facts over server-sent events ({@code /events}).
 */
public final class ConsoleRoutes {

  /** The paths of console pages (for {@link Web#protect}). */
  public static final String PATHS = "^/(|events|deployments(/.*)?|catalog(/.*)?|users(/.*)?|settings)$";
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final Duration KEEP_ALIVE = Duration.ofSeconds(15);
  /** How often an open event stream looks at the open-session counts (sent when they change). */
  private static final Duration SESSION_COUNTS = Duration.ofSeconds(2);
  private static final int AUDIT_EVENTS = 50;
  private static final String FLASH = "catwalk.console.flash";
  private static final String DRAFT = "catwalk.console.draft";
  private static final String ADMIN = "admin";

  private final Vertx vertx;
  private final Web web;
  private final OAuthRoutes oauth;

  public ConsoleRoutes(Vertx vertx, OAuthRoutes oauth) {
    this.vertx = vertx;
    this.web = oauth.web();
    this.oauth = oauth;
  }

  /** Mounts the console (its pages, the event stream and the log feed). */
  public void mount(Router router) {
    web.protect(router, PATHS);
    router.routeWithRegex(PATHS).failureHandler(this::staleForm);
    router.get("/").handler(signedIn(this::list));
    router.get("/events").handler(signedIn(this::events));
    router.get("/deployments/new").handler(admin(ctx -> newPage(ctx, 200, Map.of(), FieldErrors.NONE)));
    router.post("/deployments/new").handler(admin(this::createByHand));
    router.post("/deployments/new/analyze").handler(admin(this::analyze));
    router.post("/deployments/new/draft").handler(admin(this::createFromDraft));
    router.get("/deployments/:id").handler(signedIn(ctx -> deploymentPage(ctx, ctx.pathParam("id"), 200, null, null, Map.of())));
    router.get("/deployments/:id/logs.json").handler(signedIn(this::logs));
    router.post("/deployments/:id/tokens").handler(signedIn(this::createToken));
    router.post("/deployments/:id/tokens/:tokenId/revoke").handler(admin(ctx -> act(ctx,
        Addresses.DEPLOYMENTS_TOKEN_REVOKE, new JsonObject().put("tokenId", ctx.pathParam("tokenId")), "Token revoked.")));
    router.post("/deployments/:id/grants/:grantId/revoke").handler(admin(this::revokeGrant));
    router.post("/deployments/:id/sessions/:sessionId/end").handler(admin(this::endSession));
    router.post("/deployments/:id/stop").handler(admin(ctx -> act(ctx, Addresses.DEPLOYMENTS_STOP, new JsonObject(),
        "Stopped: open sessions ended, new ones refused until you start it again.")));
    router.post("/deployments/:id/start").handler(admin(ctx -> act(ctx, Addresses.DEPLOYMENTS_RESTART,
        new JsonObject(), "Starting.")));
    router.post("/deployments/:id/delete").handler(admin(this::delete));
    router.post("/deployments/:id/config").handler(admin(this::updateConfig));
    new CatalogPages(this).mount(router);
    new UserPages(this).mount(router);
    new SettingsPages(this).mount(router);
  }

  /** A form whose CSRF token is missing or stale (another tab, a page open too long): a page that says what to do. */
  private void staleForm(RoutingContext ctx) {
    String reason = ctx.failure() == null ? null : ctx.failure().getMessage();
    if (reason != null && (reason.startsWith("Token ") || reason.startsWith("No Token")) && !ctx.response().headWritten()) {
      message(ctx, 403, "This form has expired", "The page was open too long, or another tab changed something."
          + " Go back, reload the page and try again.");
      return;
    }
    ctx.next();
  }

  // ---- plumbing

  /**
   * Runs {@code handler} for a signed-in operator whose account still exists, with the role the account has now (a
   * role changed or an account removed since sign-in takes effect on the next request); else to the sign-in page.
   */
  Handler signedIn(Handler handler) {
    return ctx -> {
      SignedIn user = SignedIn.of(ctx);
      if (user == null) {
        toSignIn(ctx);
        return;
      }
      ask(ctx, Addresses.ADMIN_ACCOUNTS_GET, new JsonObject().put("id", user.accountId().toString()))
          .onSuccess(account -> {
            if (!account.getString("role").equals(user.role())) {
              user.withRole(account.getString("role")).keep(ctx);
            }
            handler.handle(ctx);
          })
          .onFailure(e -> {
            if (status(e) == 404) {
              SignedIn.signOut(ctx);
              toSignIn(ctx);
            } else {
              failed(ctx, e);
            }
          });
    };
  }

  private static void toSignIn(RoutingContext ctx) {
    String next = ctx.request().path();
    ctx.response().setStatusCode(303)
        .putHeader("Location", "/signin?next=" + URLEncoder.encode(next, StandardCharsets.UTF_8)).end();
  }

  Handler admin(Handler handler) {
    return signedIn(ctx -> {
      if (!ADMIN.equals(SignedIn.of(ctx).role())) {
        message(ctx, 403, "Administrators only", "Your account is a member: ask an administrator to do this.");
        return;
      }
      handler.handle(ctx);
    });
  }

  /** A page handler. */
  @FunctionalInterface
  interface Handler extends io.vertx.core.Handler<RoutingContext> {
  }

  /** Sends a command as the signed-in operator; replies with the body. */
  Future<JsonObject> ask(RoutingContext ctx, String address, JsonObject body) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(TIMEOUT.toMillis())
        .addHeader(Addresses.ACTOR_HEADER, "console:" + SignedIn.of(ctx).username());
    return vertx.eventBus().<JsonObject>request(address, body, options).map(Message::body);
  }

  void render(RoutingContext ctx, int status, String template, Map<String, Object> data) {
    Map<String, Object> model = new HashMap<>(data);
    model.put("admin", ADMIN.equals(SignedIn.of(ctx).role()));
    model.put("flash", ctx.session().remove(FLASH));
    web.render(ctx, status, "console/" + template, model, List.of(), true).onFailure(ctx::fail);
  }

  void message(RoutingContext ctx, int status, String heading, String text) {
    web.render(ctx, status, "message.html", Map.of("heading", heading, "message", text, "error", status >= 400),
        List.of()).onFailure(ctx::fail);
  }

  /** Shows a failed command: its status and reason (reasons are safe to show), or a generic message for a bug. */
  void failed(RoutingContext ctx, Throwable e) {
    if (e instanceof ReplyException reply && reply.failureCode() >= 400 && reply.failureCode() < 500) {
      message(ctx, reply.failureCode(), reply.failureCode() == 404 ? "Not found" : "That did not work", reply.getMessage());
    } else if (e instanceof ReplyException reply && reply.failureCode() >= 500 && reply.failureCode() < 600
        && reply.failureCode() != 500) {
      message(ctx, reply.failureCode(), "Try again later", reply.getMessage());
    } else {
      ctx.fail(e);
    }
  }

  static int status(Throwable e) {
    return e instanceof ReplyException reply ? reply.failureCode() : 500;
  }

  static void redirect(RoutingContext ctx, String location) {
    ctx.response().setStatusCode(303).putHeader("Location", location).end();
  }

  void flash(RoutingContext ctx, String text) {
    ctx.session().put(FLASH, text);
  }

  JsonObject draft(RoutingContext ctx) {
    String stored = ctx.session().get(DRAFT);
    return stored == null ? null : new JsonObject(stored);
  }

  void keepDraft(RoutingContext ctx, JsonObject draft) {
    ctx.session().put(DRAFT, draft.encode());
  }

  /** JSON as plain maps and lists, which the templates read. */
  static Object plain(Object value) {
    if (value instanceof JsonObject json) {
      Map<String, Object> map = new LinkedHashMap<>();
      json.forEach(entry -> map.put(entry.getKey(), plain(entry.getValue())));
      return map;
    }
    if (value instanceof JsonArray array) {
      List<Object> list = new ArrayList<>();
      array.forEach(item -> list.add(plain(item)));
      return list;
    }
    return value;
  }

  // ---- deployments list and live status

  private void list(RoutingContext ctx) {
    Future<JsonObject> deployments = ask(ctx, Addresses.DEPLOYMENTS_LIST, new JsonObject().put("limit", 200).put("offset", 0));
    Future<Map<String, Integer>> sessions = sessionCounts(ctx);
    Future.all(deployments, sessions).onSuccess(all -> {
      List<Object> rows = new ArrayList<>();
      for (Object item : deployments.result().getJsonArray("items", new JsonArray())) {
        JsonObject d = (JsonObject) item;
        JsonObject row = d.copy().put("runtime", d.getJsonObject("recipe", new JsonObject()).getString("runtime"))
            .put("sessions", sessions.result().getOrDefault(d.getString("id"), 0));
        rows.add(plain(row));
      }
      render(ctx, 200, "deployments.html", Map.of("deployments", rows));
    }).onFailure(e -> failed(ctx, e));
  }

  private Future<Map<String, Integer>> sessionCounts(RoutingContext ctx) {
    return ask(ctx, Addresses.ADMIN_SESSIONS_LIST, new JsonObject()).map(reply -> {
      Map<String, Integer> counts = new HashMap<>();
      for (Object session : reply.getJsonArray("sessions", new JsonArray())) {
        counts.merge(((JsonObject) session).getString("deploymentId"), 1, Integer::sum);
      }
      return counts;
    });
  }

  /**
   * Server-sent events: every {@link Addresses#DEPLOYMENTS_STATUS} fact as an event {@code status}, and the open
   * sessions per deployment on this node as an event {@code sessions} ({@code {id: count}}) whenever they change.
   */
  private void events(RoutingContext ctx) {
    HttpServerResponse response = ctx.response().setChunked(true)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8").putHeader("Cache-Control", "no-store");
    response.write("retry: 3000\n\n");
    MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(Addresses.DEPLOYMENTS_STATUS,
        fact -> response.write("event: status\ndata: " + fact.body().encode() + "\n\n"));
    long keepAlive = vertx.setPeriodic(KEEP_ALIVE.toMillis(), t -> response.write(": keep-alive\n\n"));
    SessionCounts counts = new SessionCounts(ctx, response);
    long sessions = vertx.setPeriodic(1, SESSION_COUNTS.toMillis(), t -> counts.poll());
    response.closeHandler(v -> {
      counts.closed = true;
      consumer.unregister();
      vertx.cancelTimer(keepAlive);
      vertx.cancelTimer(sessions);
    });
  }

  /** One event stream's view of the open-session counts: what it sent last (touched on the stream's context only). */
  private final class SessionCounts {
    private final RoutingContext ctx;
    private final HttpServerResponse response;
    private String last;
    private boolean closed;

    SessionCounts(RoutingContext ctx, HttpServerResponse response) {
      this.ctx = ctx;
      this.response = response;
    }

    void poll() {
      sessionCounts(ctx).onSuccess(counts -> {
        String now = new JsonObject(new java.util.TreeMap<>(counts)).encode();
        if (!closed && !now.equals(last)) {
          last = now;
          response.write("event: sessions\ndata: " + now + "\n\n");
        }
      });
    }
  }

  private void logs(RoutingContext ctx) {
    JsonObject body = new JsonObject().put("id", ctx.pathParam("id")).put("limit", 200);
    Future<JsonObject> logs = ask(ctx, Addresses.DEPLOYMENTS_LOGS, body);
    Future<JsonObject> deployment = ask(ctx, Addresses.DEPLOYMENTS_GET, new JsonObject().put("id", ctx.pathParam("id")));
    Future.all(logs, deployment).onSuccess(all -> ctx.response().putHeader("Content-Type", "application/json")
            .end(new JsonObject().put("status", deployment.result().getString("status"))
                .put("reason", deployment.result().getString("statusReason"))
                .put("lines", logs.result().getValue("lines")).put("events", logs.result().getValue("events")).encode()))
        .onFailure(e -> ctx.response().setStatusCode(status(e) == 404 ? 404 : 502)
            .putHeader("Content-Type", "application/json").end(new JsonObject().put("error", e.getMessage()).encode()));
  }

  // ---- one deployment

  private void deploymentPage(RoutingContext ctx, String id, int status, String token, FieldErrors configErrors,
                              Map<String, String> typed) {
    UUID uuid = uuid(id);
    if (uuid == null) {
      message(ctx, 404, "Not found", "no such deployment");
      return;
    }
    Future<JsonObject> deployment = ask(ctx, Addresses.DEPLOYMENTS_GET, new JsonObject().put("id", id));
    Future<JsonObject> sessions = ask(ctx, Addresses.ADMIN_SESSIONS_LIST, new JsonObject().put("deploymentId", id));
    Future<JsonObject> grants = ask(ctx, Addresses.ADMIN_GRANTS_LIST, new JsonObject().put("deploymentId", id));
    boolean admin = ADMIN.equals(SignedIn.of(ctx).role());
    Future<JsonObject> audit = admin ? ask(ctx, Addresses.DEPLOYMENTS_LOGS, new JsonObject().put("id", id)
        .put("limit", AUDIT_EVENTS)) : Future.succeededFuture(new JsonObject());
    Future.all(deployment, sessions, grants, audit).onSuccess(all -> {
      JsonObject d = deployment.result();
      Map<String, Object> data = new HashMap<>();
      data.put("d", plain(d));
      data.put("runtime", d.getJsonObject("recipe", new JsonObject()).getString("runtime"));
      data.put("sessions", plain(sessions.result().getJsonArray("sessions", new JsonArray())));
      data.put("grants", grants.result().getJsonArray("grants", new JsonArray()).stream()
          .filter(g -> !Boolean.TRUE.equals(((JsonObject) g).getValue("revoked"))).map(ConsoleRoutes::plain).toList());
      data.put("tokens", plain(new JsonArray(d.getJsonArray("tokens", new JsonArray()).stream()
          .filter(t -> !(t instanceof JsonObject o) || !Boolean.TRUE.equals(o.getValue("revoked"))).toList())));
      data.put("token", token);
      data.put("snippets", Snippets.of(d.getString("name"), d.getString("mcpUrl"), token));
      Set<String> secretSet = new java.util.HashSet<>();
      d.getJsonArray("secrets", new JsonArray()).forEach(s -> secretSet.add(((JsonObject) s).getString("name")));
      FieldErrors errors = configErrors == null ? FieldErrors.NONE : configErrors;
      Map<String, String> shown = ConfigForm.shown(d.getJsonObject("config"));
      shown.putAll(typed);
      data.put("fields", ConfigForm.fields(d.getJsonObject("configSchema"), shown, secretSet, null, errors.config()));
      data.put("configError", errors.unplaced(List.of()));
      data.put("audit", auditRows(audit.result().getJsonArray("events", new JsonArray())));
      render(ctx, status, "deployment.html", data);
    }).onFailure(e -> failed(ctx, e));
  }

  /** The audit trail as rows: when, who, what, and the detail as compact JSON (empty when there is none). */
  private static List<Map<String, Object>> auditRows(JsonArray events) {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (Object item : events) {
      JsonObject event = (JsonObject) item;
      Object detail = event.getValue("detail");
      String text = detail instanceof JsonObject json && json.isEmpty() || detail == null ? ""
          : detail instanceof JsonObject json ? json.encode() : String.valueOf(detail);
      Map<String, Object> row = new HashMap<>();
      row.put("at", event.getString("at"));
      row.put("actor", event.getString("actor"));
      row.put("action", event.getString("action"));
      row.put("detail", text);
      rows.add(row);
    }
    return rows;
  }

  private void createToken(RoutingContext ctx) {
    String label = ctx.request().getFormAttribute("label");
    JsonObject body = new JsonObject().put("id", ctx.pathParam("id"));
    if (label != null && !label.isBlank()) {
      body.put("label", label.strip());
    }
    ask(ctx, Addresses.DEPLOYMENTS_TOKEN_CREATE, body)
        .onSuccess(reply -> deploymentPage(ctx, ctx.pathParam("id"), 200, reply.getString("accessToken"), null, Map.of()))
        .onFailure(e -> failed(ctx, e));
  }

  private void act(RoutingContext ctx, String address, JsonObject body, String done) {
    String id = ctx.pathParam("id");
    ask(ctx, address, body.put("id", id)).onSuccess(reply -> {
      flash(ctx, done);
      redirect(ctx, "/deployments/" + id);
    }).onFailure(e -> failed(ctx, e));
  }

  private void revokeGrant(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    ask(ctx, Addresses.ADMIN_GRANTS_REVOKE, new JsonObject().put("deploymentId", id)
        .put("grantId", ctx.pathParam("grantId"))).onSuccess(reply -> {
          flash(ctx, "Access revoked; its sessions ended.");
          redirect(ctx, "/deployments/" + id);
        }).onFailure(e -> failed(ctx, e));
  }

  private void endSession(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    String session = ctx.pathParam("sessionId");
    ask(ctx, Addresses.ADMIN_SESSIONS_LIST, new JsonObject().put("deploymentId", id)).compose(reply -> {
      boolean ours = reply.getJsonArray("sessions", new JsonArray()).stream()
          .anyMatch(s -> session.equals(((JsonObject) s).getString("sessionId")));
      return ours ? ask(ctx, Addresses.ADMIN_SESSIONS_END, new JsonObject().put("sessionId", session))
          : Future.succeededFuture(null);
    }).onSuccess(reply -> {
      flash(ctx, reply == null ? "That session had already ended." : "Session ended.");
      redirect(ctx, "/deployments/" + id);
    }).onFailure(e -> failed(ctx, e));
  }

  private void delete(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    String confirm = ctx.request().getFormAttribute("confirm");
    ask(ctx, Addresses.DEPLOYMENTS_GET, new JsonObject().put("id", id)).compose(d -> {
      if (!d.getString("name").equals(confirm == null ? null : confirm.strip())) {
        flash(ctx, "Not deleted: type the deployment's name to confirm.");
        return Future.succeededFuture("/deployments/" + id);
      }
      return ask(ctx, Addresses.DEPLOYMENTS_DELETE, new JsonObject().put("id", id)).map(r -> {
        flash(ctx, "Deleted " + d.getString("name") + ".");
        return "/";
      });
    }).onSuccess(location -> redirect(ctx, location)).onFailure(e -> failed(ctx, e));
  }

  private void updateConfig(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    Map<String, String> typed = new HashMap<>();
    ask(ctx, Addresses.DEPLOYMENTS_GET, new JsonObject().put("id", id)).compose(d -> {
      JsonObject schema = d.getJsonObject("configSchema");
      typed.putAll(ConfigForm.typed(schema, ctx.request().formAttributes()));
      JsonObject config = ConfigForm.read(schema, ctx.request().formAttributes(), true);
      if (schema != null && schema.getValue("properties") instanceof JsonObject properties) {
        for (String name : properties.fieldNames()) {
          if (!config.containsKey(name) && !ConfigForm.secrets(schema).contains(name)) {
            config.putNull(name);
          }
        }
      }
      return ask(ctx, Addresses.DEPLOYMENTS_UPDATE, new JsonObject().put("id", id).put("config", config));
    }).onSuccess(reply -> {
      flash(ctx, "Configuration saved; new sessions use it.");
      redirect(ctx, "/deployments/" + id);
    }).onFailure(e -> {
      if (status(e) == 400) {
        deploymentPage(ctx, id, 400, null, FieldErrors.parse(e.getMessage()), typed);
      } else {
        failed(ctx, e);
      }
    });
  }

  // ---- new deployment

  /** The fields of the by-hand form, in the order of the page. */
  private static final List<String> HAND_FIELDS = List.of("name", "runtime", "package", "version", "command", "args",
      "url", "headers", "variables", "secrets");

  private void newPage(RoutingContext ctx, int status, Map<String, String> typed, FieldErrors errors) {
    Map<String, Object> data = new HashMap<>();
    Map<String, String> values = new HashMap<>(typed);
    values.putIfAbsent("runtime", "npm");
    data.put("v", values);
    Map<String, String> fieldErrors = new HashMap<>();
    Map<String, String> paths = Map.of("name", "name", "runtime", "recipe.runtime", "package", "recipe.package",
        "version", "recipe.version", "command", "recipe.command", "args", "recipe.args", "url", "recipe.url",
        "headers", "recipe.headers");
    paths.forEach((field, path) -> {
      if (errors.of(path) != null) {
        fieldErrors.put(field, errors.of(path));
      }
    });
    String config = String.join("; ", errors.config().entrySet().stream().map(e -> e.getKey() + ": " + e.getValue()).toList());
    if (!config.isEmpty()) {
      fieldErrors.put("variables", config);
    }
    data.put("e", fieldErrors);
    data.put("error", errors.unplaced(paths.values()));
    JsonObject draft = draft(ctx);
    int kept = draft != null && "hand".equals(draft.getString("kind")) ? draft.getJsonObject("secrets", new JsonObject()).size() : 0;
    data.put("secretsKept", kept);
    data.put("runtimes", dev.catwalk.deploy.Recipe.RUNTIMES);
    render(ctx, status, "new.html", data);
  }

  private void createByHand(RoutingContext ctx) {
    MultiMap form = ctx.request().formAttributes();
    Map<String, String> typed = new HashMap<>();
    for (String field : HAND_FIELDS) {
      if (!field.equals("secrets") && form.get(field) != null) {
        typed.put(field, form.get(field));
      }
    }
    JsonObject recipe = new JsonObject().put("runtime", form.get("runtime"));
    for (String field : List.of("package", "version", "command", "url")) {
      String value = form.get(field);
      if (value != null && !value.isBlank()) {
        recipe.put(field, value.strip());
      }
    }
    List<String> args = lines(form.get("args"));
    if (!args.isEmpty()) {
      recipe.put("args", new JsonArray(args));
    }
    JsonObject headers = new JsonObject();
    JsonObject config = new JsonObject();
    JsonObject secrets;
    try {
      pairs(form.get("headers"), ':', "headers", headers);
      pairs(form.get("variables"), '=', "variables", config);
      secrets = new JsonObject();
      pairs(form.get("secrets"), '=', "secrets", secrets);
    } catch (FormatError e) {
      newPage(ctx, 400, typed, new FieldErrors(Map.of(e.field, e.getMessage()), null));
      return;
    }
    if (!headers.isEmpty()) {
      recipe.put("headers", headers);
    }
    JsonObject draft = draft(ctx);
    if (secrets.isEmpty() && draft != null && "hand".equals(draft.getString("kind"))) {
      secrets = draft.getJsonObject("secrets", new JsonObject());
    }
    JsonObject body = new JsonObject().put("name", blankToNull(form.get("name"))).put("recipe", recipe).put("config", config);
    if (!secrets.isEmpty()) {
      JsonObject properties = new JsonObject();
      config.fieldNames().forEach(n -> properties.put(n, new JsonObject().put("type", "string")));
      secrets.fieldNames().forEach(n -> properties.put(n, new JsonObject().put("type", "string").put("writeOnly", true)));
      secrets.forEach(entry -> config.put(entry.getKey(), entry.getValue()));
      body.put("configSchema", new JsonObject().put("type", "object").put("properties", properties));
    }
    JsonObject kept = secrets;
    ask(ctx, Addresses.DEPLOYMENTS_CREATE, body).onSuccess(created -> {
      ctx.session().remove(DRAFT);
      created(ctx, created);
    }).onFailure(e -> {
      if (status(e) == 400 || status(e) == 409 || status(e) == 422) {
        keepDraft(ctx, new JsonObject().put("kind", "hand").put("secrets", kept));
        newPage(ctx, status(e), typed, FieldErrors.parse(e.getMessage()));
      } else {
        failed(ctx, e);
      }
    });
  }

  /** After a create: the deployment's page, following its start, with the one-time token of the reply. */
  void created(RoutingContext ctx, JsonObject created) {
    flash(ctx, "Deployed. The access token below is shown only now: copy it, or create another later.");
    deploymentPage(ctx, created.getString("id"), 201, created.getString("accessToken"), null, Map.of());
  }

  private void analyze(RoutingContext ctx) {
    String repoUrl = ctx.request().getFormAttribute("repoUrl");
    JsonObject body = new JsonObject().put("repoUrl", repoUrl == null ? "" : repoUrl.strip());
    ask(ctx, Addresses.ANALYSIS_ANALYZE, body).onSuccess(analysis -> {
      JsonObject draft = new JsonObject().put("kind", "analysis").put("recipe", analysis.getJsonObject("recipe"))
          .put("configSchema", analysis.getJsonObject("configSchema")).put("sources", analysis.getJsonObject("sources"))
          .put("warnings", analysis.getJsonArray("warnings", new JsonArray())).put("origin", body.getString("repoUrl"))
          .put("name", suggestedName(analysis));
      keepDraft(ctx, draft);
      draftPage(ctx, 200, draft, Map.of(), FieldErrors.NONE);
    }).onFailure(e -> {
      if (status(e) >= 400 && status(e) < 500 || status(e) >= 502 && status(e) <= 504) {
        Map<String, String> typed = Map.of("repoUrl", body.getString("repoUrl"));
        Map<String, Object> data = new HashMap<>();
        data.put("v", typed);
        data.put("e", Map.of());
        data.put("analyzeError", e.getMessage());
        data.put("secretsKept", 0);
        data.put("runtimes", dev.catwalk.deploy.Recipe.RUNTIMES);
        render(ctx, status(e), "new.html", data);
      } else {
        failed(ctx, e);
      }
    });
  }

  private static String suggestedName(JsonObject analysis) {
    JsonObject repository = analysis.getJsonObject("repository", new JsonObject());
    String repo = repository.getString("repo", "server").toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9-]+", "-");
    repo = repo.replaceAll("^-+|-+$", "");
    return repo.isEmpty() ? "server" : repo.length() > 63 ? repo.substring(0, 63) : repo;
  }

  /** The generated form of a draft (an analysis or a catalog entry). */
  void draftPage(RoutingContext ctx, int status, JsonObject draft, Map<String, String> typed, FieldErrors errors) {
    JsonObject schema = draft.getJsonObject("configSchema");
    Set<String> kept = draft.getJsonObject("secrets", new JsonObject()).fieldNames();
    Map<String, Object> data = new HashMap<>();
    data.put("draft", plain(draft.copy().put("secrets", (Object) null)));
    data.put("recipe", plain(draft.getJsonObject("recipe", new JsonObject())));
    data.put("name", typed.getOrDefault("name", draft.getString("name", "")));
    data.put("nameError", errors.of("name"));
    data.put("fields", ConfigForm.fields(schema, typed, kept, draft.getJsonObject("sources"), errors.config()));
    data.put("error", errors.unplaced(List.of("name")));
    render(ctx, status, "draft.html", data);
  }

  private void createFromDraft(RoutingContext ctx) {
    JsonObject draft = draft(ctx);
    if (draft == null || !List.of("analysis", "catalog").contains(draft.getString("kind"))) {
      message(ctx, 400, "This form has expired", "Start again from New deployment or the catalog.");
      return;
    }
    MultiMap form = ctx.request().formAttributes();
    JsonObject schema = draft.getJsonObject("configSchema");
    JsonObject config = ConfigForm.read(schema, form, false);
    JsonObject typedSecrets = draft.getJsonObject("secrets", new JsonObject()).copy();
    for (String name : ConfigForm.secrets(schema)) {
      if (config.containsKey(name)) {
        typedSecrets.put(name, config.getValue(name));
      } else if (typedSecrets.containsKey(name)) {
        config.put(name, typedSecrets.getValue(name));
      }
    }
    String name = blankToNull(form.get("name"));
    JsonObject body;
    if (draft.getString("kind").equals("catalog")) {
      body = new JsonObject().put("catalogId", draft.getString("catalogId")).put("config", config);
      if (draft.getString("catalogVersion") != null) {
        body.put("catalogVersion", draft.getString("catalogVersion"));
      }
      if (draft.getString("variant") != null) {
        body.put("variant", draft.getString("variant"));
      }
      if (name != null) {
        body.put("name", name);
      }
    } else {
      body = new JsonObject().put("name", name).put("recipe", draft.getJsonObject("recipe")).put("config", config);
      if (schema != null) {
        body.put("configSchema", schema);
      }
    }
    ask(ctx, Addresses.DEPLOYMENTS_CREATE, body).onSuccess(created -> {
      ctx.session().remove(DRAFT);
      created(ctx, created);
    }).onFailure(e -> {
      if (status(e) == 400 || status(e) == 409 || status(e) == 422) {
        draft.put("secrets", typedSecrets);
        keepDraft(ctx, draft);
        Map<String, String> typed = new HashMap<>(ConfigForm.typed(schema, form));
        typed.put("name", form.get("name") == null ? "" : form.get("name"));
        draftPage(ctx, status(e), draft, typed, FieldErrors.parse(e.getMessage()));
      } else {
        failed(ctx, e);
      }
    });
  }

  // ---- helpers

  /** A line of a multi-line field that is not {@code NAME=value} (or {@code Name: value}). */
  private static final class FormatError extends RuntimeException {
    final String field;

    FormatError(String field, String message) {
      super(message, null, false, false);
      this.field = field;
    }
  }

  private static void pairs(String text, char separator, String field, JsonObject into) {
    int number = 0;
    for (String line : (text == null ? "" : text).split("\\R")) {
      number++;
      if (line.isBlank()) {
        continue;
      }
      int at = line.indexOf(separator);
      if (at <= 0) {
        throw new FormatError(field, "line " + number + ": write NAME" + (separator == '=' ? "=" : ": ") + "value");
      }
      into.put(line.substring(0, at).strip(), line.substring(at + 1).strip());
    }
  }

  private static List<String> lines(String text) {
    return text == null ? List.of() : text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value.strip();
  }

  static UUID uuid(String value) {
    try {
      return value == null ? null : UUID.fromString(value);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
