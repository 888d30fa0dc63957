package dev.catwalk.testsupport;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A GitHub REST API on 127.0.0.1 serving the {@link FixtureRepos} through the endpoints and JSON
 * shapes the analyzer uses: {@code GET /repos/{o}/{r}} ({@code default_branch}),
 * {@code /repos/{o}/{r}/commits/{ref}} ({@code sha}; 422 for an unknown ref),
 * {@code /repos/{o}/{r}/contents/{path}?ref=} (a file with base64 {@code content}, {@code size},
 * {@code download_url}; a folder as an array), {@code /repos/{o}/{r}/readme}, and the raw
 * {@code download_url}s. Errors are GitHub's {@code {"message", "documentation_url", "status"}}; every answer
 * carries {@code x-ratelimit-*} headers. Switches make it answer 401 (bad credentials), 403 with an
 * exhausted rate limit, 429 with {@code retry-after}, or nothing at all (timeouts).
 */
public final class FakeGitHub implements AutoCloseable {

  /** The default branch of every fixture. */
  public static final String BRANCH = "main";

  private final HttpServer server;
  private final Map<String, FixtureRepos.Fixture> repos = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
  private final Map<String, String> overlay = new ConcurrentHashMap<>();
  private final List<String> requests = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger remaining = new AtomicInteger(5000);
  private volatile String validToken;
  private volatile String downloadHost = "127.0.0.1";
  private volatile boolean inlineContent = true;
  private final List<String> withToken = new ArrayList<>();
  private volatile String mode = "normal";

  private FakeGitHub(Vertx vertx, List<FixtureRepos.Fixture> fixtures) {
    fixtures.forEach(f -> repos.put(f.owner() + "/" + f.repo(), f));
    Router router = Router.router(vertx);
    router.route().handler(this::gate);
    router.get("/repos/:owner/:repo").handler(this::repository);
    router.get("/repos/:owner/:repo/commits/:ref").handler(this::commit);
    router.get("/repos/:owner/:repo/readme").handler(this::readme);
    router.getWithRegex("/repos/([^/]+)/([^/]+)/contents(/.*)?").handler(this::contents);
    router.getWithRegex("/raw/([^/]+)/([^/]+)/([0-9a-f]{40})/(.+)").handler(this::raw);
    router.route().handler(ctx -> error(ctx, 404, "Not Found", "https://docs.github.com/rest"));
    this.server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
  }

  /** Starts a fake on a free port. */
  public static FakeGitHub start(Vertx vertx) {
    return new FakeGitHub(vertx, FixtureRepos.all());
  }

  /** Starts a fake serving {@code fixtures} (e.g. fetched snapshots of real repositories) on a free port. */
  public static FakeGitHub start(Vertx vertx, List<FixtureRepos.Fixture> fixtures) {
    return new FakeGitHub(vertx, fixtures);
  }

  /** The base URL to configure as {@code CATWALK_GITHUB_API_URL}. */
  public String url() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  /** Requests seen so far ({@code METHOD path}). */
  public List<String> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  /** Paths of the requests seen that carried an {@code Authorization} header. */
  public List<String> requestsWithToken() {
    synchronized (withToken) {
      return List.copyOf(withToken);
    }
  }

  /**
   * Serves files as GitHub does large ones: no inline content, only a {@code download_url} on {@code host}
   * (another name for this server, e.g. {@code localhost}, stands for raw.githubusercontent.com).
   */
  public void downloadsOnly(String host) {
    downloadHost = host;
    inlineContent = false;
  }

  /** Forgets the requests seen. */
  public void clearRequests() {
    requests.clear();
  }

  /** Accept only this token (others get 401); null accepts anonymous requests and any token. */
  public void requireToken(String token) {
    validToken = token;
  }

  /** {@code normal}, {@code rate-limited} (403, remaining 0), {@code secondary-limit} (429), {@code silent} (no answer). */
  public void mode(String newMode) {
    mode = newMode;
  }

  /** Adds or replaces a file of a fixture (e.g. a large one). */
  public void putFile(String ownerRepo, String path, String text) {
    overlay.put(ownerRepo.toLowerCase(java.util.Locale.ROOT) + ":" + path, text);
  }

