package dev.catwalk.mcp;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Context;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One MCP client session: its upstream, its streams and their replay logs, and the one in-flight
 * ledger of the session (request ids, their streams, progress tokens, timeouts). An actor: every
 * field is read and written only on the session's own context; callers from other event loops enter
 * through {@link #post}, {@link #openGet} and {@link #close}, which hop onto that context. It never
 * touches an HTTP response: it sends each reply's {@link ResponseChannel} messages, which the HTTP
 * context carries out, and hears of a client going away by a message back onto its own context.
 *
 * <p>Routing: a response goes to the stream of the request with that id; {@code notifications/progress}
 * goes by progress token; other server messages go to the one request stream in flight, else the
 * GET stream, else the newest request stream, else wait (bounded) for a stream. Each message is
 * written to exactly one stream. Event ids are {@code <stream>-<seq>}, unique in the session.
 */
public final class SessionRelay extends VerticleBase {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SessionRelay.class);
  private final String id;
  private final SessionGrant grant;
  private final long createdAt = System.currentTimeMillis();
  private volatile JsonObject clientInfo;
  private Upstream upstream;
  private final RelayOptions options;
  private final Consumer<SessionRelay> onEnd;
  private final Map<Long, EventStream> streams = new LinkedHashMap<>();
  private final Map<String, Pending> pending = new LinkedHashMap<>();
  private final Map<String, EventStream> progress = new HashMap<>();
  private final ArrayDeque<JsonObject> waiting = new ArrayDeque<>();
  private static final int MAX_FINISHED_STREAMS = 16;
  /** What a protocol version looks like; the session takes whichever its server answered. */
  private static final java.util.regex.Pattern NEGOTIABLE = java.util.regex.Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
  private volatile String protocolVersion = McpHeaders.DEFAULT_VERSION;
  private EventStream getStream;
  private long nextStream = 1;
  private volatile long lastActivity = System.nanoTime();
  private long keepAliveTimer;
  private boolean ended;
  private String initializeKey;
  /** Whether the client sent anything after {@code initialize}; until then the handshake timer runs. */
  private boolean continued;
  private long handshakeTimer = -1;
  /** Tells the client, while its initialize waits for the server to start, that it is still starting. */
  private long startingTimer = -1;
  private static final long STARTING_NOTICE_MILLIS = 2_000;
  private int finishedStreams;

  /** A request forwarded upstream and not yet answered. */
  private record Pending(Object id, EventStream stream, long timer) {
  }

  /**
   * @param grant  what the client was granted; its upstream factory is called on the session's context
   * @param onEnd  told once when the session has ended (from any cause)
   */
  public SessionRelay(String id, SessionGrant grant, RelayOptions options, Consumer<SessionRelay> onEnd) {
    this.id = id;
    this.grant = grant;
    this.options = options;
    this.onEnd = onEnd;
  }

  /** The session id ({@code MCP-Session-Id}). */
  public String id() {
    return id;
  }

  /** What the client was granted when the session opened. */
  public SessionGrant grant() {
    return grant;
  }

  /** The session as operators see it (readable from any thread): id, owner, age, activity, client. */
  public JsonObject describe() {
    long idleMillis = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastActivity);
    return new JsonObject().put("sessionId", id).put("deploymentId", grant.owner())
        .put("tokenId", grant.credentialId()).put("protocolVersion", protocolVersion)
        .put("startedAt", java.time.Instant.ofEpochMilli(createdAt).toString())
        .put("ageSeconds", (System.currentTimeMillis() - createdAt) / 1000)
        .put("idleSeconds", idleMillis / 1000).put("client", clientInfo);
  }

  /** The negotiated protocol version (readable from any thread). */
  public String protocolVersion() {
    return protocolVersion;
  }

  /** Nanosecond timestamp of the last client or server message. */
  public long lastActivity() {
    return lastActivity;
  }

  /** Starts the upstream on the session's own context and wires its messages and end. */
  @Override
  public Future<?> start() {
    upstream = grant.upstreams().get();
    upstream.messageHandler(this::fromUpstream).exitHandler(this::upstreamEnded);
    keepAliveTimer = vertx.setPeriodic(options.keepAlive().toMillis(), t -> keepAlive());
    return upstream.start();
  }

  /** Ends the upstream. */
  @Override
  public Future<?> stop() {
    vertx.cancelTimer(keepAliveTimer);
    vertx.cancelTimer(handshakeTimer);
    vertx.cancelTimer(startingTimer);
    return upstream.close();
  }

  /**
   * Relays the messages of one POST. Requests are answered on {@code response}: as an event
   * stream, or one JSON body when {@code jsonOnly}. Without requests, answers 202.
   */
  public void post(List<JsonRpcMessage> messages, ResponseChannel response, boolean jsonOnly, boolean batch) {
    context.runOnContext(v -> relayPost(messages, response, jsonOnly, batch));
  }

  /** Opens the standalone GET stream, or resumes a stream after {@code lastEventId}. */
  public void openGet(ResponseChannel response, String lastEventId) {
    context.runOnContext(v -> {
      clientContinued();
      if (lastEventId != null) {
        resume(response, lastEventId);
      } else {
        openStandalone(response);
      }
    });
  }

  /** Ends the session and its upstream; completes when the upstream is gone. */
  public Future<Void> close() {
    Promise<Void> closed = Promise.promise();
    context.runOnContext(v -> upstream.close().onComplete(closed));
    return closed.future();
  }

  private void relayPost(List<JsonRpcMessage> messages, ResponseChannel response, boolean jsonOnly, boolean batch) {
    touch();
    if (ended) {
      response.status(404);
      return;
    }
    boolean hasRequests = messages.stream().anyMatch(JsonRpcMessage::isRequest);
    messages.stream().filter(m -> "initialize".equals(m.method())).findFirst()
        .ifPresentOrElse(this::initializing, this::clientContinued);
    EventStream stream = hasRequests ? openStream(response, jsonOnly, batch) : null;
    for (JsonRpcMessage message : messages) {
      forward(message, stream);
    }
    if (!hasRequests) {
      response.status(202);
    }
  }

  private void forward(JsonRpcMessage message, EventStream stream) {
    if (message.isRequest()) {
      track(message, stream);
    } else if (message.isNotification() && "notifications/cancelled".equals(message.method())) {
      cancelled(message.params().getValue("requestId"));
    }
    upstream.send(message.json());
  }

  private void initializing(JsonRpcMessage initialize) {
    initializeKey = key(initialize.id());
    if (initialize.params().getValue("clientInfo") instanceof JsonObject info) {
      clientInfo = new JsonObject().put("name", info.getValue("name")).put("version", info.getValue("version"));
    }
    Object requested = initialize.params().getValue("protocolVersion");
    negotiated(requested instanceof String version ? version : McpHeaders.DEFAULT_VERSION);
  }

  /**
   * Progress for the initialize request's token (when the client sent one) and, every 10 s, an info log
   * message: the first start of a package downloads it, which can take long.
   */
  private void stillStarting(EventStream stream, Object token, long since) {
    if (!pending.containsKey(initializeKey)) {
      vertx.cancelTimer(startingTimer);
      return;
    }
    long seconds = java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - since);
    String text = "waiting for the MCP server to start (" + seconds + " s; a first start may download its package)";
    if (token != null) {
      stream.send(JsonRpcMessage.notification("notifications/progress", new JsonObject().put("progressToken", token)
          .put("progress", seconds).put("message", text)));
    }
    if (seconds < STARTING_NOTICE_MILLIS / 1000 + 1 || seconds % 10 < STARTING_NOTICE_MILLIS / 1000) {
      stream.send(JsonRpcMessage.notification("notifications/message", new JsonObject().put("level", "info")
          .put("logger", "catwalk").put("data", text)));
    }
  }

  private void initializeAnswered(JsonObject result) {
    vertx.cancelTimer(startingTimer);
    if (result != null && result.getValue("protocolVersion") instanceof String v && NEGOTIABLE.matcher(v).matches()) {
      protocolVersion = v;
    }
    if (!continued) {
      handshakeTimer = vertx.setTimer(options.handshakeTimeout().toMillis(), t -> abandoned());
    }
  }

  private void clientContinued() {
    continued = true;
    vertx.cancelTimer(handshakeTimer);
  }

  /** The client was refused or went away right after {@code initialize}: its server is not kept waiting. */
  private void abandoned() {
    if (!continued && !ended) {
      LOG.info("ending MCP session: its client sent nothing within {} s of the answer to initialize",
          options.handshakeTimeout().toSeconds());
      close();
    }
  }

  private void track(JsonRpcMessage message, EventStream stream) {
    String key = key(message.id());
    if (key.equals(initializeKey) && !stream.jsonOnly) {
      long since = System.nanoTime();
      Object token = message.progressToken();
      startingTimer = vertx.setPeriodic(STARTING_NOTICE_MILLIS, t -> stillStarting(stream, token, since));
    }
    long timer = vertx.setTimer(options.requestTimeout().toMillis(), t -> timedOut(key));
    pending.put(key, new Pending(message.id(), stream, timer));
    stream.pendingCount++;
    Object token = message.progressToken();
    if (token != null) {
      progress.put(key(token), stream);
      stream.progressTokens.add(key(token));
    }
  }

  private void fromUpstream(JsonObject json) {
    touch();
    JsonRpcMessage message;
    try {
      message = JsonRpcMessage.of(json);
    } catch (InvalidMessageException e) {
      return;
    }
    if (message.isResponse()) {
      answer(message);
    } else {
      route(message);
    }
  }

  private void answer(JsonRpcMessage message) {
    Pending request = pending.remove(key(message.id()));
    if (request == null) {
      return;
    }
    vertx.cancelTimer(request.timer());
    JsonObject result = message.json().getValue("result") instanceof JsonObject r ? r : null;
    if (key(message.id()).equals(initializeKey)) {
      initializeAnswered(result);
    }
    deliverResponse(request.stream(), message.json());
  }

  private void deliverResponse(EventStream stream, JsonObject response) {
    stream.send(response);
    requestDone(stream);
  }

  private void requestDone(EventStream stream) {
    stream.pendingCount--;
    if (stream.pendingCount == 0) {
      retire(stream);
    }
  }

  private void retire(EventStream stream) {
    stream.progressTokens.forEach(progress::remove);
    stream.finish();
    finishedStreams++;
    if (finishedStreams > MAX_FINISHED_STREAMS) {
      streams.values().stream().filter(s -> s.finished).findFirst().ifPresent(s -> {
        streams.remove(s.number);
        finishedStreams--;
      });
    }
  }

  private void route(JsonRpcMessage message) {
    EventStream target = null;
    if ("notifications/progress".equals(message.method())) {
      target = progress.get(key(message.params().getValue("progressToken")));
    }
    if (target == null) {
      target = relatedStream();
    }
    if (target == null) {
      if (waiting.size() >= options.pendingServerMessages()) {
        waiting.removeFirst();
      }
      waiting.addLast(message.json());
      return;
    }
    target.send(message.json());
  }

  private EventStream relatedStream() {
    EventStream only = null;
    int sseStreams = 0;
    EventStream newest = null;
    for (EventStream stream : streams.values()) {
      if (!stream.jsonOnly && !stream.finished && stream != getStream && stream.pendingCount > 0) {
        sseStreams++;
        only = stream;
        if (newest == null || stream.number > newest.number) {
          newest = stream;
        }
      }
    }
    if (sseStreams == 1) {
      return only;
    }
    if (getStream != null && getStream.connected()) {
      return getStream;
    }
    return newest;
  }

  private void timedOut(String key) {
    Pending request = pending.remove(key);
    if (request == null) {
      return;
    }
    upstream.send(JsonRpcMessage.notification("notifications/cancelled",
        new JsonObject().put("requestId", request.id()).put("reason", "timed out in the gateway")));
    deliverResponse(request.stream(), JsonRpcMessage.error(request.id(), JsonRpcMessage.INTERNAL_ERROR,
        "the MCP server did not answer within " + options.requestTimeout().toSeconds() + " s"));
  }

  private void cancelled(Object requestId) {
    Pending request = requestId == null ? null : pending.remove(key(requestId));
    if (request == null) {
      return;
    }
    vertx.cancelTimer(request.timer());
    requestDone(request.stream());
  }

  private void upstreamEnded(Upstream.UpstreamExit exit) {
    ended = true;
    vertx.cancelTimer(keepAliveTimer);
    vertx.cancelTimer(handshakeTimer);
    vertx.cancelTimer(startingTimer);
    for (Pending request : List.copyOf(pending.values())) {
      vertx.cancelTimer(request.timer());
      pending.remove(key(request.id()));
      deliverResponse(request.stream(), JsonRpcMessage.error(request.id(), JsonRpcMessage.INTERNAL_ERROR, exit.reason()));
    }
    for (EventStream stream : streams.values()) {
      stream.finish();
    }
    streams.clear();
    progress.clear();
    waiting.clear();
    onEnd.accept(this);
  }

  private EventStream openStream(ResponseChannel response, boolean jsonOnly, boolean batch) {
    EventStream stream = new EventStream(context, nextStream++, response, jsonOnly, batch, options.replayEvents());
    streams.put(stream.number, stream);
    if (!jsonOnly) {
      stream.begin(primingEnabled());
    }
    return stream;
  }

  private void openStandalone(ResponseChannel response) {
    if (ended) {
      response.status(404);
      return;
    }
    if (getStream != null && getStream.connected()) {
      response.status(409);
      return;
    }
    getStream = new EventStream(context, nextStream++, response, false, false, options.replayEvents());
    streams.put(getStream.number, getStream);
    getStream.begin(primingEnabled());
    while (!waiting.isEmpty()) {
      getStream.send(waiting.removeFirst());
    }
  }

  private void resume(ResponseChannel response, String lastEventId) {
    int dash = lastEventId.indexOf('-');
    EventStream stream = null;
    long after = -1;
    try {
      stream = streams.get(Long.parseLong(lastEventId.substring(0, Math.max(dash, 0))));
      after = Long.parseLong(lastEventId.substring(dash + 1));
    } catch (NumberFormatException e) {
      // unknown id: nothing to resume
    }
    if (stream == null) {
      response.status(404);
      return;
    }
    stream.reattach(response, after, primingEnabled());
    if (stream.pendingCount == 0 && stream != getStream) {
      stream.finish();
    }
  }

  private void keepAlive() {
    for (EventStream stream : streams.values()) {
      if (!stream.finished) {
        stream.comment("keep-alive");
      }
    }
  }

  private boolean primingEnabled() {
    return McpHeaders.PRIMING_VERSION.compareTo(protocolVersion()) <= 0;
  }

  private void touch() {
    lastActivity = System.nanoTime();
  }

  private void negotiated(String version) {
    if (McpHeaders.VERSIONS.contains(version)) {
      protocolVersion = version;
    }
  }

  private static String key(Object id) {
    return JsonRpcMessage.idKey(id);
  }

  /**
   * One SSE stream (or a JSON-only reply) of this session, with its replay log; lives on the
   * session's context, and writes through the {@link ResponseChannel} of its current reply.
   */
  private static final class EventStream {
    final Context owner;
    final long number;
    final boolean jsonOnly;
    final boolean batch;
    final int replayLimit;
    final List<String> progressTokens = new java.util.ArrayList<>();
    final ArrayDeque<long[]> replaySeq = new ArrayDeque<>();
    final ArrayDeque<String> replayData = new ArrayDeque<>();
    final JsonArray jsonReplies = new JsonArray();
    ResponseChannel channel;
    int pendingCount;
    long seq;
    boolean finished;

    EventStream(Context owner, long number, ResponseChannel channel, boolean jsonOnly, boolean batch, int replayLimit) {
      this.owner = owner;
      this.number = number;
      this.jsonOnly = jsonOnly;
      this.batch = batch;
      this.replayLimit = replayLimit;
      attach(channel);
    }

    boolean connected() {
      return channel != null;
    }

    void attach(ResponseChannel newChannel) {
      channel = newChannel;
      newChannel.onClose(owner, () -> {
        if (channel == newChannel) {
          channel = null;
        }
      });
    }

    void begin(boolean priming) {
      channel.beginEvents(priming ? "id: " + number + "-0\nretry: 1000\ndata: \n\n" : ": stream " + number + "\n\n");
    }

    void send(JsonObject message) {
      if (jsonOnly) {
        jsonReplies.add(message);
        return;
      }
      long eventSeq = ++seq;
      String data = message.encode();
      if (replaySeq.size() >= replayLimit) {
        replaySeq.removeFirst();
        replayData.removeFirst();
      }
      replaySeq.addLast(new long[] {eventSeq});
      replayData.addLast(data);
      if (connected()) {
        channel.write(event(eventSeq, data));
      }
    }

    void comment(String text) {
      if (!jsonOnly && connected()) {
        channel.write(": " + text + "\n\n");
      }
    }

    void reattach(ResponseChannel newChannel, long after, boolean priming) {
      attach(newChannel);
      StringBuilder replay = new StringBuilder(priming ? "retry: 1000\n\n" : ": resumed\n\n");
      Iterator<long[]> seqs = replaySeq.iterator();
      Iterator<String> data = replayData.iterator();
      while (seqs.hasNext()) {
        long eventSeq = seqs.next()[0];
        String event = data.next();
        if (eventSeq > after) {
          replay.append(event(eventSeq, event));
        }
      }
      newChannel.beginEvents(replay.toString());
      if (finished) {
        newChannel.end();
        channel = null;
      }
    }

    private String event(long eventSeq, String data) {
      return "id: " + number + "-" + eventSeq + "\nevent: message\ndata: " + data + "\n\n";
    }

    /** Ends the stream and lets go of its reply (a finished stream keeps only its replay log). */
    void finish() {
      finished = true;
      if (channel == null) {
        return;
      }
      if (jsonOnly) {
        Object body = batch ? jsonReplies : (jsonReplies.isEmpty() ? new JsonObject() : jsonReplies.getValue(0));
        channel.endJson(body instanceof JsonArray a ? a.encode() : ((JsonObject) body).encode());
      } else {
        channel.end();
      }
      channel = null;
    }
  }
}
