package dev.catwalk.catalog;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.WriteStream;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.codec.BodyCodec;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Reads one page at a time from a catalog source over HTTP: the official registry's
 * {@code GET /v0.1/servers?limit=&cursor=&updated_since=} or Glama's {@code GET /v1/servers?first=&after=}.
 * Requests time out; 408, 429 (honouring {@code Retry-After}), 5xx and connection failures are retried
 * with exponential backoff a few times; other answers fail the page with a message that names the
 * status and the source's own error text (never a URL's credentials: configured URLs have none).
 */
final class SourceClient {

  /** How the client behaves. */
  record Options(Duration requestTimeout, int attempts, Duration retryDelay, Duration maxRetryDelay, int pageSize,
                 int maxBodyBytes) {
  }

  /** A page: its rows, and the cursor of the next one (null after the last). */
  record Page(JsonArray rows, String nextCursor) {
  }

  /** A source answered in a way the sync cannot use. */
  static final class SourceException extends RuntimeException {
    SourceException(String message) {
      super(message, null, false, false);
    }
  }

  private final Vertx vertx;
  private final WebClient client;
  private final Options options;

  SourceClient(Vertx vertx, WebClient client, Options options) {
    this.vertx = vertx;
    this.client = client;
    this.options = options;
  }

  /** A page of the official registry (or a sub-registry with its API) at {@code baseUrl}. */
  Future<Page> registryPage(String baseUrl, String cursor, String updatedSince) {
    StringBuilder url = new StringBuilder(baseUrl).append("/v0.1/servers?limit=").append(options.pageSize());
    if (cursor != null) {
      url.append("&cursor=").append(encode(cursor));
    }
    if (updatedSince != null) {
      url.append("&updated_since=").append(encode(updatedSince));
    }
    return getJson(url.toString(), "the registry").map(body -> {
      if (!(body.getValue("servers") instanceof JsonArray servers)) {
        throw new SourceException("the registry's answer has no 'servers' list");
      }
      JsonObject metadata = body.getValue("metadata") instanceof JsonObject m ? m : new JsonObject();
      String next = metadata.getValue("nextCursor") instanceof String text && !text.isBlank() ? text : null;
      return new Page(servers, servers.isEmpty() ? null : next);
    });
  }

  /** A page of Glama's directory at {@code baseUrl}. */
  Future<Page> glamaPage(String baseUrl, String after) {
    StringBuilder url = new StringBuilder(baseUrl).append("/v1/servers?first=").append(options.pageSize());
    if (after != null) {
      url.append("&after=").append(encode(after));
    }
    return getJson(url.toString(), "Glama").map(body -> {
      if (!(body.getValue("servers") instanceof JsonArray servers)) {
        throw new SourceException("Glama's answer has no 'servers' list");
      }
      JsonObject info = body.getValue("pageInfo") instanceof JsonObject p ? p : new JsonObject();
      boolean more = Boolean.TRUE.equals(info.getValue("hasNextPage"));
      String end = info.getValue("endCursor") instanceof String text && !text.isBlank() ? text : null;
      return new Page(servers, more && !servers.isEmpty() ? end : null);
    });
  }

  private Future<JsonObject> getJson(String url, String who) {
    return attempt(url, who, 1);
  }

  private Future<JsonObject> attempt(String url, String who, int attempt) {
    LimitedBody body = new LimitedBody(options.maxBodyBytes(), who);
    return client.getAbs(url).putHeader("Accept", "application/json").timeout(options.requestTimeout().toMillis())
        .as(BodyCodec.pipe(body)).send()
        .transform(ar -> {
          if (ar.failed() && ar.cause() instanceof SourceException tooLarge) {
            return Future.failedFuture(tooLarge);
          }
          if (ar.failed()) {
            return retryOrFail(url, who, attempt, null, who + " could not be reached: " + reason(ar.cause()));
          }
          HttpResponse<Void> response = ar.result();
          int status = response.statusCode();
          if (status == 200) {
            return Future.succeededFuture(json(body.buffer(), who));
          }
          String detail = who + " answered " + status + errorText(body.buffer());
          if (status == 408 || status == 429 || status >= 500) {
            return retryOrFail(url, who, attempt, response.getHeader("Retry-After"), detail);
          }
          return Future.failedFuture(new SourceException(detail));
        });
  }