  private void gate(RoutingContext ctx) {
    requests.add(ctx.request().method() + " " + ctx.request().uri());
    if (ctx.request().getHeader("Authorization") != null) {
      synchronized (withToken) {
        withToken.add(ctx.request().uri());
      }
    }
    if (mode.equals("silent")) {
      return;
    }
    long reset = Instant.now().plusSeconds(1800).getEpochSecond();
    ctx.response().putHeader("x-ratelimit-limit", "5000").putHeader("x-ratelimit-reset", String.valueOf(reset))
        .putHeader("x-ratelimit-resource", "core").putHeader("x-github-api-version-selected", "2022-11-28");
    String authorization = ctx.request().getHeader("Authorization");
    if (validToken != null && authorization != null && !authorization.equals("Bearer " + validToken)) {
      ctx.response().putHeader("x-ratelimit-remaining", String.valueOf(remaining.get()));
      error(ctx, 401, "Bad credentials", "https://docs.github.com/rest");
      return;
    }
    if (mode.equals("rate-limited")) {
      ctx.response().putHeader("x-ratelimit-remaining", "0").putHeader("x-ratelimit-used", "60");
      error(ctx, 403, "API rate limit exceeded for 127.0.0.1. (But here's the good news: Authenticated requests get a"
          + " higher rate limit. Check out the documentation for more details.)",
          "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting");
      return;
    }
    if (mode.equals("secondary-limit")) {
      ctx.response().putHeader("x-ratelimit-remaining", String.valueOf(remaining.get())).putHeader("retry-after", "60");
      error(ctx, 429, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
          "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits");
      return;
    }
    ctx.response().putHeader("x-ratelimit-remaining", String.valueOf(remaining.decrementAndGet()));
    ctx.next();
  }

  private FixtureRepos.Fixture fixture(RoutingContext ctx, String owner, String repo) {
    FixtureRepos.Fixture fixture = repos.get(owner + "/" + repo);
    if (fixture == null) {
      error(ctx, 404, "Not Found", "https://docs.github.com/rest/repos/repos#get-a-repository");
    }
    return fixture;
  }

  private void repository(RoutingContext ctx) {
    FixtureRepos.Fixture fixture = fixture(ctx, ctx.pathParam("owner"), ctx.pathParam("repo"));
    if (fixture != null) {
      String full = fixture.owner() + "/" + fixture.repo();
      json(ctx, new JsonObject().put("id", Math.abs(full.hashCode())).put("name", fixture.repo()).put("full_name", full)
          .put("private", false).put("html_url", "https://github.com/" + full).put("default_branch", fixture.branch())
          .put("owner", new JsonObject().put("login", fixture.owner())));
    }
  }

  private void commit(RoutingContext ctx) {
    FixtureRepos.Fixture fixture = fixture(ctx, ctx.pathParam("owner"), ctx.pathParam("repo"));
    if (fixture == null) {
      return;
    }
    String ref = ctx.pathParam("ref");
    if (!ref.equals(fixture.branch()) && !ref.equals(fixture.sha())) {
      error(ctx, 422, "No commit found for SHA: " + ref, "https://docs.github.com/rest/commits/commits#get-a-commit");
      return;
    }
    json(ctx, new JsonObject().put("sha", fixture.sha()).put("commit", new JsonObject().put("message", "fixture")));
  }

  private void readme(RoutingContext ctx) {
    FixtureRepos.Fixture fixture = fixture(ctx, ctx.pathParam("owner"), ctx.pathParam("repo"));
    if (fixture != null) {
      servePath(ctx, fixture, "README.md");
    }
  }

  private void contents(RoutingContext ctx) {
    FixtureRepos.Fixture fixture = fixture(ctx, decode(ctx.pathParam("param0")), decode(ctx.pathParam("param1")));
    if (fixture == null) {
      return;
    }
    String ref = ctx.queryParams().get("ref");
    if (ref != null && !ref.equals(fixture.branch()) && !ref.equals(fixture.sha())) {
      error(ctx, 404, "No commit found for the ref " + ref, "https://docs.github.com/rest/repos/contents");
      return;
    }
    String raw = ctx.pathParam("param2");
    String path = raw == null || raw.equals("/") ? "" : decode(raw.substring(1));
    servePath(ctx, fixture, path);
  }

  private void servePath(RoutingContext ctx, FixtureRepos.Fixture fixture, String path) {
    if (path.contains("..") || path.contains("\\")) {
      error(ctx, 404, "Not Found", "https://docs.github.com/rest/repos/contents");
      return;
    }
    String overlaid = overlay.get(key(fixture) + ":" + path);
    Path file = path.isEmpty() ? fixture.root() : fixture.root().resolve(path);
    if (overlaid != null || Files.isRegularFile(file)) {
      byte[] bytes = overlaid != null ? overlaid.getBytes(StandardCharsets.UTF_8) : readBytes(file);
      json(ctx, fileJson(fixture, path, bytes, true));
    } else if (Files.isDirectory(file)) {
      ctx.response().putHeader("Content-Type", "application/json; charset=utf-8").end(listing(fixture, file, path).encode());
    } else {
      error(ctx, 404, "Not Found", "https://docs.github.com/rest/repos/contents#get-repository-content");
    }
  }

