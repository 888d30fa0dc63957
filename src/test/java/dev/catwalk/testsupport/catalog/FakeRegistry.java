package dev.catwalk.testsupport.catalog;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The official MCP Registry's read API on 127.0.0.1, as its code and OpenAPI document behave
 * ({@code modelcontextprotocol/registry}, API {@code v0.1}; {@code v0} answers the same):
 * <ul>
 *   <li>{@code GET /v0.1/servers?limit=&cursor=&updated_since=&version=&search=&include_deleted=}: rows
 *       {@code {server, _meta: {"io.modelcontextprotocol.registry/official": {status, statusMessage?,
 *       statusChangedAt, publishedAt, updatedAt, isLatest}}}} ordered by name, then version; {@code limit} 1–100
 *       (default 30; otherwise 422 with huma's problem JSON); the cursor is {@code name:version}, set whenever a page
 *       is full (so the last page may be empty); {@code updated_since} is strict and includes deleted rows
 *       (explicit {@code include_deleted=false} with it is a 400); {@code version=latest}; {@code search} is a
 *       substring of the name; deleted rows are hidden otherwise.</li>
 *   <li>{@code GET /v0.1/servers/{name}/versions} (not paginated) and {@code …/versions/{version}} ({@code latest}
 *       allowed), names URL-encoded ({@code %2F}); unknown ones 404.</li>
 *   <li>{@code GET /v0/health}.</li>
 * </ul>
 * Marking a new version latest does not change the old version's {@code updatedAt} (the registry does not say
 * that it does). Switches make it fail requests (any status, with {@code Retry-After}), answer slowly, answer
 * garbage, or refuse connections; every request is recorded.
 */
public final class FakeRegistry implements AutoCloseable {

  /** The registry's block in {@code _meta}. */
  public static final String OFFICIAL = "io.modelcontextprotocol.registry/official";

  private final Vertx vertx;
  private final Map<String, Row> rows = new ConcurrentHashMap<>();
  private final List<String> requests = Collections.synchronizedList(new ArrayList<>());
  private final List<Object> garbage = Collections.synchronizedList(new ArrayList<>());
  private final AtomicReference<Failure> failure = new AtomicReference<>();
  private final AtomicInteger port = new AtomicInteger();
  private volatile long delayMillis;
  private volatile Consumer<String> onRequest = query -> { };
  private volatile HttpServer server;
  private Instant clock = Instant.parse("2026-01-01T00:00:00Z");

  /** One stored version. */
  private record Row(JsonObject server, String status, String statusMessage, boolean latest, Instant publishedAt,
                     Instant updatedAt) {

    String key() {
      return key(server.getString("name"), server.getString("version"));
    }

    static String key(String name, String version) {
      return name + "\u0000" + version;
    }

    JsonObject toJson() {
      JsonObject official = new JsonObject().put("status", status).put("publishedAt", publishedAt.toString())
          .put("updatedAt", updatedAt.toString()).put("statusChangedAt", updatedAt.toString()).put("isLatest", latest);
      if (statusMessage != null) {
        official.put("statusMessage", statusMessage);
      }
      return new JsonObject().put("server", server.copy()).put("_meta", new JsonObject().put(OFFICIAL, official));
    }
  }

  /** Requests to fail: the next {@code count} matching ones get {@code status} (or a dropped connection). */
  private record Failure(Predicate<String> which, int count, int status, String retryAfter, String body) {
  }

  private FakeRegistry(Vertx vertx) {
    this.vertx = vertx;
  }

  /** A registry on a free port, empty. */
  public static FakeRegistry start(Vertx vertx) {
    FakeRegistry registry = new FakeRegistry(vertx);
    registry.listen(0);
    return registry;
  }

  /** A registry serving the rows of {@code /catalog/registry-entries.json} (test resources). */
  public static FakeRegistry withFixtures(Vertx vertx) {
    FakeRegistry registry = start(vertx);
    for (Object row : CatalogFixtures.registryRows()) {
      registry.putRow((JsonObject) row);
    }
    return registry;
  }

  private void listen(int wanted) {
    Router router = Router.router(vertx);
    router.route().handler(this::gate);
    router.get("/v0/health").handler(ctx -> json(ctx, 200, new JsonObject().put("status", "ok")));
    for (String version : List.of("/v0", "/v0.1")) {
      router.get(version + "/servers").handler(this::list);
      router.getWithRegex(version + "/servers/([^/]+)/versions").handler(this::versions);
      router.getWithRegex(version + "/servers/([^/]+)/versions/([^/]+)").handler(this::version);
    }
    router.route().handler(ctx -> problem(ctx, 404, "Not Found", "Endpoint not found"));
    server = vertx.createHttpServer().requestHandler(router).listen(wanted, "127.0.0.1").await();
    port.set(server.actualPort());
  }

