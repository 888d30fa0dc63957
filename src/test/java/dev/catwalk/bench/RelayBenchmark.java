package dev.catwalk.bench;

import dev.catwalk.mcp.McpHeaders;
import dev.catwalk.mcp.RelayOptions;
import dev.catwalk.mcp.Runner;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Relay benchmark (a program, not a test): N concurrent MCP sessions calling a trivial tool through
 * {@code catwalk runner} in this JVM, or through any Streamable HTTP URL given as {@code --url}
 * (for example supergateway), for the same duration. Prints requests/s, latency percentiles,
 * errors and session set-up time. With {@code --idle K}, the gateway's own memory per idle session
 * instead (see {@link IdleMemory}: the gateway runs as its own process from {@code target/catwalk.jar}).
 *
 * <pre>
 * java -cp target/test-classes:target/catwalk.jar dev.catwalk.bench.RelayBenchmark --sessions 64 --seconds 20
 * java -cp … dev.catwalk.bench.RelayBenchmark --url http://127.0.0.1:8000/mcp --sessions 64 --seconds 20
 * java -cp … dev.catwalk.bench.RelayBenchmark --url … --gateway-pid PID   (adds the gateway's CPU per call and RSS, from /proc)
 * java -cp … dev.catwalk.bench.RelayBenchmark --idle 1000 [--jar target/catwalk.jar] [--histogram 25] [--nmt true]
 * </pre>
 */
public final class RelayBenchmark {

  private static final String ACCEPT = "application/json, text/event-stream";

  private final Vertx vertx = Vertx.vertx();
  private final WebClient client = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true),
      new io.vertx.core.http.PoolOptions().setHttp1MaxSize(2048));
  private String host;
  private int port;
  private String path;

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = options(args);
    new RelayBenchmark().run(opts);
    System.exit(0);
  }

  private void run(Map<String, String> opts) throws Exception {
    int sessions = Integer.parseInt(opts.getOrDefault("sessions", "64"));
    int seconds = Integer.parseInt(opts.getOrDefault("seconds", "20"));
    int idle = Integer.parseInt(opts.getOrDefault("idle", "0"));
    if (idle > 0) {
      new IdleMemory(this, opts).measure(idle);
      return;
    }
    Runner runner = null;
    if (opts.containsKey("url")) {
      java.net.URI uri = java.net.URI.create(opts.get("url"));
      target(uri.getHost(), uri.getPort(), uri.getPath());
    } else {
      Path script = Files.createTempFile("bench-echo", ".py");
      script.toFile().deleteOnExit();
      Files.copy(RelayBenchmark.class.getResourceAsStream("/bench/echo_server.py"), script,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      target("127.0.0.1", freePort(), Runner.MCP_PATH);
      RelayOptions relay = new RelayOptions(sessions + 10, 4 << 20, java.time.Duration.ofSeconds(30),
          java.time.Duration.ofMinutes(30), java.time.Duration.ofSeconds(15), 256, 256, List.of(), false,
          java.time.Duration.ofMinutes(5));
      runner = Runner.start(vertx, host, port, List.of("python3", "-u", script.toString()), Map.of(), null, relay).await();
    }
    long gatewayPid = Long.parseLong(opts.getOrDefault("gateway-pid", runner == null ? "-1" : String.valueOf(ProcessHandle.current().pid())));
    measureLoad(sessions, seconds, gatewayPid);
    if (runner != null) {
      runner.close().await();
    }
  }

  /** Where the requests go. */
  void target(String targetHost, int targetPort, String targetPath) {
    this.host = targetHost;
    this.port = targetPort;
    this.path = targetPath;
  }

  private void measureLoad(int sessions, int seconds, long gatewayPid) {
    long setupStart = System.nanoTime();
    List<String> ids = Future.all(java.util.stream.IntStream.range(0, sessions).mapToObj(i -> open()).toList())
        .await().list();
    double setupMs = (System.nanoTime() - setupStart) / 1e6;
    long[] latencies = new long[50_000_000 / 100];
    AtomicInteger count = new AtomicInteger();
    AtomicInteger errors = new AtomicInteger();
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    long start = System.nanoTime();
    long cpuStart = cpuTicks(gatewayPid);
    List<Future<Void>> loops = new ArrayList<>();
    for (String id : ids) {
      loops.add(loop(id, deadline, latencies, count, errors));
    }
    Future.all(loops).await();
    double elapsed = (System.nanoTime() - start) / 1e9;
    long cpuTicks = cpuTicks(gatewayPid) - cpuStart;
    int n = Math.min(count.get(), latencies.length);
    long[] sorted = Arrays.copyOf(latencies, n);
    Arrays.sort(sorted);
    System.out.printf("target: %s:%d%s%n", host, port, path);
    System.out.printf("sessions: %d, set-up of all sessions: %.0f ms (%.1f ms per session, concurrent)%n",
        sessions, setupMs, setupMs / sessions);
    System.out.printf("requests: %d in %.1f s = %.0f req/s, errors: %d%n", count.get(), elapsed, count.get() / elapsed,
        errors.get());
    System.out.printf("latency ms: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f%n", pct(sorted, 50), pct(sorted, 90),
        pct(sorted, 99), n == 0 ? 0 : sorted[n - 1] / 1e6);
    if (gatewayPid > 0) {
      System.out.printf("gateway (pid %d%s) CPU: %.2f s = %.3f ms per call; RSS %d MB%n", gatewayPid,
          gatewayPid == ProcessHandle.current().pid() ? ", includes this client" : "",
          cpuTicks / (double) CLOCK_TICKS, cpuTicks * 1000.0 / CLOCK_TICKS / Math.max(1, count.get()), rssKb(gatewayPid) / 1024);
    }
    Future.all(ids.stream().map(this::close).toList()).await();
  }

  /** Clock ticks per second of {@code /proc/<pid>/stat} (USER_HZ, 100 on Linux). */
  private static final int CLOCK_TICKS = 100;

  /** User plus system CPU of a process in clock ticks, from {@code /proc/<pid>/stat}; 0 without one. */
  static long cpuTicks(long pid) {
    if (pid <= 0) {
      return 0;
    }
    try {
      String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    } catch (IOException e) {
      return 0;
    }
  }

  /** Resident memory of a process in KB, from {@code /proc/<pid>/status}. */
  static long rssKb(long pid) {
    try {
      return Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status")).stream()
          .filter(l -> l.startsWith("VmRSS:")).map(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst().orElse(0L);
    } catch (IOException e) {
      return 0;
    }
  }

  private Future<Void> loop(String session, long deadline, long[] latencies, AtomicInteger count, AtomicInteger errors) {
    if (System.nanoTime() > deadline) {
      return Future.succeededFuture();
    }
    long t0 = System.nanoTime();
    int seq = count.get();
    JsonObject call = new JsonObject().put("jsonrpc", "2.0").put("id", seq).put("method", "tools/call")
        .put("params", new JsonObject().put("name", "echo").put("arguments", new JsonObject().put("n", seq)));
    return post(session, call).compose(response -> {
      int i = count.getAndIncrement();
      if (response.statusCode() != 200 || response.bodyAsString() == null || !response.bodyAsString().contains("\"result\"")) {
        errors.incrementAndGet();
      }
      if (i < latencies.length) {
        latencies[i] = System.nanoTime() - t0;
      }
      return loop(session, deadline, latencies, count, errors);
    }, e -> {
      errors.incrementAndGet();
      return loop(session, deadline, latencies, count, errors);
    });
  }

  /** Opens a session: initialize, then notifications/initialized; the session id. */
  Future<String> open() {
    JsonObject init = new JsonObject().put("jsonrpc", "2.0").put("id", 0).put("method", "initialize")
        .put("params", new JsonObject().put("protocolVersion", "2025-06-18").put("capabilities", new JsonObject())
            .put("clientInfo", new JsonObject().put("name", "bench").put("version", "1")));
    return post(null, init).compose(response -> {
      String id = response.getHeader(McpHeaders.SESSION_ID);
      if (response.statusCode() != 200 || id == null) {
        return Future.failedFuture("initialize answered " + response.statusCode() + ": " + response.bodyAsString());
      }
      JsonObject initialized = new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/initialized");
      return post(id, initialized).map(id);
    });
  }

  /** Pings a session; whether it answered. */
  Future<Boolean> ping(String session) {
    JsonObject ping = new JsonObject().put("jsonrpc", "2.0").put("id", "ping").put("method", "ping");
    return post(session, ping).map(r -> r.statusCode() == 200 && r.bodyAsString() != null
        && r.bodyAsString().contains("\"result\"")).otherwise(false);
  }

  /** Ends a session with DELETE. */
  Future<Void> close(String session) {
    return client.request(HttpMethod.DELETE, port, host, path).putHeader(McpHeaders.SESSION_ID, session).send().mapEmpty();
  }

  private Future<HttpResponse<Buffer>> post(String session, JsonObject body) {
    var request = client.request(HttpMethod.POST, port, host, path)
        .putHeader("Accept", ACCEPT).putHeader("Content-Type", "application/json")
        .putHeader(McpHeaders.PROTOCOL_VERSION, "2025-06-18").timeout(60_000);
    if (session != null) {
      request.putHeader(McpHeaders.SESSION_ID, session);
    }
    return request.sendBuffer(body.toBuffer());
  }

  private static double pct(long[] sorted, int p) {
    return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) (sorted.length * p / 100.0))] / 1e6;
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> map = new java.util.HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      map.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    return map;
  }
}
