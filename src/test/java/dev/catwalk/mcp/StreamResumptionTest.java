package dev.catwalk.mcp;

import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.ScriptedStdioServer;
import dev.catwalk.testsupport.TestConfig;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * SSE resumption and keep-alive, spoken raw over HTTP against {@code catwalk runner}: a client drops
 * the TCP connection in the middle of a slow {@code tools/call} and resumes with {@code Last-Event-ID};
 * an idle stream carries keep-alive comments. The server behind it is {@link ScriptedStdioServer},
 * whose {@code stepped} tool advances only when the client says so, so every event is produced at a
 * known point: before the drop, while the client is away, or after it has resumed.
 */
class StreamResumptionTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.vertxOnly();

  private static final String VERSION = "2025-11-25";
  private static final Duration WAIT = Duration.ofSeconds(10);

  private static Runner runner;
  private static HttpClientAgent client;

  @BeforeAll
  static void start() {
    RelayOptions options = new RelayOptions(20, 1 << 20, Duration.ofSeconds(30), Duration.ofMinutes(5),
        Duration.ofMillis(200), 64, 64, List.of(), true, Duration.ofMinutes(5));
    runner = Runner.start(resources.vertx(), "127.0.0.1", TestConfig.freePort(), ScriptedStdioServer.command(), Map.of(),
        null, options).await();
    client = resources.vertx().createHttpClient();
  }

  @AfterAll
  static void stop() {
    try {
      assertThat(runner.sessionCount()).as("every test ended its session").isZero();
    } finally {
      client.close().await();
      runner.close().await();
    }
  }

  @Test
  void aClientThatDropsMidCallResumesWithExactlyTheEventsItMissedThenTheRestLive() throws Exception {
    TestSession session = newSession();
    Block first = callThenDrop(session.id(), 5, "tok-a");
    String stream = streamOf(first);

    assertThat(notify(session.id(), step(false))).isEqualTo(202);

    Sse resumed = get(session.id(), first.id());
    assertThat(resumed.status()).isEqualTo(200);
    assertThat(resumed.header("Content-Type")).isEqualTo(McpHeaders.EVENT_STREAM);
    Block missed = resumed.next(Block::isEvent);
    assertThat(missed.id()).as("the event sent while the client was away").isEqualTo(stream + "-2");
    assertThat(missed.json()).isEqualTo(progress("tok-a", 2));
    assertThat(notify(session.id(), step(true))).isEqualTo(202);
    List<Block> rest = resumed.eventsUntilEnd();

    assertThat(rest).extracting(Block::id).containsExactly(stream + "-3", stream + "-4");
    assertThat(rest.get(0).json()).isEqualTo(progress("tok-a", 3));
    assertThat(rest.get(1).json()).isEqualTo(new JsonObject().put("jsonrpc", "2.0").put("id", 5)
        .put("result", new JsonObject().put("steps", 3)));
    assertThat(resumed.blocks()).as("the resumed stream starts with retry:, not a second priming event")
        .first().satisfies(b -> assertThat(b.lines()).containsExactly("retry: 1000"));
    assertUsableThenEnd(session);
  }

  @Test
  void aCallThatFinishesWhileTheClientIsAwayIsReplayedInFullAndTheStreamEnds() throws Exception {
    TestSession session = newSession();
    Block first = callThenDrop(session.id(), "call-b", 17);

    assertThat(notify(session.id(), step(false))).isEqualTo(202);
    assertThat(notify(session.id(), step(true))).isEqualTo(202);
    List<Block> replayed = get(session.id(), first.id()).eventsUntilEnd();

    String stream = streamOf(first);
    assertThat(replayed).extracting(Block::id).containsExactly(stream + "-2", stream + "-3", stream + "-4");
    assertThat(replayed).extracting(Block::json).containsExactly(progress(17, 2), progress(17, 3),
        new JsonObject().put("jsonrpc", "2.0").put("id", "call-b").put("result", new JsonObject().put("steps", 3)));
    assertThat(get(session.id(), replayed.get(2).id()).eventsUntilEnd()).as("resuming after the last event replays nothing")
        .isEmpty();
    assertUsableThenEnd(session);
  }

  @Test
  void aLastEventIdOfNoKnownStreamGets404AndLeavesTheSessionUsable() throws Exception {
    TestSession session = newSession();

    for (String unknown : List.of("999-1", "0-0", "not-an-event-id", "-", "")) {
      Sse resumed = get(session.id(), unknown);
      assertThat(resumed.status()).as("Last-Event-ID '%s'", unknown).isEqualTo(404);
      assertThat(resumed.eventsUntilEnd()).isEmpty();
    }

    assertUsableThenEnd(session);
  }

  @Test
  void anIdleStreamCarriesKeepAliveCommentsBetweenIntactEvents() throws Exception {
    TestSession session = newSession();
    Sse standalone = get(session.id(), null);
    assertThat(standalone.status()).isEqualTo(200);
    assertThat(standalone.header("Content-Type")).isEqualTo(McpHeaders.EVENT_STREAM);
    assertThat(standalone.header(McpHeaders.ACCEL_BUFFERING)).isEqualTo("no");
    assertThat(standalone.header("Cache-Control")).contains("no-cache");
    long start = System.nanoTime();
    for (int i = 0; i < 3; i++) {
      assertThat(standalone.next(Block::isComment).lines()).containsExactly(": keep-alive");
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start)).as("three keep-alives 200 ms apart")
        .isBetween(Duration.ofMillis(300), Duration.ofSeconds(3));

    // Answered at once; the notification follows 500 ms later, with no request in flight: it goes
    // to the standalone stream, between keep-alives.
    Sse later = post(session.id(), new JsonObject().put("jsonrpc", "2.0").put("id", 8).put("method", "later")
        .put("params", new JsonObject().put("millis", 500).put("text", "line one\nline: two \u00e9")));
    assertThat(later.messagesUntilEnd()).extracting(j -> j.getValue("id")).containsExactly(8);
    Block notification = standalone.next(Block::isEvent);
    standalone.next(Block::isComment);

    assertThat(notification.json()).isEqualTo(new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/later")
        .put("params", new JsonObject().put("text", "line one\nline: two \u00e9")));
    assertThat(notification.lines()).containsExactly("id: " + notification.id(), "event: message",
        "data: " + notification.json().encode());
    assertThat(standalone.blocks()).as("every block is comments only or has no comment line")
        .allSatisfy(b -> assertThat(b.isComment() || b.lines().stream().noneMatch(l -> l.startsWith(":"))).isTrue())
        .filteredOn(Block::isEvent).extracting(Block::data).containsExactly("", notification.data());
    assertUsableThenEnd(session);
    assertThat(standalone.eventsUntilEnd()).as("ending the session ends its stream").isEmpty();
  }

  // ------------------------------------------------------------------ helpers

  private static JsonObject steppedCall(Object id, Object progressToken) {
    return new JsonObject().put("jsonrpc", "2.0").put("id", id).put("method", "tools/call")
        .put("params", new JsonObject().put("name", "stepped").put("arguments", new JsonObject())
            .put("_meta", new JsonObject().put("progressToken", progressToken)));
  }

  private static JsonObject step(boolean answer) {
    return new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/step")
        .put("params", new JsonObject().put("answer", answer));
  }

  private static JsonObject progress(Object token, int progress) {
    return new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/progress")
        .put("params", new JsonObject().put("progressToken", token).put("progress", progress));
  }

  /** A session and its server process. */
  private record TestSession(String id, long server) {
  }

  /** A new session on 2025-11-25, initialized, and the server process it started. */
  private static TestSession newSession() throws Exception {
    List<Long> before = childPids();
    String session = initialize();
    List<Long> started = childPids().stream().filter(pid -> !before.contains(pid)).toList();
    assertThat(started).as("one server process for the new session").hasSize(1);
    return new TestSession(session, started.get(0));
  }

  /** Calls the stepped tool, reads the priming event and progress 1, then drops the connection; progress 1. */
  private static Block callThenDrop(String session, Object id, Object progressToken) throws Exception {
    Sse call = post(session, steppedCall(id, progressToken));
    Block priming = call.next(Block::isEvent);
    assertThat(priming.data()).as("priming event").isEmpty();
    assertThat(priming.id()).isEqualTo(streamOf(priming) + "-0");
    Block first = call.next(Block::isEvent);
    assertThat(first.id()).isEqualTo(streamOf(priming) + "-1");
    assertThat(first.json()).isEqualTo(progress(progressToken, 1));
    call.drop();
    return first;
  }

  /** The stream part of an event id ({@code <stream>-<seq>}). */
  private static String streamOf(Block event) {
    return event.id().substring(0, event.id().indexOf('-'));
  }

  private static String initialize() throws Exception {
    Sse initialize = post(null, new JsonObject().put("jsonrpc", "2.0").put("id", 1).put("method", "initialize")
        .put("params", new JsonObject().put("protocolVersion", VERSION).put("capabilities", new JsonObject())
            .put("clientInfo", new JsonObject().put("name", "resumption-test").put("version", "1"))));
    assertThat(initialize.status()).isEqualTo(200);
    String session = initialize.header(McpHeaders.SESSION_ID);
    List<Block> events = initialize.eventsUntilEnd();
    assertThat(events.get(0).data()).as("priming event").isEmpty();
    assertThat(events.getLast().json().getValue("id")).as("the initialize result ends the stream").isEqualTo(1);
    assertThat(events.subList(1, events.size() - 1)).as("only the gateway's start notices come between (a slow start)")
        .allMatch(b -> "catwalk".equals(b.json().getJsonObject("params").getString("logger")));
    assertThat(notify(session, new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/initialized")))
        .isEqualTo(202);
    return session;
  }

  private static List<Long> childPids() {
    return ProcessHandle.current().children().map(ProcessHandle::pid).toList();
  }

  /** A request still gets its answer on the session; then DELETE ends it and its server process. */
  private static void assertUsableThenEnd(TestSession session) throws Exception {
    Sse echo = post(session.id(), new JsonObject().put("jsonrpc", "2.0").put("id", "after").put("method", "echo"));
    assertThat(echo.messagesUntilEnd()).extracting(j -> j.getJsonObject("result").getString("method"))
        .containsExactly("echo");
    HttpClientResponse deleted = client.request(new RequestOptions().setMethod(HttpMethod.DELETE)
            .setPort(runner.port()).setHost("127.0.0.1").setURI(Runner.MCP_PATH).putHeader(McpHeaders.SESSION_ID, session.id()))
        .compose(r -> r.send()).await();
    assertThat(deleted.statusCode()).isEqualTo(200);
    await().atMost(WAIT).until(() -> !alive(session.server()));
    assertThat(alive(session.server())).as("the session's server process has ended").isFalse();
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  private static int notify(String session, JsonObject notification) throws Exception {
    Sse response = post(session, notification);
    response.eventsUntilEnd();
    return response.status();
  }

  private static Sse post(String session, JsonObject body) {
    RequestOptions options = options(HttpMethod.POST, session).putHeader("Accept", "application/json, text/event-stream")
        .putHeader("Content-Type", "application/json");
    return open(options, body.toBuffer());
  }

  private static Sse get(String session, String lastEventId) {
    RequestOptions options = options(HttpMethod.GET, session).putHeader("Accept", McpHeaders.EVENT_STREAM);
    if (lastEventId != null) {
      options.putHeader(McpHeaders.LAST_EVENT_ID, lastEventId);
    }
    return open(options, null);
  }

  private static RequestOptions options(HttpMethod method, String session) {
    RequestOptions options = new RequestOptions().setMethod(method).setPort(runner.port()).setHost("127.0.0.1")
        .setURI(Runner.MCP_PATH);
    if (session != null) {
      options.putHeader(McpHeaders.SESSION_ID, session).putHeader(McpHeaders.PROTOCOL_VERSION, VERSION);
    }
    return options;
  }

  private static Sse open(RequestOptions options, Buffer body) {
    Sse sse = new Sse();
    sse.response = client.request(options).compose(request -> {
      sse.request = request;
      return (body == null ? request.send() : request.send(body)).map(response -> {
        // Set on the event loop as the headers arrive, before any of the body.
        response.handler(sse::received).endHandler(v -> sse.ended()).exceptionHandler(e -> sse.ended());
        return response;
      });
    }).await();
    return sse;
  }

  /** One SSE block: its lines without the blank line that ends it. */
  record Block(List<String> lines) {
    static final Block END = new Block(List.of());

    boolean isComment() {
      return !lines.isEmpty() && lines.stream().allMatch(l -> l.startsWith(":"));
    }

    boolean isEvent() {
      return lines.stream().anyMatch(l -> l.startsWith("data:"));
    }

    String id() {
      return field("id");
    }

    String data() {
      return field("data");
    }

    JsonObject json() {
      return new JsonObject(data());
    }

    private String field(String name) {
      return lines.stream().filter(l -> l.startsWith(name + ":")).map(l -> l.substring(name.length() + 1).strip())
          .findFirst().orElse(null);
    }
  }

  /** A response read as it arrives, split into SSE blocks; {@link #drop()} closes the TCP connection. */
  static final class Sse {
    private final LinkedBlockingQueue<Block> queue = new LinkedBlockingQueue<>();
    private final List<Block> seen = new ArrayList<>();
    private final StringBuilder pending = new StringBuilder();
    private io.vertx.core.http.HttpClientRequest request;
    private HttpClientResponse response;

    int status() {
      return response.statusCode();
    }

    String header(String name) {
      return response.getHeader(name);
    }

    /** Every block taken from the stream so far. */
    List<Block> blocks() {
      return List.copyOf(seen);
    }

    /** The next block that matches, skipping others (they still count in {@link #blocks()}). */
    Block next(Predicate<Block> wanted) throws InterruptedException {
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (true) {
        Block block = queue.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        assertThat(block).as("a block before the timeout").isNotNull();
        assertThat(block).as("a block before the stream ended").isNotSameAs(Block.END);
        seen.add(block);
        if (wanted.test(block)) {
          return block;
        }
      }
    }

    /** The events from here to the end of the stream (which must end within the timeout). */
    List<Block> eventsUntilEnd() throws InterruptedException {
      List<Block> events = new ArrayList<>();
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (true) {
        Block block = queue.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        assertThat(block).as("the end of the stream before the timeout").isNotNull();
        if (block == Block.END) {
          return events;
        }
        seen.add(block);
        if (block.isEvent()) {
          events.add(block);
        }
      }
    }

    /** The JSON-RPC messages from here to the end of the stream (priming events left out). */
    List<JsonObject> messagesUntilEnd() throws InterruptedException {
      return eventsUntilEnd().stream().filter(b -> !b.data().isEmpty()).map(Block::json).toList();
    }

    /** Closes the connection under the stream, as a client that went away. */
    void drop() {
      request.connection().close().await();
    }

    private void received(Buffer buffer) {
      pending.append(buffer.toString(StandardCharsets.UTF_8));
      for (int end = pending.indexOf("\n\n"); end >= 0; end = pending.indexOf("\n\n")) {
        queue.add(new Block(List.of(pending.substring(0, end).split("\n"))));
        pending.delete(0, end + 2);
      }
    }

    private void ended() {
      queue.add(Block.END);
    }
  }
}
