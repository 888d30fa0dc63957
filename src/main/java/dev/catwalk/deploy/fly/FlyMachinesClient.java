package dev.catwalk.deploy.fly;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * A client of the Fly Machines REST API ({@code /v1}: apps, secrets, machines, wait, leases,
 * events), following superfly/docs {@code machines/api/*} and fly-go {@code flaps/*}. Requests
 * that are safe to repeat are retried with exponential backoff and jitter on 408, 429 (honouring
 * {@code Retry-After}), 5xx and connection errors, as flyctl does; a machine create is never
 * repeated here (see {@link FlyBackend} for how an ambiguous create is resolved). Tokens starting
 * with {@code FlyV1 } are sent verbatim, macaroons ({@code fm1r_}, {@code fm1a_}, {@code fm2_}) as
 * {@code FlyV1}, others as {@code Bearer}; tokens never reach logs or error messages.
 */
public final class FlyMachinesClient {

  private static final Logger LOG = LoggerFactory.getLogger(FlyMachinesClient.class);
  /** The header carrying a held lease's nonce on mutating calls. */
  public static final String LEASE_NONCE_HEADER = "fly-machine-lease-nonce";
  private static final int MAX_WAIT_SECONDS = 60;

  private final Vertx vertx;
  private final WebClient client;
  private final URI base;
  private final Supplier<Future<String>> token;
  private final int attempts;
  private final Duration firstBackoff;

  /**
   * @param baseUrl      e.g. {@code https://api.machines.dev}
   * @param token        the API token, looked up per request (settings can change)
   * @param attempts     tries per retryable request
   * @param firstBackoff delay before the first retry; doubled each time, with jitter
   */
  public FlyMachinesClient(Vertx vertx, String baseUrl, Supplier<Future<String>> token, int attempts,
                           Duration firstBackoff) {
    this.vertx = vertx;
    this.base = URI.create(baseUrl);
    this.client = WebClient.create(vertx, new WebClientOptions().setConnectTimeout(10_000).setIdleTimeout(90)
        .setUserAgent("catwalk").setSsl("https".equals(base.getScheme())).setVerifyHost(true));
    this.token = token;
    this.attempts = attempts;
    this.firstBackoff = firstBackoff;
  }

  /** Closes the HTTP client. */
  public void close() {
    client.close();
  }

  /** The app, or empty when there is none (404). */
  public Future<Optional<JsonObject>> app(String app) {
    return send(HttpMethod.GET, "/v1/apps/" + app, null, Map.of(), true).map(r -> Optional.of(r.bodyAsJsonObject()))
        .recover(e -> notFound(e) ? Future.succeededFuture(Optional.empty()) : Future.failedFuture(e));
  }

  /**
   * Creates an app on the organization's default private network (the gateway reaches the app's
   * Machines over it; an app on a network of its own would be unreachable from the gateway).
   */
  public Future<Void> createApp(String app, String org) {
    JsonObject body = new JsonObject().put("app_name", app).put("org_slug", org);
    return send(HttpMethod.POST, "/v1/apps", body, Map.of(), false).mapEmpty();
  }

  /** Deletes an app and, with it, its Machines. Succeeds when it is already gone. */
  public Future<Void> deleteApp(String app) {
    return send(HttpMethod.DELETE, "/v1/apps/" + app + "?force=true", null, Map.of(), true).<Void>mapEmpty()
        .recover(e -> notFound(e) ? Future.succeededFuture() : Future.failedFuture(e));
  }

  /** The names of the org's apps. */
  public Future<List<String>> appNames(String org) {
    return names("/v1/apps?org_slug=" + encode(org), "apps");
  }

  /** The names of the app's secrets (the API never shows their values here). */
  public Future<List<String>> secretNames(String app) {
    return names("/v1/apps/" + app + "/secrets", "secrets");
  }

  /** The {@code name} of each object in the array {@code field} of what {@code GET path} answers. */
  private Future<List<String>> names(String path, String field) {
    return send(HttpMethod.GET, path, null, Map.of(), true).map(response -> {
      List<String> names = new ArrayList<>();
      response.bodyAsJsonObject().getJsonArray(field, new JsonArray())
          .forEach(item -> names.add(((JsonObject) item).getString("name")));
      return names;
    });
  }

  /** Sets (non-null) or deletes (null) app secrets in one call; the new secrets version. */
  public Future<Long> setSecrets(String app, Map<String, String> values) {
    JsonObject body = new JsonObject().put("values", new JsonObject(new LinkedHashMap<>(values)));
    return send(HttpMethod.POST, "/v1/apps/" + app + "/secrets", body, Map.of(), true)
        .map(response -> response.bodyAsJsonObject().getLong("version", 0L));
  }

  /** The app's Machines whose metadata has {@code key = value}. */
  public Future<List<JsonObject>> machines(String app, String key, String value) {
    return machineList("/v1/apps/" + app + "/machines?metadata." + encode(key) + "=" + encode(value));
  }

  /** All of the app's Machines. */
  public Future<List<JsonObject>> allMachines(String app) {
    return machineList("/v1/apps/" + app + "/machines");
  }

  private Future<List<JsonObject>> machineList(String path) {
    return send(HttpMethod.GET, path, null, Map.of(), true).map(response -> {
      List<JsonObject> machines = new ArrayList<>();
      response.bodyAsJsonArray().forEach(machine -> machines.add((JsonObject) machine));
      return machines;
    });
  }

  /** Creates a Machine; never retried (an ambiguous failure may have created it). */
  public Future<JsonObject> createMachine(String app, JsonObject body) {
    return send(HttpMethod.POST, "/v1/apps/" + app + "/machines", body, Map.of(), false)
        .map(HttpResponse::bodyAsJsonObject);
  }

  /** The Machine, or empty when it does not exist. */
  public Future<Optional<JsonObject>> machine(String app, String id) {
    return send(HttpMethod.GET, "/v1/apps/" + app + "/machines/" + id, null, Map.of(), true)
        .map(response -> Optional.of(response.bodyAsJsonObject()))
        .recover(e -> notFound(e) ? Future.succeededFuture(Optional.empty()) : Future.failedFuture(e));
  }

  /** Replaces a Machine's whole config under a lease, checked against {@code currentVersion}. */
  public Future<JsonObject> updateMachine(String app, String id, JsonObject body, String nonce) {
    return send(HttpMethod.POST, "/v1/apps/" + app + "/machines/" + id, body, Map.of(LEASE_NONCE_HEADER, nonce), true)
        .map(HttpResponse::bodyAsJsonObject);
  }

  /** Starts a stopped Machine. */
  public Future<Void> start(String app, String id) {
    return send(HttpMethod.POST, "/v1/apps/" + app + "/machines/" + id + "/start", null, Map.of(), true).mapEmpty();
  }

  /** Stops a Machine. */
  public Future<Void> stop(String app, String id) {
    return send(HttpMethod.POST, "/v1/apps/" + app + "/machines/" + id + "/stop", new JsonObject(), Map.of(), true)
        .mapEmpty();
  }

  /** Destroys a Machine, stopping it first if needed; succeeds when it is already gone. */
  public Future<Void> destroy(String app, String id) {
    return send(HttpMethod.DELETE, "/v1/apps/" + app + "/machines/" + id + "?force=true", null, Map.of(), true)
        .<Void>mapEmpty().recover(e -> notFound(e) ? Future.succeededFuture() : Future.failedFuture(e));
  }

  /** The Machine's recent events, newest first. */
  public Future<JsonArray> events(String app, String id) {
    return send(HttpMethod.GET, "/v1/apps/" + app + "/machines/" + id + "/events", null, Map.of(), true)
        .map(HttpResponse::bodyAsJsonArray);
  }

  /** Acquires a lease; its nonce. */
  public Future<String> lease(String app, String id, Duration ttl) {
    JsonObject body = new JsonObject().put("ttl", ttl.toSeconds()).put("description", "catwalk");
    return send(HttpMethod.POST, "/v1/apps/" + app + "/machines/" + id + "/lease", body, Map.of(), true)
        .map(response -> response.bodyAsJsonObject().getJsonObject("data", new JsonObject()).getString("nonce"));
  }

  /** Releases a lease (errors ignored: it expires anyway). */
  public Future<Void> release(String app, String id, String nonce) {
    return send(HttpMethod.DELETE, "/v1/apps/" + app + "/machines/" + id + "/lease", null,
        Map.of(LEASE_NONCE_HEADER, nonce), false).<Void>mapEmpty().recover(e -> Future.succeededFuture());
  }

  /**
   * Waits until the Machine reaches {@code state}, for up to {@code total}: the API's wait accepts
   * at most 60 s, so this loops on its 408 until the deadline.
   *
   * @return true when the state was reached, false at the deadline
   */
  public Future<Boolean> waitFor(String app, String id, String state, String instanceId, Duration total) {
    long deadline = System.nanoTime() + total.toNanos();
    return waitLoop(app, id, state, instanceId, deadline);
  }

  private Future<Boolean> waitLoop(String app, String id, String state, String instanceId, long deadline) {
    long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000_000L);
    String path = "/v1/apps/" + app + "/machines/" + id + "/wait?state=" + state + "&timeout="
        + Math.min(MAX_WAIT_SECONDS, left) + (instanceId == null ? "" : "&instance_id=" + encode(instanceId));
    return send(HttpMethod.GET, path, null, Map.of(), false).map(true).recover(e -> {
      boolean timedOut = e instanceof FlyApiException api && api.status() == 408;
      if (timedOut && System.nanoTime() < deadline) {
        return waitLoop(app, id, state, instanceId, deadline);
      }
      return timedOut ? Future.succeededFuture(false) : Future.failedFuture(e);
    });
  }

  private Future<HttpResponse<Buffer>> send(HttpMethod method, String path, JsonObject body, Map<String, String> headers,
                                            boolean retry) {
    return token.get().compose(value -> attempt(method, path, body, headers, value, retry ? attempts : 1, 1));
  }

  private Future<HttpResponse<Buffer>> attempt(HttpMethod method, String path, JsonObject body,
                                               Map<String, String> headers, String tokenValue, int tries, int attempt) {
    return once(method, path, body, headers, tokenValue).recover(e -> {
      if (!(e instanceof FlyApiException api) || !api.retryable() || attempt >= tries) {
        return Future.failedFuture(e);
      }
      long delay = backoff(attempt, api);
      LOG.info("Fly API {} {} failed ({}); retry {} of {} in {} ms", method, stripQuery(path), api.getMessage(),
          attempt, tries - 1, delay);
      return vertx.timer(Math.max(1, delay)).compose(v -> attempt(method, path, body, headers, tokenValue, tries, attempt + 1));
    });
  }

  private Future<HttpResponse<Buffer>> once(HttpMethod method, String path, JsonObject body, Map<String, String> headers,
                                            String tokenValue) {
    int port = base.getPort() > 0 ? base.getPort() : "https".equals(base.getScheme()) ? 443 : 80;
    String prefix = base.getPath() == null ? "" : base.getPath().replaceAll("/+$", "");
    HttpRequest<Buffer> request = client.request(method, port, base.getHost(), prefix + path)
        .timeout(Duration.ofSeconds(MAX_WAIT_SECONDS + 15).toMillis())
        .putHeader("Authorization", authorization(tokenValue));
    headers.forEach(request::putHeader);
    Future<HttpResponse<Buffer>> sent = body == null ? request.send() : request.sendJsonObject(body);
    return sent.recover(e -> Future.failedFuture(new FlyApiException(0, "the Fly Machines API could not be reached ("
        + e.getClass().getSimpleName() + ")"))).compose(FlyMachinesClient::checked);
  }

  private static Future<HttpResponse<Buffer>> checked(HttpResponse<Buffer> response) {
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      return Future.succeededFuture(response);
    }
    String requestId = response.getHeader("fly-request-id");
    return Future.failedFuture(new FlyApiException(status, "Fly API " + status + ": " + errorText(response)
        + (requestId == null ? "" : " (fly-request-id " + requestId + ")"), retryAfter(response)));
  }

  private static long retryAfter(HttpResponse<Buffer> response) {
    String value = response.getHeader("Retry-After");
    try {
      return value == null ? 0 : Math.min(60_000, Long.parseLong(value.strip()) * 1000);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private long backoff(int attempt, FlyApiException api) {
    long base = firstBackoff.toMillis() << Math.min(attempt - 1, 6);
    return Math.max(api.retryAfterMillis(), base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1));
  }

  private static String errorText(HttpResponse<Buffer> response) {
    Buffer body = response.body();
    if (body == null || body.length() == 0) {
      return response.statusMessage();
    }
    try {
      Object json = Json.decodeValue(body);
      if (json instanceof JsonObject object) {
        String error = object.getString("error", object.getString("message"));
        if (error != null) {
          return error.length() > 300 ? error.substring(0, 300) + "…" : error;
        }
      }
    } catch (DecodeException | ClassCastException e) {
      // not JSON: fall through
    }
    return response.statusMessage();
  }

  static String authorization(String token) {
    String value = token.strip();
    if (value.startsWith("FlyV1 ")) {
      return value;
    }
    if (value.startsWith("fm1r_") || value.startsWith("fm1a_") || value.startsWith("fm2_")) {
      return "FlyV1 " + value;
    }
    return "Bearer " + value;
  }

  private static boolean notFound(Throwable e) {
    return e instanceof FlyApiException api && api.status() == 404;
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private static String stripQuery(String path) {
    int query = path.indexOf('?');
    return query < 0 ? path : path.substring(0, query);
  }
}