  /** The base URL to configure ({@code CATWALK_REGISTRY_URL}). */
  public String url() {
    return "http://127.0.0.1:" + port.get();
  }

  // ------------------------------------------------------------------ content

  /** Adds or replaces a row as the registry lists it ({@code {server, _meta}}); its times are taken as given. */
  public synchronized void putRow(JsonObject row) {
    JsonObject official = row.getJsonObject("_meta", new JsonObject()).getJsonObject(OFFICIAL, new JsonObject());
    JsonObject server = row.getJsonObject("server");
    Instant published = official.containsKey("publishedAt") ? Instant.parse(official.getString("publishedAt")) : tick();
    Instant updated = official.containsKey("updatedAt") ? Instant.parse(official.getString("updatedAt")) : published;
    Row stored = new Row(server.copy(), official.getString("status", "active"), official.getString("statusMessage"),
        official.getBoolean("isLatest", true), published, updated);
    rows.put(stored.key(), stored);
  }

  /** Publishes a new version now: it becomes the latest; the previous latest keeps its {@code updatedAt}. */
  public synchronized void publish(JsonObject server) {
    String name = server.getString("name");
    rows.replaceAll((key, row) -> row.server().getString("name").equals(name) && row.latest()
        ? new Row(row.server(), row.status(), row.statusMessage(), false, row.publishedAt(), row.updatedAt()) : row);
    Instant now = tick();
    Row row = new Row(server.copy(), "active", null, true, now, now);
    rows.put(row.key(), row);
  }

  /** Rows the first page also lists, as they are (not objects, no name, wrong types…): a registry with bad data. */
  public void addGarbage(Object row) {
    garbage.add(row);
  }

  /** Changes a version's status now ({@code active}, {@code deprecated}, {@code deleted}). */
  public synchronized void setStatus(String name, String version, String status, String message) {
    Row row = rows.get(Row.key(name, version));
    if (row == null) {
      throw new IllegalArgumentException("no row " + name + " " + version);
    }
    rows.put(row.key(), new Row(row.server(), status, message, row.latest(), row.publishedAt(), tick()));
  }

  /** The server.json of a stored version. */
  public JsonObject server(String name, String version) {
    return rows.get(Row.key(name, version)).server().copy();
  }

  private Instant tick() {
    Instant now = Instant.now();
    clock = now.isAfter(clock) ? now : clock.plusMillis(1);
    return clock;
  }

  // ------------------------------------------------------------------ switches

  /** The next {@code count} requests whose path and query satisfy {@code which} fail with {@code status}. */
  public void failNext(int count, int status, String retryAfter, Predicate<String> which) {
    failure.set(new Failure(which, count, status, retryAfter, null));
  }

  /** The next {@code count} requests fail with {@code status} and this body (JSON or not). */
  public void failNextWith(int count, int status, String body) {
    failure.set(new Failure(q -> true, count, status, null, body));
  }

  /** Every answer waits this long first. */
  public void delay(long millis) {
    delayMillis = millis;
  }

  /** Called with the path and query of each request before it is answered (to change data mid-walk). */
  public void onRequest(Consumer<String> hook) {
    onRequest = hook;
  }

  /** Stops listening: connections are refused until {@link #resume()}. */
  public void down() {
    server.close().await();
  }

  /** Listens again on the same port. */
  public void resume() {
    listen(port.get());
  }

  /** The path and query of every request so far, in order. */
  public List<String> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  /** Forgets the requests so far. */
  public void clearRequests() {
    requests.clear();
  }

  // ------------------------------------------------------------------ endpoints

  private void gate(RoutingContext ctx) {
    String query = ctx.request().uri();
    requests.add(query);
    onRequest.accept(query);
    Failure planned = failure.get();
    if (planned != null && planned.count() > 0 && planned.which().test(query)
        && failure.compareAndSet(planned, new Failure(planned.which(), planned.count() - 1, planned.status(),
        planned.retryAfter(), planned.body()))) {
      vertx.setTimer(Math.max(1, delayMillis), t -> fail(ctx, planned));
      return;
    }
    if (delayMillis > 0) {
      vertx.setTimer(delayMillis, t -> ctx.next());
    } else {
      ctx.next();
    }
  }

  private void fail(RoutingContext ctx, Failure planned) {
    if (planned.status() == 0) {
      ctx.request().connection().close();
      return;
    }
    if (planned.retryAfter() != null) {
      ctx.response().putHeader("Retry-After", planned.retryAfter());
    }
    if (planned.body() != null) {
      ctx.response().setStatusCode(planned.status()).putHeader("Content-Type", "application/json").end(planned.body());
      return;
    }
    problem(ctx, planned.status(), ctx.response().setStatusCode(planned.status()).getStatusMessage(),
        planned.status() == 429 ? "rate limit exceeded" : "the registry is having a bad day");
  }

