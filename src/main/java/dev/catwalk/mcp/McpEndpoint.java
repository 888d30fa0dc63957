package dev.catwalk.mcp;

import dev.catwalk.error.ApiException;
import dev.catwalk.config.CatwalkConfig;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The Streamable HTTP server side of MCP (protocol versions 2025-03-26, 2025-06-18, 2025-11-25)
 * for one endpoint path: header checks, session ids, and hand-off of each request to its
 * {@link SessionRelay}. One instance serves every HTTP verticle; the session registry and its
 * {@link SessionLimiter} are the only state it shares, and it holds no session state of its own. A new
 * session is admitted by the limiter once its grant is known (the node's cap, the owner's share of it, the
 * grant's caps, the credential's initialize rate) and gives its place back as soon as it ends.
 */
public final class McpEndpoint {

  private static final Logger LOG = LoggerFactory.getLogger(McpEndpoint.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  /** JSON-RPC error code of an initialize refused by a session limit (implementation-defined server error). */
  public static final int LIMIT_EXCEEDED = -32000;

  private final Vertx vertx;
  private final RelayOptions options;
  private final SessionAuthority authority;
  private final Map<String, SessionRelay> sessions = new ConcurrentHashMap<>();
  private final Map<String, String> deployments = new ConcurrentHashMap<>();
  private final Map<String, SessionLimiter.Permit> permits = new ConcurrentHashMap<>();
  private final SessionLimiter limiter;
  private final long reaper;
  private volatile boolean draining;

  /**
   * An endpoint where anyone who reaches it may open a session.
   *
   * @param upstreams makes one upstream per session (called on the new session's context)
   */
  public McpEndpoint(Vertx vertx, RelayOptions options, Supplier<Upstream> upstreams) {
    this(vertx, options, SessionAuthority.anyone(upstreams));
  }

  /**
   * @param authority decides who opens and uses sessions, and makes their upstreams
   */
  public McpEndpoint(Vertx vertx, RelayOptions options, SessionAuthority authority) {
    this(vertx, options, authority, AdmissionOptions.UNLIMITED);
  }

  /**
   * @param authority decides who opens and uses sessions, and makes their upstreams
   * @param admission the share of the node one owner may hold and the initialize rate of one credential
   */
  public McpEndpoint(Vertx vertx, RelayOptions options, SessionAuthority authority, AdmissionOptions admission) {
    this.vertx = vertx;
    this.options = options;
    this.authority = authority;
    this.limiter = new SessionLimiter(options.maxSessions(), admission, System::nanoTime);
    long period = Math.max(1_000, Math.min(options.idleTimeout().toMillis() / 4, 60_000));
    this.reaper = vertx.setPeriodic(period, t -> reapIdle());
  }

  /** Mounts POST, GET and DELETE on {@code path}. */
  public void mount(Router router, String path) {
    router.route(path).handler(this::checkOrigin);
    router.post(path).handler(BodyHandler.create(false).setBodyLimit(options.maxBodyBytes()));
    router.post(path).handler(this::post);
    router.get(path).handler(this::get);
    router.delete(path).handler(this::delete);
  }

  /** Number of open sessions. */
  public int sessionCount() {
    return sessions.size();
  }

  /** Ends every session (shutdown). */
  public Future<Void> close() {
    vertx.cancelTimer(reaper);
    return endSessions(grant -> true).mapEmpty();
  }

  /** The open sessions whose grant matches, as operators see them. */
  public List<io.vertx.core.json.JsonObject> sessions(java.util.function.Predicate<SessionGrant> filter) {
    return sessions.values().stream().filter(session -> filter.test(session.grant()))
        .map(SessionRelay::describe).toList();
  }

  /** Ends the sessions whose grant matches (a revoked token, a deleted deployment); completes with how many. */
  public Future<Integer> endSessions(java.util.function.Predicate<SessionGrant> filter) {
    List<SessionRelay> ending = sessions.values().stream().filter(session -> filter.test(session.grant())).toList();
    return Future.all(ending.stream().map(this::closeSession).toList()).map(ending.size());
  }

  /** Ends one session; completes with false when there was none with that id. */
  public Future<Boolean> endSession(String sessionId) {
    SessionRelay session = sessions.get(sessionId);
    return session == null ? Future.succeededFuture(false) : closeSession(session).map(true);
  }

  /** Closes a session; it no longer counts as open once this completes (its end callback may come later). */
  private Future<Void> closeSession(SessionRelay session) {
    return session.close().andThen(ar -> forget(session.id()));
  }

  /** Removes a session from the registry and gives its place in the limits back (once, whoever calls first). */
  private void forget(String id) {
    sessions.remove(id);
    SessionLimiter.Permit permit = permits.remove(id);
    if (permit != null) {
      permit.release();
    }
  }

  /** While draining, new sessions are refused with 503 and {@code Retry-After}; open ones go on. */
  public void draining(boolean value) {
    this.draining = value;
  }

  /** Whether new sessions are refused. */
  public boolean draining() {
    return draining;
  }

  private void checkOrigin(RoutingContext ctx) {
    String origin = ctx.request().getHeader("Origin");
    if (origin != null && !originAllowed(origin)) {
      reject(ctx, 403, "origin not allowed");
      return;
    }
    if (options.dnsRebindingProtection()
        && !CatwalkConfig.isLoopback(ctx.request().authority() == null ? null : ctx.request().authority().host())) {
      reject(ctx, 403, "host not allowed");
      return;
    }
    ctx.next();
  }

  private boolean originAllowed(String origin) {
    if (options.allowedOrigins().contains("*") || options.allowedOrigins().contains(origin)) {
      return true;
    }
    try {
      return CatwalkConfig.isLoopback(URI.create(origin).getHost());
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private void post(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    String accept = lower(request.getHeader("Accept"));
    boolean sse = accept.contains(McpHeaders.EVENT_STREAM) || accept.contains("*/*");
    boolean json = accept.contains(McpHeaders.JSON) || accept.contains("*/*");
    if (!sse && !json) {
      reject(ctx, 406, "Accept must include application/json and text/event-stream");
      return;
    }
    if (!lower(request.getHeader("Content-Type")).startsWith(McpHeaders.JSON)) {
      reject(ctx, 415, "Content-Type must be application/json");
      return;
    }
    Buffer body = ctx.body().buffer();
    String sessionId = request.getHeader(McpHeaders.SESSION_ID);
    SessionRelay session = sessionId == null ? null : requireSession(ctx);
    if (sessionId != null && session == null) {
      return;
    }
    if (!versionHeaderValid(ctx, session)) {
      return;
    }
    boolean allowBatch = session == null || "2025-03-26".equals(session.protocolVersion());
    List<JsonRpcMessage> messages;
    try {
      messages = JsonRpcMessage.parse(body == null ? Buffer.buffer() : body, allowBatch);
    } catch (InvalidMessageException e) {
      rejectJsonRpc(ctx, 400, e.code(), e.getMessage());
      return;
    }
    boolean batch = body.getByte(firstNonSpace(body)) == '[';
    if (batch && hasDuplicateRequestIds(messages)) {
      rejectJsonRpc(ctx, 400, JsonRpcMessage.INVALID_REQUEST, "duplicate id in a batch: each request needs its own id");
      return;
    }
    boolean initialize = messages.stream().anyMatch(m -> "initialize".equals(m.method()));
    if (initialize) {
      initialize(ctx, messages, batch, sse);
      return;
    }
    if (session == null) {
      reject(ctx, 400, "missing " + McpHeaders.SESSION_ID + " header");
      return;
    }
    session.post(messages, channel(ctx), !sse, batch);
  }

  /** The reply of this request as a channel the session can send to; call on the HTTP context. */
  private ResponseChannel channel(RoutingContext ctx) {
    return new ResponseChannel(vertx.getOrCreateContext(), ctx.response());
  }

  private void initialize(RoutingContext ctx, List<JsonRpcMessage> messages, boolean batch, boolean sse) {
    if (batch || messages.size() != 1) {
      rejectJsonRpc(ctx, 400, JsonRpcMessage.INVALID_REQUEST, "initialize must not be part of a batch");
      return;
    }
    if (ctx.request().getHeader(McpHeaders.SESSION_ID) != null) {
      rejectJsonRpc(ctx, 400, JsonRpcMessage.INVALID_REQUEST, "initialize must not carry a session id");
      return;
    }
    if (draining) {
      ctx.response().putHeader("Retry-After", "5");
      reject(ctx, 503, "this node is draining; retry");
      return;
    }
    SessionLimiter.Refusal full = limiter.nodeFull();
    if (full != null) {
      refuseLimit(ctx, messages.getFirst(), full);
      return;
    }
    authority.open(ctx).onComplete(granted -> {
      if (granted.failed()) {
        refuse(ctx, granted.cause());
        return;
      }
      SessionLimiter.Admission admission = limiter.admit(granted.result());
      if (admission instanceof SessionLimiter.Refusal refusal) {
        refuseLimit(ctx, messages.getFirst(), refusal);
      } else {
        startSession(ctx, granted.result(), messages, sse, (SessionLimiter.Permit) admission);
      }
    });
  }

  /** A session refused by a limit: 429 or 503 with Retry-After, and a JSON-RPC error naming the limit. */
  private static void refuseLimit(RoutingContext ctx, JsonRpcMessage initialize, SessionLimiter.Refusal refusal) {
    LOG.info("initialize refused: {} ({})", refusal.limit(), refusal.max());
    io.vertx.core.json.JsonObject body = JsonRpcMessage.error(initialize.id(), LIMIT_EXCEEDED, refusal.message());
    body.getJsonObject("error").put("data", refusal.data());
    ctx.response().setStatusCode(refusal.status()).putHeader("Retry-After", String.valueOf(refusal.retryAfterSeconds()))
        .putHeader("Content-Type", McpHeaders.JSON).end(body.encode());
  }

  private void startSession(RoutingContext ctx, SessionGrant grant, List<JsonRpcMessage> messages, boolean sse,
                            SessionLimiter.Permit permit) {
    String id = newSessionId();
    SessionRelay session = new SessionRelay(id, grant, options, this::ended);
    permits.put(id, permit);
    sessions.put(id, session);
    ctx.response().putHeader(McpHeaders.SESSION_ID, id);
    ResponseChannel response = channel(ctx);
    vertx.deployVerticle(session, new DeploymentOptions())
        .onSuccess(deployment -> {
          deployments.put(id, deployment);
          session.post(messages, response, !sse, false);
        })
        .onFailure(e -> failedStart(ctx, id, e));
  }

  private static void refuse(RoutingContext ctx, Throwable cause) {
    if (cause instanceof ApiException http) {
      reject(ctx, http.status(), http.getMessage());
      return;
    }
    LOG.warn("cannot authorize an MCP session: {}", cause.toString());
    ctx.response().putHeader("Retry-After", "5");
    reject(ctx, 503, "the gateway cannot open sessions right now; try again shortly");
  }

  private void failedStart(RoutingContext ctx, String id, Throwable e) {
    forget(id);
    LOG.warn("MCP server failed to start: {}", e.getMessage());
    ctx.response().headers().remove(McpHeaders.SESSION_ID);
    JsonRpcMessage initialize = JsonRpcMessage.parse(ctx.body().buffer(), false).get(0);
    ctx.response().setStatusCode(502).putHeader("Content-Type", McpHeaders.JSON)
        .end(JsonRpcMessage.error(initialize.id(), JsonRpcMessage.INTERNAL_ERROR,
            "the MCP server could not be started: " + e.getMessage()).encode());
  }

  private void get(RoutingContext ctx) {
    if (!lower(ctx.request().getHeader("Accept")).contains(McpHeaders.EVENT_STREAM)) {
      reject(ctx, 406, "Accept must include text/event-stream");
      return;
    }
    SessionRelay session = requireSession(ctx);
    if (session != null && versionHeaderValid(ctx, session)) {
      session.openGet(channel(ctx), ctx.request().getHeader(McpHeaders.LAST_EVENT_ID));
    }
  }

  private void delete(RoutingContext ctx) {
    SessionRelay session = requireSession(ctx);
    if (session != null && versionHeaderValid(ctx, session)) {
      ResponseChannel response = channel(ctx);
      session.close().onComplete(ar -> {
        forget(session.id());
        response.status(200);
      });
    }
  }

  private void ended(SessionRelay session) {
    forget(session.id());
    String deployment = deployments.remove(session.id());
    if (deployment != null) {
      vertx.undeploy(deployment);
    }
  }

  private void reapIdle() {
    limiter.prune();
    long now = System.nanoTime();
    for (SessionRelay session : sessions.values()) {
      if (now - session.lastActivity() > options.idleTimeout().toNanos()) {
        LOG.info("ending idle MCP session after {} s", TimeUnit.NANOSECONDS.toSeconds(now - session.lastActivity()));
        session.close();
      }
    }
  }

  private SessionRelay requireSession(RoutingContext ctx) {
    String sessionId = ctx.request().getHeader(McpHeaders.SESSION_ID);
    if (sessionId == null) {
      reject(ctx, 400, "missing " + McpHeaders.SESSION_ID + " header");
      return null;
    }
    SessionRelay session = sessions.get(sessionId);
    if (session == null) {
      reject(ctx, 404, "unknown or ended session");
      return null;
    }
    ApiException refusal = authority.refusal(session.grant(), ctx);
    if (refusal != null) {
      reject(ctx, refusal.status(), refusal.getMessage());
      return null;
    }
    return session;
  }

  /** A version header is valid when it names a published revision or the version the session negotiated. */
  private boolean versionHeaderValid(RoutingContext ctx, SessionRelay session) {
    String version = ctx.request().getHeader(McpHeaders.PROTOCOL_VERSION);
    if (version != null && !McpHeaders.HEADER_VERSIONS.contains(version)
        && !(session != null && version.equals(session.protocolVersion()))) {
      reject(ctx, 400, "unsupported " + McpHeaders.PROTOCOL_VERSION + ": " + version.replaceAll("[^\\x21-\\x7e]", "?"));
      return false;
    }
    return true;
  }

  private static void reject(RoutingContext ctx, int status, String message) {
    rejectJsonRpc(ctx, status, status == 404 ? -32001 : JsonRpcMessage.INVALID_REQUEST, message);
  }

  private static void rejectJsonRpc(RoutingContext ctx, int status, int code, String message) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", McpHeaders.JSON)
        .end(JsonRpcMessage.error(null, code, message).encode());
  }

  private static String newSessionId() {
    byte[] bytes = new byte[24];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** Whether two requests of a batch share an id (7 and 7.0 are the same id; 7 and "7" are not). */
  private static boolean hasDuplicateRequestIds(List<JsonRpcMessage> messages) {
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (JsonRpcMessage message : messages) {
      if (message.isRequest() && !seen.add(idKey(message.id()))) {
        return true;
      }
    }
    return false;
  }

  private static String idKey(Object id) {
    if (!(id instanceof Number n)) {
      return "s:" + id;
    }
    try {
      return "n:" + new java.math.BigDecimal(n.toString()).stripTrailingZeros().toPlainString();
    } catch (NumberFormatException e) {
      return "n:" + n;
    }
  }

  private static int firstNonSpace(Buffer body) {
    for (int i = 0; i < body.length(); i++) {
      if (!Character.isWhitespace(body.getByte(i))) {
        return i;
      }
    }
    return 0;
  }

  private static String lower(String value) {
    return value == null ? "" : value.toLowerCase(Locale.ROOT);
  }



}
