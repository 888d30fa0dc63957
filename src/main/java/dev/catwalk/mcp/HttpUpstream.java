package dev.catwalk.mcp;

import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * An MCP server reached over Streamable HTTP: the client side of the transport, so that a
 * {@link SessionRelay} can front a remote MCP server or a {@code catwalk runner} on a Fly Machine.
 *
 * <p>Every message given to {@link #send} is POSTed to the URL with {@code Accept: application/json,
 * text/event-stream}, the configured headers, {@code MCP-Session-Id} once the server minted one on
 * the {@code initialize} response, and {@code MCP-Protocol-Version} once the {@code initialize}
 * result named it. POSTs start in send order: each after the previous one has been written, and
 * everything after {@code initialize} only once its response headers (with the session id) arrived;
 * then they run concurrently. A 202 delivers nothing; a JSON body delivers its message(s); an event
 * stream delivers each message as it arrives. An event stream that breaks before the response to
 * its request is resumed with {@code GET} and {@code Last-Event-ID} (at most 3 failed attempts in
 * a row, {@code retry:} apart). Once the client's {@code notifications/initialized} has been
 * accepted, the standalone {@code GET} stream carries server-initiated messages (a 405 means the
 * server has none) and is reconnected the same way whenever it ends.
 *
 * <p>An HTTP failure of a request (4xx, 5xx, no connection, connect timeout, a stream lost for
 * good) is delivered as a JSON-RPC error response with code {@link JsonRpcMessage#INTERNAL_ERROR}
 * for that request, naming the status but nothing the server wrote and no header value. The
 * upstream ends by itself (exit handler, {@code exitCode} null) when the {@code initialize} request
 * fails that way, when the server answers 404 once a session exists (the remote session ended), or
 * when the standalone stream cannot be re-established (the server is gone).
 *
 * <p>{@link #start()} needs no network and completes at once: an unreachable or refusing server
 * shows up as the JSON-RPC error of {@code initialize}. {@link #close()} DELETEs the remote session
 * (errors ignored, 5 s at most), drops every stream and lets go of its reference to the HTTP
 * client all upstreams share (a shared Vert.x client, closed with its last reference). Header values are secrets: logs name the host only.
 */
public final class HttpUpstream extends AbstractUpstream {

  private static final Logger LOG = LoggerFactory.getLogger(HttpUpstream.class);
  /** Consecutive failed reconnections of one stream before it is given up. */
  private static final int MAX_RECONNECTS = 3;
  private static final long DEFAULT_RETRY_MILLIS = 1_000;
  private static final long MAX_RETRY_MILLIS = 30_000;
  private static final long DELETE_TIMEOUT_MILLIS = 5_000;
  /** How long a POST of a notification or response may wait for its 202. */
  private static final long ACCEPT_TIMEOUT_MILLIS = 60_000;
  /** Connections per remote server, for all upstreams together: open event streams each hold one. */
  private static final int MAX_CONNECTIONS = 1024;
  /** Name of the one HTTP client every upstream of a Vert.x instance shares (pooled connections, one TLS set-up). */
  static final String SHARED_CLIENT = "catwalk-upstreams";
  private static final String ACCEPT_BOTH = McpHeaders.JSON + ", " + McpHeaders.EVENT_STREAM;

  private final Vertx vertx;
  private final Context context;
  private final Spec spec;
  private final HttpClientAgent client;
  private final String server;
  private final Set<Stream> streams = new LinkedHashSet<>();
  private final Map<Object, Stream> requestStreams = new HashMap<>();
  private final Promise<Void> closed = Promise.promise();
  private Future<Void> sending = Future.succeededFuture();
  private volatile String sessionId;
  private String protocolVersion;
  private Object initializeId;
  private boolean standaloneOpened;
  private boolean ending;
  private boolean exitReported;

  /**
   * Where the MCP server is and how to talk to it.
   *
   * @param url             the MCP endpoint, {@code http} or {@code https}, without user info
   * @param headers         sent on every request (an {@code Authorization} or API-key header);
   *                        values are secrets: never logged, and left out of {@link #toString()}
   * @param connectTimeout  how long opening a connection may take
   * @param maxMessageBytes largest JSON body or event accepted from the server: a larger body answers its
   *                        request with a JSON-RPC error, a larger event is dropped with a warning
   */
  public record Spec(URI url, Map<String, String> headers, Duration connectTimeout, int maxMessageBytes) {
    public Spec {
      Objects.requireNonNull(url, "url");
      String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https") || url.getHost() == null) {
        throw new IllegalArgumentException("the MCP server URL must be an absolute http or https URL");
      }
      if (url.getRawUserInfo() != null) {
        throw new IllegalArgumentException("credentials in the MCP server URL are not supported; give them as headers");
      }
      headers = Map.copyOf(headers == null ? Map.of() : headers);
      if (connectTimeout == null || connectTimeout.isNegative() || connectTimeout.isZero()) {
        throw new IllegalArgumentException("the connect timeout must be positive");
      }
      if (maxMessageBytes <= 0) {
        throw new IllegalArgumentException("the message size limit must be positive");
      }
    }

    /** Names the URL without its query and the header names without their values. */
    @Override
    public String toString() {
      return "Spec[url=" + url.getScheme() + "://" + url.getRawAuthority() + url.getRawPath()
          + ", headers=" + new TreeSet<>(headers.keySet()) + ", connectTimeout=" + connectTimeout
          + ", maxMessageBytes=" + maxMessageBytes + "]";
    }
  }

  /** One event stream: the answer to a POST (resumable), or the standalone GET stream. */
  private final class Stream {
    final String method;
    final boolean standalone;
    final Set<Object> pending = new LinkedHashSet<>();
    final SseParser parser;
    HttpClientRequest request;
    HttpClientResponse response;
    int reconnects;
    boolean tooLarge;

    Stream(String method, boolean standalone) {
      this.method = method;
      this.standalone = standalone;
      this.parser = new SseParser(spec.maxMessageBytes(), event -> event(this, event));
    }

    boolean initialize() {
      return "initialize".equals(method);
    }
  }

  /** An upstream owned by the current context (call from the context that will use it). */
  public HttpUpstream(Vertx vertx, Spec spec) {
    this(vertx, spec, address -> true);
  }

  /**
   * An upstream whose every connection is checked, once made, against {@code allowed} with the address it
   * actually reached (after the resolution made for that connection, so a name that rebinds is caught);
   * a refused connection is closed before anything is written on it.
   */
  public HttpUpstream(Vertx vertx, Spec spec, java.util.function.Predicate<java.net.InetAddress> allowed) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.spec = spec;
    this.server = spec.url().getHost() + (spec.url().getPort() < 0 ? "" : ":" + spec.url().getPort());
    this.client = vertx.httpClientBuilder()
        .with(new HttpClientOptions().setKeepAlive(true).setForceSni(true).setShared(true).setName(SHARED_CLIENT))
        .with(new PoolOptions().setHttp1MaxSize(MAX_CONNECTIONS))
        .withConnectHandler(connection -> guard(connection, allowed))
        .build();
  }

  /** Completes at once: the HTTP client is ready, and reachability shows on {@code initialize}. */
  private static void guard(io.vertx.core.http.HttpConnection connection,
                            java.util.function.Predicate<java.net.InetAddress> allowed) {
    String ip = connection.remoteAddress() == null ? null : connection.remoteAddress().hostAddress();
    boolean ok;
    byte[] bytes = ip == null ? null : io.netty.util.NetUtil.createByteArrayFromIpAddressString(ip);
    try {
      ok = bytes != null && allowed.test(java.net.InetAddress.getByAddress(bytes));
    } catch (java.net.UnknownHostException e) {
      ok = false;
    }
    if (!ok) {
      LOG.warn("closed a connection to the MCP server: its address is not allowed");
      connection.close();
    }
  }

  @Override
  public Future<Void> start() {
    return ending ? Future.failedFuture("the upstream is closed") : Future.succeededFuture();
  }

  @Override
  public void send(JsonObject message) {
    onContext(() -> enqueue(message));
  }

  @Override
  public Future<Void> close() {
    onContext(() -> end(new UpstreamExit(null, "the session ended", true), true));
    return closed.future();
  }

  /** The remote session id, or null before the server minted one (readable from any thread). */
  public String sessionId() {
    return sessionId;
  }

  private void enqueue(JsonObject message) {
    if (!ending) {
      sending = sending.transform(ar -> post(message));
    }
  }

  private Future<Void> post(JsonObject message) {
    if (ending) {
      return Future.succeededFuture();
    }
    JsonRpcMessage parsed = parseQuietly(message);
    boolean request = parsed != null && parsed.isRequest();
    Stream stream = new Stream(parsed == null ? null : parsed.method(), false);
    streams.add(stream);
    if (request) {
      stream.pending.add(parsed.id());
      requestStreams.put(parsed.id(), stream);
    }
    if (stream.initialize()) {
      initializeId = parsed.id();
    }
    if ("notifications/cancelled".equals(stream.method)) {
      cancelled(parsed.params().getValue("requestId"));
    }
    RequestOptions options = options(HttpMethod.POST, ACCEPT_BOTH);
    options.getHeaders().set(HttpHeaders.CONTENT_TYPE, McpHeaders.JSON);
    if (!request) {
      options.setIdleTimeout(ACCEPT_TIMEOUT_MILLIS);
    }
    Promise<Void> started = Promise.promise();
    client.request(options)
        .compose(httpRequest -> write(stream, httpRequest, message.toBuffer(), stream.initialize() ? null : started))
        .onComplete(ar -> {
          try {
            posted(stream, ar);
          } finally {
            started.tryComplete();
          }
        });
    return started.future();
  }

  private Future<HttpClientResponse> write(Stream stream, HttpClientRequest request, Buffer body, Promise<Void> started) {
    stream.request = request;
    Future<Void> written = request.end(body);
    if (started != null) {
      written.onComplete(ar -> started.tryComplete());
    }
    return request.response();
  }

  private void posted(Stream stream, AsyncResult<HttpClientResponse> ar) {
    if (!live(stream, ar)) {
      return;
    }
    if (ar.failed()) {
      failed(stream, "the remote MCP server could not be reached: " + describe(ar.cause()));
      return;
    }
    HttpClientResponse response = ar.result();
    int status = response.statusCode();
    if (status >= 300) {
      discard(response);
      failed(stream, httpError(response));
      if (status == 404 && sessionId != null) {
        end(new UpstreamExit(null, "the remote MCP session ended (HTTP 404)", false), false);
      }
      return;
    }
    if (stream.initialize() && response.getHeader(McpHeaders.SESSION_ID) != null) {
      sessionId = response.getHeader(McpHeaders.SESSION_ID);
    }
    if ("notifications/initialized".equals(stream.method) && !standaloneOpened) {
      openStandalone();
    }
    read(stream, response);
  }

  private void read(Stream stream, HttpClientResponse response) {
    String type = response.getHeader(HttpHeaders.CONTENT_TYPE);
    type = type == null ? "" : type.toLowerCase(Locale.ROOT);
    stream.response = response;
    response.exceptionHandler(e -> interrupted(stream, response, describe(e)));
    if (type.startsWith(McpHeaders.EVENT_STREAM)) {
      stream.parser.reset();
      response.handler(stream.parser::feed);
      response.endHandler(v -> interrupted(stream, response, "the stream ended"));
    } else if (type.startsWith(McpHeaders.JSON)) {
      Buffer body = Buffer.buffer();
      response.handler(chunk -> collect(stream, body, chunk));
      response.endHandler(v -> jsonEnded(stream, response, body));
    } else {
      response.handler(chunk -> { });
      response.endHandler(v -> jsonEnded(stream, response, Buffer.buffer()));
    }
  }

  private void collect(Stream stream, Buffer body, Buffer chunk) {
    if (body.length() + chunk.length() > spec.maxMessageBytes()) {
      stream.tooLarge = true;
    } else if (!stream.tooLarge) {
      body.appendBuffer(chunk);
    }
  }

  private void jsonEnded(Stream stream, HttpClientResponse response, Buffer body) {
    if (stream.response != response || ending) {
      return;
    }
    stream.response = null;
    if (stream.tooLarge) {
      failed(stream, "the remote MCP server's answer is larger than " + spec.maxMessageBytes() + " bytes");
      return;
    }
    if (body.length() > 0) {
      deliver(body);
    }
    if (stream.pending.isEmpty()) {
      streams.remove(stream);
    } else {
      failed(stream, "the remote MCP server answered HTTP " + response.statusCode() + " without a response");
    }
  }

  private void event(Stream stream, SseParser.Event event) {
    if (ending || stream.response == null) {
      return;
    }
    if (event.data() == null) {
      LOG.warn("dropped an event larger than {} bytes from the MCP server at {}", spec.maxMessageBytes(), server);
    } else if (!event.data().isBlank()) {
      deliver(Buffer.buffer(event.data()));
    }
  }

  private void deliver(Buffer body) {
    List<JsonRpcMessage> messages;
    try {
      messages = JsonRpcMessage.parse(body, true);
    } catch (InvalidMessageException e) {
      LOG.debug("ignored a message from the MCP server at {}: {}", server, e.getMessage());
      return;
    }
    for (JsonRpcMessage message : messages) {
      if (message.isResponse()) {
        responded(message);
      }
      if (!ending) {
        messageHandler.handle(message.json());
      }
    }
  }

  private void responded(JsonRpcMessage message) {
    Stream stream = requestStreams.remove(message.id());
    if (stream != null) {
      stream.pending.remove(message.id());
    }
    if (message.id().equals(initializeId) && message.json().getValue("result") instanceof JsonObject result
        && result.getValue("protocolVersion") instanceof String version) {
      protocolVersion = version;
    }
  }

  private void interrupted(Stream stream, HttpClientResponse response, String why) {
    if (stream.response != response || ending) {
      return;
    }
    stream.response = null;
    if (!stream.standalone && stream.pending.isEmpty()) {
      streams.remove(stream);
      return;
    }
    if (!stream.standalone && stream.parser.lastEventId() == null) {
      failed(stream, "the remote MCP server's stream ended before the response (" + why + ")");
      return;
    }
    retry(stream, why);
  }

  private void retry(Stream stream, String why) {
    if (++stream.reconnects > MAX_RECONNECTS) {
      if (stream.standalone) {
        end(new UpstreamExit(null, "the remote MCP server's event stream is gone (" + why + ")", false), false);
      } else {
        failed(stream, "the remote MCP server's stream could not be resumed (" + why + ")");
      }
      return;
    }
    long retry = stream.parser.retryMillis();
    long delay = retry < 0 ? DEFAULT_RETRY_MILLIS : Math.max(1, Math.min(retry, MAX_RETRY_MILLIS));
    LOG.debug("reconnecting an event stream to the MCP server at {} in {} ms: {}", server, delay, why);
    vertx.setTimer(delay, t -> reconnect(stream));
  }

  private void openStandalone() {
    standaloneOpened = true;
    Stream stream = new Stream(null, true);
    streams.add(stream);
    reconnect(stream);
  }

  private void reconnect(Stream stream) {
    if (ending || !streams.contains(stream)) {
      return;
    }
    RequestOptions options = options(HttpMethod.GET, McpHeaders.EVENT_STREAM);
    if (stream.parser.lastEventId() != null) {
      options.getHeaders().set(McpHeaders.LAST_EVENT_ID, stream.parser.lastEventId());
    }
    client.request(options)
        .compose(request -> get(stream, request))
        .onComplete(ar -> reconnected(stream, ar));
  }

  private Future<HttpClientResponse> get(Stream stream, HttpClientRequest request) {
    stream.request = request;
    return request.send();
  }

  private void reconnected(Stream stream, AsyncResult<HttpClientResponse> ar) {
    if (!live(stream, ar)) {
      return;
    }
    if (ar.failed()) {
      retry(stream, describe(ar.cause()));
      return;
    }
    HttpClientResponse response = ar.result();
    int status = response.statusCode();
    String type = response.getHeader(HttpHeaders.CONTENT_TYPE);
    if (status < 300 && type != null && type.toLowerCase(Locale.ROOT).startsWith(McpHeaders.EVENT_STREAM)) {
      stream.reconnects = 0;
      read(stream, response);
      return;
    }
    discard(response);
    if (stream.standalone && status == 404) {
      end(new UpstreamExit(null, "the remote MCP session ended (HTTP 404)", false), false);
    } else if (status == 409 || status == 429 || status >= 500) {
      retry(stream, httpError(response));
    } else if (!stream.standalone) {
      failed(stream, httpError(response));
    } else {
      streams.remove(stream);
      if (status != 405) {
        LOG.warn("the MCP server at {} refused the standalone event stream with HTTP {}", server, status);
      }
    }
  }

  private void cancelled(Object requestId) {
    Object id = requestId instanceof Number number ? (Object) number.longValue() : requestId;
    Stream stream = id == null ? null : requestStreams.remove(id);
    if (stream == null) {
      return;
    }
    stream.pending.remove(id);
    if (stream.pending.isEmpty()) {
      streams.remove(stream);
      drop(stream);
    }
  }

  private void failed(Stream stream, String reason) {
    streams.remove(stream);
    List<Object> ids = List.copyOf(stream.pending);
    stream.pending.clear();
    for (Object id : ids) {
      requestStreams.remove(id);
      if (!ending) {
        messageHandler.handle(JsonRpcMessage.error(id, JsonRpcMessage.INTERNAL_ERROR, reason));
      }
    }
    if (!ids.isEmpty()) {
      LOG.debug("request to the MCP server at {} failed: {}", server, reason);
      if (!ending) {
        problemHandler.handle(reason);
      }
    }
    if (stream.initialize()) {
      end(new UpstreamExit(null, reason, false), false);
    }
  }

  private Future<Void> end(UpstreamExit exit, boolean deleteSession) {
    if (ending) {
      return closed.future();
    }
    ending = true;
    streams.forEach(HttpUpstream::drop);
    streams.clear();
    requestStreams.clear();
    if (!exit.requested()) {
      exited(exit);
    }
    Future<Void> deleted = deleteSession && sessionId != null ? deleteSession() : Future.succeededFuture();
    deleted.transform(ar -> client.close()).onComplete(ar -> {
      exited(exit);
      closed.tryComplete();
    });
    return closed.future();
  }

  private void exited(UpstreamExit exit) {
    if (!exitReported) {
      exitReported = true;
      exitHandler.handle(exit);
    }
  }

  private Future<Void> deleteSession() {
    RequestOptions options = options(HttpMethod.DELETE, null).setIdleTimeout(DELETE_TIMEOUT_MILLIS);
    return client.request(options)
        .compose(HttpClientRequest::send)
        .compose(HttpClientResponse::end)
        .timeout(DELETE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
        .onFailure(e -> LOG.debug("DELETE of the session at {} failed: {}", server, describe(e)))
        .otherwiseEmpty();
  }

  private RequestOptions options(HttpMethod method, String accept) {
    URI url = spec.url();
    boolean tls = "https".equalsIgnoreCase(url.getScheme());
    String host = url.getHost().startsWith("[") ? url.getHost().substring(1, url.getHost().length() - 1) : url.getHost();
    String path = (url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath())
        + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
    MultiMap headers = HttpHeaders.headers().addAll(spec.headers());
    if (accept != null) {
      headers.set(HttpHeaders.ACCEPT, accept);
    }
    if (sessionId != null) {
      headers.set(McpHeaders.SESSION_ID, sessionId);
    }
    if (protocolVersion != null) {
      headers.set(McpHeaders.PROTOCOL_VERSION, protocolVersion);
    }
    return new RequestOptions().setMethod(method).setHost(host).setPort(url.getPort() < 0 ? (tls ? 443 : 80) : url.getPort())
        .setSsl(tls).setURI(path).setHeaders(headers).setFollowRedirects(false)
        .setConnectTimeout(spec.connectTimeout().toMillis());
  }

  private boolean live(Stream stream, AsyncResult<HttpClientResponse> ar) {
    if (!ending && streams.contains(stream)) {
      return true;
    }
    if (ar.succeeded()) {
      ar.result().request().reset();
    }
    return false;
  }

  private static void drop(Stream stream) {
    stream.response = null;
    if (stream.request != null) {
      stream.request.reset();
    }
  }

  private static void discard(HttpClientResponse response) {
    response.handler(chunk -> { });
    response.exceptionHandler(e -> { });
  }

  private String httpError(HttpClientResponse response) {
    String message = response.statusMessage() == null ? "" : response.statusMessage().replaceAll("[^\\x20-\\x7e]", "");
    return "the remote MCP server answered HTTP " + response.statusCode()
        + (message.isBlank() ? "" : " " + message.substring(0, Math.min(message.length(), 60)).strip());
  }

  private static String describe(Throwable e) {
    return e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
  }

  private static JsonRpcMessage parseQuietly(JsonObject message) {
    try {
      return JsonRpcMessage.of(message);
    } catch (InvalidMessageException e) {
      return null;
    }
  }

  private void onContext(Runnable action) {
    if (Vertx.currentContext() == context) {
      action.run();
    } else {
      context.runOnContext(v -> action.run());
    }
  }
}
