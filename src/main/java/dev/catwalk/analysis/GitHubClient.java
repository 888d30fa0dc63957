package dev.catwalk.analysis;

import dev.catwalk.error.ApiException;
import dev.catwalk.error.BadGatewayException;
import dev.catwalk.error.GatewayTimeoutException;
import dev.catwalk.error.NotFoundException;
import dev.catwalk.error.TooManyRequestsException;
import dev.catwalk.error.UnauthorizedException;
import dev.catwalk.error.UnavailableException;
import dev.catwalk.error.Validation;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reads repositories through the GitHub REST API (github.com or Enterprise, whatever base URL is
 * configured): the default branch, the commit SHA of a ref, the listing of the analyzed folder,
 * and the files the {@link Analyzer} reads (base64 {@code content}, else the {@code download_url}
 * the API returned). Each failure is an {@link ApiException} with a status and a message that
 * never shows the token: 404 unknown or private, 401 token refused, 429 rate limited (with the
 * reset time), 504 timeout, 502/503 GitHub failing or unreachable.
 */
public final class GitHubClient {

  /**
   * Limits of one analysis.
   *
   * @param apiUrl       base URL of the REST API, without a trailing slash
   * @param timeout      per request
   * @param maxCalls     API calls at most per analysis
   * @param maxFileBytes larger files are skipped with a warning
   */
  public record Options(String apiUrl, Duration timeout, int maxCalls, int maxFileBytes) {
  }

  private static final int MAX_WRAPPERS = 4;
  private static final int MAX_SOURCE_LISTINGS = 6;
  private final WebClient client;
  private final Options options;

  /** A client sending requests through {@code client}. */
  public GitHubClient(WebClient client, Options options) {
    this.client = client;
    this.options = options;
  }

  /** One analysis: its own call budget and token. */
  public Session session(RepositoryUrl url, String token) {
    return new Session(url, token);
  }

  /** The requests of one analysis of one repository. */
  public final class Session {
    private final RepositoryUrl url;
    private final String token;
    private final AtomicInteger calls = new AtomicInteger();
    private final List<String> warnings = java.util.Collections.synchronizedList(new ArrayList<>());

    private Session(RepositoryUrl url, String token) {
      this.url = url;
      this.token = token;
    }

    /** The API calls made so far. */
    public int calls() {
      return calls.get();
    }

    /** The commit SHA of the URL's ref, or of the default branch. */
    public Future<String> commit() {
      Future<String> ref = url.ref() != null ? Future.succeededFuture(url.ref()) : defaultBranch();
      return ref.compose(this::commitOf);
    }

    private Future<String> defaultBranch() {
      return get(repoPath(""), "repository").map(response -> {
        String branch = response.bodyAsJsonObject().getString("default_branch");
        if (branch == null) {
          throw new BadGatewayException("GitHub did not name the repository's default branch");
        }
        return branch;
      });
    }

    private Future<String> commitOf(String ref) {
      return get(repoPath("/commits/" + encode(ref)), "ref '" + Validation.printable(ref) + "'").map(response -> {
        String sha = response.bodyAsJsonObject().getString("sha");
        if (sha == null || !sha.matches("[0-9a-f]{40}")) {
          throw new BadGatewayException("GitHub did not give a commit SHA for '" + Validation.printable(ref) + "'");
        }
        return sha;
      });
    }

    /** The files the analyzer reads in the URL's folder at {@code sha}. */
    public Future<RepositorySnapshot> snapshot(String sha) {
      Map<String, String> files = new ConcurrentHashMap<>();
      return list(url.subdir(), sha, "folder '" + Validation.printable(url.subdir()) + "'")
          .compose(entries -> fetchAll(entries, sha, files))
          .map(v -> new RepositorySnapshot(url.host(), url.owner(), url.repo(), url.subdir(), sha, files,
              List.copyOf(warnings)));
    }

    private Future<Void> fetchAll(JsonArray entries, String sha, Map<String, String> files) {
      List<Future<?>> fetches = new ArrayList<>();
      Map<String, JsonObject> sources = new ConcurrentHashMap<>();
      AtomicInteger listings = new AtomicInteger();
      for (Object item : entries) {
        if (!(item instanceof JsonObject entry)) {
          continue;
        }
        String name = entry.getString("name", "");
        if ("file".equals(entry.getString("type")) && Analyzer.wants(name)) {
          fetches.add(fetchListed(entry, name, sha, files));
        } else if ("dir".equals(entry.getString("type")) && name.equals("npm")) {
          fetches.add(wrappers(sha, files));
        }
      }
      Future<Void> found = sourcesIn(entries, "", sha, sources, listings);
      fetches.add(found.compose(v -> fetchSources(sources, sha, files)));
      return Future.all(fetches).mapEmpty();
    }