  private JsonArray listing(FixtureRepos.Fixture fixture, Path dir, String path) {
    Map<String, JsonObject> entries = new TreeMap<>();
    try (Stream<Path> list = Files.list(dir)) {
      for (Path child : list.toList()) {
        String childPath = (path.isEmpty() ? "" : path + "/") + child.getFileName();
        entries.put(childPath, Files.isDirectory(child) ? dirJson(fixture, childPath)
            : fileJson(fixture, childPath, Files.readAllBytes(child), false));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String prefix = key(fixture) + ":" + (path.isEmpty() ? "" : path + "/");
    overlay.forEach((k, text) -> {
      if (k.startsWith(prefix) && !k.substring(prefix.length()).contains("/")) {
        String childPath = k.substring(k.indexOf(':') + 1);
        entries.put(childPath, fileJson(fixture, childPath, text, false));
      }
    });
    return new JsonArray(new ArrayList<>(entries.values()));
  }

  private JsonObject fileJson(FixtureRepos.Fixture fixture, String path, String text, boolean withContent) {
    return fileJson(fixture, path, text.getBytes(StandardCharsets.UTF_8), withContent);
  }

  private JsonObject fileJson(FixtureRepos.Fixture fixture, String path, byte[] bytes, boolean withContent) {
    JsonObject json = common(fixture, path, "file").put("size", bytes.length)
        .put("download_url", "http://" + downloadHost + ":" + server.actualPort() + "/raw/" + fixture.owner() + "/" + fixture.repo() + "/" + fixture.sha() + "/" + path);
    if (withContent && inlineContent) {
      json.put("encoding", "base64").put("content", Base64.getMimeEncoder(60, "\n".getBytes(StandardCharsets.US_ASCII))
          .encodeToString(bytes) + "\n");
    }
    return json;
  }

  private JsonObject dirJson(FixtureRepos.Fixture fixture, String path) {
    return common(fixture, path, "dir").put("size", 0).putNull("download_url");
  }

  private JsonObject common(FixtureRepos.Fixture fixture, String path, String type) {
    String full = fixture.owner() + "/" + fixture.repo();
    String api = url() + "/repos/" + full + "/contents/" + path + "?ref=" + BRANCH;
    return new JsonObject().put("name", path.substring(path.lastIndexOf('/') + 1)).put("path", path)
        .put("sha", FixtureRepos.sha(full + ":" + path)).put("url", api)
        .put("html_url", "https://github.com/" + full + "/blob/" + BRANCH + "/" + path)
        .put("git_url", url() + "/repos/" + full + "/git/blobs/" + FixtureRepos.sha(full + ":" + path))
        .put("type", type).put("_links", new JsonObject().put("self", api));
  }

  private void raw(RoutingContext ctx) {
    FixtureRepos.Fixture fixture = fixture(ctx, ctx.pathParam("param0"), ctx.pathParam("param1"));
    if (fixture == null) {
      return;
    }
    String path = decode(ctx.pathParam("param3"));
    String overlaid = overlay.get(key(fixture) + ":" + path);
    Path file = fixture.root().resolve(path);
    if (path.contains("..") || overlaid == null && !Files.isRegularFile(file)) {
      ctx.response().setStatusCode(404).end("404: Not Found");
      return;
    }
    ctx.response().putHeader("Content-Type", "text/plain; charset=utf-8").end(overlaid != null ? overlaid : read(file));
  }

  private static String key(FixtureRepos.Fixture fixture) {
    return (fixture.owner() + "/" + fixture.repo()).toLowerCase(java.util.Locale.ROOT);
  }

  private static byte[] readBytes(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String decode(String text) {
    return URLDecoder.decode(text, StandardCharsets.UTF_8);
  }

  private static void json(RoutingContext ctx, JsonObject body) {
    ctx.response().putHeader("Content-Type", "application/json; charset=utf-8").end(body.encode());
  }

  private static void error(RoutingContext ctx, int status, String message, String documentation) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json; charset=utf-8")
        .end(new JsonObject().put("message", message).put("documentation_url", documentation)
            .put("status", String.valueOf(status)).encode());
  }

  @Override
  public void close() {
    server.close().await();
  }
}