  private Future<JsonObject> retryOrFail(String url, String who, int attempt, String retryAfter, String detail) {
    if (attempt >= options.attempts()) {
      return Future.failedFuture(new SourceException(detail + (attempt > 1 ? " (after " + attempt + " attempts)" : "")));
    }
    long delay = options.retryDelay().toMillis() << Math.min(attempt - 1, 16);
    if (retryAfter != null && retryAfter.strip().matches("\\d{1,6}")) {
      delay = Math.max(delay, Long.parseLong(retryAfter.strip()) * 1000);
    }
    delay = Math.min(Math.max(1, delay), options.maxRetryDelay().toMillis());
    return vertx.timer(delay).compose(v -> attempt(url, who, attempt + 1));
  }

  private static JsonObject json(Buffer body, String who) {
    if (body.length() == 0) {
      throw new SourceException(who + " answered 200 without a body");
    }
    try {
      Object value = io.vertx.core.json.Json.decodeValue(body);
      if (value instanceof JsonObject object) {
        return object;
      }
    } catch (DecodeException e) {
      throw new SourceException(who + " answered with a body that is not JSON");
    }
    throw new SourceException(who + " answered with JSON that is not an object");
  }

  /** The source's own error message: problem JSON ({@code detail}/{@code title}), {@code {error}} or {@code {error: {message}}}. */
  private static String errorText(Buffer body) {
    Object value;
    try {
      value = io.vertx.core.json.Json.decodeValue(body);
    } catch (DecodeException | IllegalArgumentException e) {
      return "";
    }
    if (!(value instanceof JsonObject json)) {
      return "";
    }
    Object error = json.getValue("error");
    for (Object candidate : new Object[] {json.getValue("detail"),
        error instanceof JsonObject nested ? nested.getValue("message") : error, json.getValue("title"),
        json.getValue("message")}) {
      if (candidate instanceof String text && !text.isBlank()) {
        return ": " + ServerJsonMapper.printable(text);
      }
    }
    return "";
  }

  /** A response body kept in memory up to a limit; a larger one fails the request (a source cannot exhaust memory). */
  private static final class LimitedBody implements WriteStream<Buffer> {
    private final int limit;
    private final String who;
    private final Buffer buffer = Buffer.buffer();

    LimitedBody(int limit, String who) {
      this.limit = limit;
      this.who = who;
    }

    Buffer buffer() {
      return buffer;
    }

    @Override
    public Future<Void> write(Buffer data) {
      if (buffer.length() + data.length() > limit) {
        return Future.failedFuture(new SourceException(who + " answered with more than " + limit + " bytes"));
      }
      buffer.appendBuffer(data);
      return Future.succeededFuture();
    }

    @Override
    public Future<Void> end() {
      return Future.succeededFuture();
    }

    @Override
    public WriteStream<Buffer> exceptionHandler(io.vertx.core.Handler<Throwable> handler) {
      return this;
    }

    @Override
    public WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
      return this;
    }

    @Override
    public boolean writeQueueFull() {
      return false;
    }

    @Override
    public WriteStream<Buffer> drainHandler(io.vertx.core.Handler<Void> handler) {
      return this;
    }
  }

  private static String reason(Throwable failure) {
    String message = failure.getMessage();
    if (failure instanceof java.util.concurrent.TimeoutException || message != null && message.contains("timeout")) {
      return "no answer in time";
    }
    return message == null ? failure.getClass().getSimpleName() : ServerJsonMapper.printable(message);
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