    /** Collects the source files of {@code entries} and lists the folders that may hold more (a few at most). */
    private Future<Void> sourcesIn(JsonArray entries, String prefix, String sha, Map<String, JsonObject> sources,
                                   AtomicInteger listings) {
      List<Future<?>> more = new ArrayList<>();
      for (Object item : entries) {
        if (!(item instanceof JsonObject entry)) {
          continue;
        }
        String path = prefix + entry.getString("name", "");
        if ("file".equals(entry.getString("type")) && Analyzer.wantsSource(path)) {
          sources.put(path, entry);
        } else if ("dir".equals(entry.getString("type")) && Analyzer.listsFolder(path)
            && listings.incrementAndGet() <= MAX_SOURCE_LISTINGS) {
          more.add(list(relative(path), sha, "folder '" + Validation.printable(path) + "'")
              .compose(children -> sourcesIn(children, path + "/", sha, sources, listings))
              .recover(e -> Future.succeededFuture()));
        }
      }
      return Future.all(more).mapEmpty();
    }

    private Future<Void> fetchSources(Map<String, JsonObject> sources, String sha, Map<String, String> files) {
      List<Future<?>> fetches = new ArrayList<>();
      for (String path : Analyzer.chooseSources(sources.keySet())) {
        fetches.add(fetchListed(sources.get(path), path, sha, files));
      }
      return Future.all(fetches).mapEmpty();
    }

    private Future<Void> wrappers(String sha, Map<String, String> files) {
      return list(relative("npm"), sha, "folder 'npm'").compose(entries -> fetchWrappers(entries, sha, files));
    }

    private Future<Void> fetchWrappers(JsonArray entries, String sha, Map<String, String> files) {
      List<Future<?>> fetches = new ArrayList<>();
      for (Object item : entries) {
        if (item instanceof JsonObject entry && "dir".equals(entry.getString("type")) && fetches.size() < MAX_WRAPPERS) {
          String path = "npm/" + entry.getString("name") + "/package.json";
          fetches.add(fetchFile(path, sha, files).recover(e -> Future.succeededFuture()));
        }
      }
      return Future.all(fetches).mapEmpty();
    }

    private Future<Void> fetchListed(JsonObject entry, String name, String sha, Map<String, String> files) {
      long size = entry.getLong("size", 0L);
      if (size > options.maxFileBytes()) {
        warnings.add(relative(name) + " is " + size + " bytes, over the limit of " + options.maxFileBytes()
            + "; skipped");
        return Future.succeededFuture();
      }
      return fetchFile(name, sha, files).recover(e -> {
        warnings.add(relative(name) + " could not be read: " + e.getMessage());
        return Future.succeededFuture();
      });
    }

    private Future<Void> fetchFile(String name, String sha, Map<String, String> files) {
      return get(repoPath("/contents/" + encodePath(relative(name)) + "?ref=" + sha), relative(name))
          .compose(response -> fileText(response.bodyAsJsonObject(), name))
          .map(text -> {
            if (text != null) {
              files.put(name, text);
            }
            return null;
          });
    }

    private Future<String> fileText(JsonObject file, String name) {
      if (file == null || !"file".equals(file.getString("type"))) {
        return Future.succeededFuture(null);
      }
      if (file.getLong("size", 0L) > options.maxFileBytes()) {
        warnings.add(relative(name) + " is over the size limit of " + options.maxFileBytes() + " bytes; skipped");
        return Future.succeededFuture(null);
      }
      String content = file.getString("content");
      if ("base64".equals(file.getString("encoding")) && content != null && !content.isEmpty()) {
        byte[] bytes = Base64.getMimeDecoder().decode(content);
        return Future.succeededFuture(new String(bytes, StandardCharsets.UTF_8));
      }
      String download = file.getString("download_url");
      if (download == null) {
        return Future.succeededFuture(null);
      }
      return send(client.requestAbs(HttpMethod.GET, download), download, relative(name))
          .map(HttpResponse::bodyAsString);
    }

    private Future<JsonArray> list(String path, String sha, String what) {
      String suffix = path.isEmpty() ? "" : "/" + encodePath(path);
      return get(repoPath("/contents" + suffix + "?ref=" + sha), what).map(response -> {
        Object body = response.bodyAsJson(Object.class);
        if (body instanceof java.util.List<?> list) {
          return new JsonArray(new ArrayList<>(list));
        }
        if (body instanceof JsonArray array) {
          return array;
        }
        throw new NotFoundException("'" + Validation.printable(path) + "' in " + url.owner() + "/" + url.repo()
            + " is not a folder");
      });
    }