  private void list(RoutingContext ctx) {
    var params = ctx.queryParams();
    int limit = 30;
    if (params.get("limit") != null) {
      try {
        limit = Integer.parseInt(params.get("limit"));
      } catch (NumberFormatException e) {
        limit = -1;
      }
      if (limit < 1 || limit > 100) {
        ctx.response().setStatusCode(422).putHeader("Content-Type", "application/problem+json")
            .end(new JsonObject().put("title", "Unprocessable Entity").put("status", 422)
                .put("detail", "validation failed").put("errors", new JsonArray().add(new JsonObject()
                    .put("message", "expected number <= 100").put("location", "query.limit")
                    .put("value", params.get("limit")))).encode());
        return;
      }
    }
    Instant since = null;
    if (params.get("updated_since") != null) {
      try {
        since = Instant.parse(params.get("updated_since"));
      } catch (DateTimeParseException e) {
        problem(ctx, 400, "Bad Request", "Invalid updated_since format: use RFC3339 format (e.g., 2025-08-07T13:15:04.280Z)");
        return;
      }
      if ("false".equals(params.get("include_deleted"))) {
        problem(ctx, 400, "Bad Request", "include_deleted cannot be false when updated_since is set");
        return;
      }
    }
    boolean includeDeleted = since != null || "true".equals(params.get("include_deleted"));
    String cursor = params.get("cursor");
    String version = params.get("version");
    String search = params.get("search");
    List<Row> matching = new ArrayList<>();
    synchronized (this) {
      for (Row row : rows.values()) {
        String name = row.server().getString("name");
        String rowVersion = row.server().getString("version");
        if (!includeDeleted && row.status().equals("deleted")
            || since != null && !row.updatedAt().isAfter(since)
            || "latest".equals(version) && !row.latest()
            || version != null && !"latest".equals(version) && !version.equals(rowVersion)
            || search != null && !name.toLowerCase().contains(search.toLowerCase())
            || cursor != null && !after(name, rowVersion, cursor)) {
          continue;
        }
        matching.add(row);
      }
    }
    matching.sort(Comparator.comparing((Row r) -> r.server().getString("name"))
        .thenComparing(r -> r.server().getString("version")));
    List<Row> page = matching.subList(0, Math.min(limit, matching.size()));
    JsonObject metadata = new JsonObject().put("count", page.size());
    if (page.size() == limit) {
      Row last = page.getLast();
      metadata.put("nextCursor", last.server().getString("name") + ":" + last.server().getString("version"));
    }
    JsonArray listed = new JsonArray(new ArrayList<>(page.stream().map(Row::toJson).toList()));
    if (cursor == null && since == null) {
      synchronized (garbage) {
        garbage.forEach(listed::add);
      }
    }
    json(ctx, 200, new JsonObject().put("servers", listed).put("metadata", metadata));
  }

  /** Whether (name, version) comes after the cursor {@code name:version} (the registry compares the pair). */
  private static boolean after(String name, String version, String cursor) {
    int colon = cursor.indexOf(':');
    String cursorName = colon < 0 ? cursor : cursor.substring(0, colon);
    String cursorVersion = colon < 0 ? "" : cursor.substring(colon + 1);
    int byName = name.compareTo(cursorName);
    return byName > 0 || byName == 0 && version.compareTo(cursorVersion) > 0;
  }

  private void versions(RoutingContext ctx) {
    String name = URLDecoder.decode(ctx.pathParam("param0"), StandardCharsets.UTF_8);
    List<JsonObject> found = new ArrayList<>();
    synchronized (this) {
      new TreeMap<>(rows).values().stream().filter(r -> r.server().getString("name").equals(name))
          .sorted(Comparator.comparing(Row::publishedAt).reversed()).forEach(r -> found.add(r.toJson()));
    }
    if (found.isEmpty()) {
      problem(ctx, 404, "Not Found", "Server not found");
      return;
    }
    json(ctx, 200, new JsonObject().put("servers", new JsonArray(found))
        .put("metadata", new JsonObject().put("count", found.size())));
  }

  private void version(RoutingContext ctx) {
    String name = URLDecoder.decode(ctx.pathParam("param0"), StandardCharsets.UTF_8);
    String version = URLDecoder.decode(ctx.pathParam("param1"), StandardCharsets.UTF_8);
    Row found;
    synchronized (this) {
      found = rows.values().stream().filter(r -> r.server().getString("name").equals(name))
          .filter(r -> "latest".equals(version) ? r.latest() : r.server().getString("version").equals(version))
          .findFirst().orElse(null);
    }
    if (found == null) {
      problem(ctx, 404, "Not Found", "Server not found");
      return;
    }
    json(ctx, 200, found.toJson());
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }

  private static void problem(RoutingContext ctx, int status, String title, String detail) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/problem+json")
        .end(new JsonObject().put("title", title).put("status", status).put("detail", detail).encode());
  }

  @Override
  public void close() {
    if (server != null) {
      server.close().await();
    }
  }
}
