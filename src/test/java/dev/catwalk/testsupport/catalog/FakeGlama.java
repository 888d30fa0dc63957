package dev.catwalk.testsupport.catalog;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Glama's MCP directory API on 127.0.0.1, as its OpenAPI document (1.0.0) describes it:
 * {@code GET /api/mcp/v1/servers?query=&first=&after=} answers {@code {pageInfo: {startCursor, endCursor, hasNextPage,
 * hasPreviousPage}, servers: [McpServer]}} in order of creation, {@code first} 1–100 (default 10), the cursors
 * opaque (base64 of {@code {"createdAt", "id"}} like Glama's); {@code GET /v1/servers/{namespace}/{slug}} one
 * server. Errors are {@code {error: {code, message, id}}}. Switches make it fail requests, answer slowly or
 * refuse connections; every request is recorded.
 */
public final class FakeGlama implements AutoCloseable {

  private final Vertx vertx;
  private final List<JsonObject> servers = Collections.synchronizedList(new ArrayList<>());
  private final List<String> requests = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger failures = new AtomicInteger();
  private volatile int failureStatus = 500;
  private volatile long delayMillis;
  private final HttpServer server;

  private FakeGlama(Vertx vertx) {
    this.vertx = vertx;
    Router router = Router.router(vertx);
    router.route().handler(this::gate);
    router.get("/api/mcp/v1/servers").handler(this::list);
    router.get("/api/mcp/v1/servers/:namespace/:slug").handler(this::one);
    router.route().handler(ctx -> error(ctx, 404, "NOT_FOUND", "Not found"));
    this.server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
  }

  /** A directory serving {@code /catalog/glama-servers.json} (test resources). */
  public static FakeGlama withFixtures(Vertx vertx) {
    FakeGlama glama = new FakeGlama(vertx);
    CatalogFixtures.glamaServers().forEach(s -> glama.servers.add((JsonObject) s));
    return glama;
  }

  /** The base URL to configure ({@code CATWALK_GLAMA_API_URL}). */
  public String url() {
    return "http://127.0.0.1:" + server.actualPort() + "/api/mcp";
  }

  /** Adds a server (created now, so it is listed last). */
  public void add(JsonObject mcpServer) {
    servers.add(mcpServer.copy());
  }

  /** Removes the server with this id. */
  public void remove(String id) {
    servers.removeIf(s -> id.equals(s.getValue("id")));
  }

  /** The next {@code count} requests fail with {@code status}. */
  public void failNext(int count, int status) {
    failureStatus = status;
    failures.set(count);
  }

  /** Every answer waits this long first. */
  public void delay(long millis) {
    delayMillis = millis;
  }

  /** The path and query of every request so far. */
  public List<String> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  private void gate(RoutingContext ctx) {
    requests.add(ctx.request().uri());
    if (failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      error(ctx, failureStatus, failureStatus == 429 ? "RATE_LIMITED" : "INTERNAL_SERVER_ERROR",
          "Something went wrong on Glama's side");
      return;
    }
    if (delayMillis > 0) {
      vertx.setTimer(delayMillis, t -> ctx.next());
    } else {
      ctx.next();
    }
  }

  private void list(RoutingContext ctx) {
    int first = 10;
    String requested = ctx.queryParams().get("first");
    if (requested != null) {
      try {
        first = Integer.parseInt(requested);
      } catch (NumberFormatException e) {
        first = -1;
      }
      if (first < 1 || first > 100) {
        error(ctx, 400, "BAD_REQUEST", "first must be between 1 and 100");
        return;
      }
    }
    String query = ctx.queryParams().get("query");
    List<JsonObject> all = new ArrayList<>();
    synchronized (servers) {
      for (JsonObject s : servers) {
        if (query == null || String.valueOf(s.getValue("name")).toLowerCase().contains(query.toLowerCase())
            || String.valueOf(s.getValue("description")).toLowerCase().contains(query.toLowerCase())) {
          all.add(s);
        }
      }
    }
    int start = 0;
    String after = ctx.queryParams().get("after");
    if (after != null) {
      int position = position(after, all);
      if (position < 0) {
        error(ctx, 400, "BAD_REQUEST", "Invalid cursor");
        return;
      }
      start = position + 1;
    }
    List<JsonObject> page = all.subList(Math.min(start, all.size()), Math.min(start + first, all.size()));
    JsonObject info = new JsonObject().put("hasNextPage", start + first < all.size()).put("hasPreviousPage", start > 0)
        .put("startCursor", page.isEmpty() ? null : cursor(page.getFirst(), all))
        .put("endCursor", page.isEmpty() ? null : cursor(page.getLast(), all));
    ctx.response().putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("pageInfo", info).put("servers", new JsonArray(new ArrayList<>(page))).encode());
  }

  private void one(RoutingContext ctx) {
    String wanted = ctx.pathParam("namespace") + "/" + ctx.pathParam("slug");
    synchronized (servers) {
      for (JsonObject s : servers) {
        if (wanted.equals(s.getValue("namespace") + "/" + s.getValue("slug"))) {
          ctx.response().putHeader("Content-Type", "application/json").end(s.encode());
          return;
        }
      }
    }
    error(ctx, 404, "NOT_FOUND", "Server not found");
  }

  private static String cursor(JsonObject server, List<JsonObject> all) {
    String text = new JsonObject().put("createdAt", 1_740_697_243_735L + all.indexOf(server))
        .put("id", String.valueOf(server.getValue("id"))).encode();
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  private static int position(String cursor, List<JsonObject> all) {
    try {
      JsonObject decoded = new JsonObject(new String(Base64.getDecoder().decode(cursor), StandardCharsets.UTF_8));
      for (int i = 0; i < all.size(); i++) {
        if (String.valueOf(all.get(i).getValue("id")).equals(decoded.getString("id"))) {
          return i;
        }
      }
    } catch (RuntimeException e) {
      return -1;
    }
    return -1;
  }

  private static void error(RoutingContext ctx, int status, String code, String message) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("error", new JsonObject().put("code", code).put("message", message)
            .put("id", "req_" + Integer.toHexString(message.hashCode()))).encode());
  }

  @Override
  public void close() {
    server.close().await();
  }
}