    private String relative(String name) {
      return url.subdir().isEmpty() ? name : url.subdir() + "/" + name;
    }

    private String repoPath(String rest) {
      return options.apiUrl() + "/repos/" + encode(url.owner()) + "/" + encode(url.repo()) + rest;
    }

    private Future<HttpResponse<Buffer>> get(String absoluteUrl, String what) {
      return send(client.requestAbs(HttpMethod.GET, absoluteUrl)
          .putHeader("Accept", "application/vnd.github+json")
          .putHeader("X-GitHub-Api-Version", "2022-11-28"), absoluteUrl, what);
    }

    /** Sends {@code request} to {@code target}; the token goes only to the configured API origin, never redirected. */
    private Future<HttpResponse<Buffer>> send(HttpRequest<Buffer> request, String target, String what) {
      if (calls.incrementAndGet() > options.maxCalls()) {
        return Future.failedFuture(new BadGatewayException("the analysis needed more than " + options.maxCalls()
            + " GitHub API calls; stopped"));
      }
      if (token != null && !token.isBlank() && sameOrigin(target, options.apiUrl())) {
        request.putHeader("Authorization", "Bearer " + token).followRedirects(false);
      }
      request.timeout(options.timeout().toMillis());
      return request.send().recover(this::unreachable).compose(response -> checked(response, what));
    }

    private static boolean sameOrigin(String target, String api) {
      try {
        java.net.URI a = java.net.URI.create(target);
        java.net.URI b = java.net.URI.create(api);
        return a.getScheme() != null && a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost() != null
            && a.getHost().equalsIgnoreCase(b.getHost()) && port(a) == port(b) && a.getRawUserInfo() == null;
      } catch (IllegalArgumentException e) {
        return false;
      }
    }

    private static int port(java.net.URI uri) {
      return uri.getPort() >= 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    private <T> Future<T> unreachable(Throwable failure) {
      if (failure instanceof java.util.concurrent.TimeoutException
          || failure instanceof io.vertx.core.impl.NoStackTraceTimeoutException
          || String.valueOf(failure.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("timeout")) {
        return Future.failedFuture(new GatewayTimeoutException("GitHub did not answer within "
            + options.timeout().toSeconds() + " s"));
      }
      return Future.failedFuture(new UnavailableException("the GitHub API at " + options.apiUrl()
          + " could not be reached"));
    }

    private Future<HttpResponse<Buffer>> checked(HttpResponse<Buffer> response, String what) {
      int status = response.statusCode();
      if (status >= 200 && status < 300) {
        return Future.succeededFuture(response);
      }
      String repository = url.owner() + "/" + url.repo();
      String remaining = response.getHeader("x-ratelimit-remaining");
      String retryAfter = response.getHeader("retry-after");
      if ((status == 403 || status == 429) && ("0".equals(remaining) || retryAfter != null || status == 429)) {
        return Future.failedFuture(new TooManyRequestsException("GitHub's API rate limit is exhausted; "
            + resetText(response.getHeader("x-ratelimit-reset"), retryAfter)
            + (token == null ? " (a GitHub token, setting githubToken or GITHUB_TOKEN, raises the limit)" : "")));
      }
      return Future.failedFuture(switch (status) {
        case 401 -> new UnauthorizedException("GitHub refused the configured token (401 Bad credentials); check the"
            + " githubToken setting or GITHUB_TOKEN");
        case 404 -> new NotFoundException("GitHub has no " + (what.equals("repository") ? "repository "
            + repository : what + " in " + repository) + ", or it is private and "
            + (token == null ? "no GitHub token is configured" : "the configured token cannot read it"));
        case 422 -> new NotFoundException("GitHub has no " + what + " in " + repository);
        case 403 -> new BadGatewayException("GitHub refused access to " + what + " in " + repository + " (403)");
        default -> new BadGatewayException("GitHub answered " + status + " for " + what + " in " + repository);
      });
    }
  }

  private static String resetText(String reset, String retryAfter) {
    if (retryAfter != null && retryAfter.matches("\\d{1,9}")) {
      return "retry after " + retryAfter + " s";
    }
    if (reset != null && reset.matches("\\d{1,12}")) {
      return "it resets at " + Instant.ofEpochSecond(Long.parseLong(reset));
    }
    return "try again later";
  }

  private static String encode(String segment) {
    return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String encodePath(String path) {
    List<String> parts = new ArrayList<>();
    for (String part : path.split("/")) {
      parts.add(encode(part));
    }
    return String.join("/", parts);
  }

}
