package dev.catwalk.bench;

import dev.catwalk.mcp.Runner;
import io.vertx.core.Future;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * {@code RelayBenchmark --idle K}: the gateway's own memory per idle session. The gateway runs as its
 * own process ({@code java -jar target/catwalk.jar runner}) in front of {@code bench/idle_server.c}
 * (compiled here with gcc: about 50 KB of private memory per server process); this process is only
 * the client. It opens K sessions (initialize, then notifications/initialized) and leaves them idle,
 * and prints the gateway JVM's resident memory ({@code VmRSS} of that process alone, not of its
 * children) and heap in use, each after a full GC forced with {@code jcmd GC.run}, before and after,
 * and per session; the same RSS once more after {@code jcmd System.trim_native_heap} (malloc_trim: memory
 * the C heap keeps after the set-up burst although it is free); the gateway's CPU use while the
 * sessions sit idle. Then it pings every session, ends them all and the gateway, and checks that no
 * server process is left.
 *
 * <p>Options: {@code --jar PATH} (default {@code target/catwalk.jar}), {@code --gateway-jvm "ARGS"}
 * (extra JVM options for the gateway, space separated), {@code --histogram ROWS} (the classes whose
 * heap use grew most), {@code --nmt true} (the JVM's native memory by category, growth during the run).
 */
final class IdleMemory {

  private static final int WAVE = 50;
  /** Idle time before the measurement: the gateway's pipe threads of the set-up end after 10 s without work. */
  private static final long SETTLE_MILLIS = 12_000;
  /** Then the gateway's CPU use is measured over this much more idle time. */
  private static final long CPU_MILLIS = 10_000;
  /** Clock ticks per second of /proc/PID/stat (USER_HZ, 100 on Linux). */
  private static final int CLOCK_TICKS = 100;

  private final RelayBenchmark client;
  private final Map<String, String> opts;
  private final Path javaBin = Path.of(System.getProperty("java.home"), "bin");

  IdleMemory(RelayBenchmark client, Map<String, String> opts) {
    this.client = client;
    this.opts = opts;
  }

  void measure(int sessions) throws Exception {
    Path dir = Files.createTempDirectory("catwalk-idle-bench-");
    Path serverBinary = compileServer(dir);
    int port = RelayBenchmark.freePort();
    boolean nmt = Boolean.parseBoolean(opts.getOrDefault("nmt", "false"));
    int histogramRows = Integer.parseInt(opts.getOrDefault("histogram", "0"));
    boolean histogram = histogramRows > 0;
    List<String> command = new ArrayList<>(List.of(javaBin.resolve("java").toString()));
    if (nmt) {
      command.add("-XX:NativeMemoryTracking=summary");
    }
    command.addAll(Arrays.stream(opts.getOrDefault("gateway-jvm", "").split(" ")).filter(s -> !s.isBlank()).toList());
    command.addAll(List.of("-jar", Path.of(opts.getOrDefault("jar", "target/catwalk.jar")).toAbsolutePath().toString(),
        "runner", "--host", "127.0.0.1", "--port", String.valueOf(port), "--", serverBinary.toString()));
    Path log = dir.resolve("gateway.log");
    Process gateway = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    List<ProcessHandle> upstreams = List.of();
    try {
      awaitHealth(gateway, port, log);
      client.target("127.0.0.1", port, Runner.MCP_PATH);
      // One session opened and ended first, so that classes loaded by the first session count in the baseline.
      client.close(client.open().await()).await();
      awaitChildren(gateway, 0);
      Snapshot before = snapshot(gateway.pid(), histogram);
      if (nmt) {
        jcmd(gateway.pid(), "VM.native_memory", "baseline");
      }

      long start = System.nanoTime();
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < sessions; i += WAVE) {
        ids.addAll(Future.all(IntStream.range(i, Math.min(sessions, i + WAVE)).mapToObj(k -> client.open()).toList())
            .await().<String>list());
        System.err.printf("\ropened %d sessions", ids.size());
      }
      System.err.println();
      double setupMs = (System.nanoTime() - start) / 1e6;
      upstreams = gateway.toHandle().children().toList();
      Thread.sleep(SETTLE_MILLIS);
      long cpuStart = cpuTicks(gateway.pid());
      Thread.sleep(CPU_MILLIS);
      double idleCpu = (cpuTicks(gateway.pid()) - cpuStart) / (double) CLOCK_TICKS / (CPU_MILLIS / 1000.0);
      Snapshot after = snapshot(gateway.pid(), histogram);

      System.out.printf("gateway: pid %d, %s%n", gateway.pid(), String.join(" ", command.subList(0, command.indexOf("--"))));
      System.out.printf("idle sessions: %d open, %d server processes (children of the gateway), "
          + "set-up %.0f ms (%.1f ms per session, %d at a time)%n", ids.size(), upstreams.size(), setupMs,
          setupMs / sessions, WAVE);
      System.out.printf("gateway RSS after full GC: before %d KB, after %d KB, delta %d KB = %.1f KB per idle session%n",
          before.rssKb, after.rssKb, after.rssKb - before.rssKb, (after.rssKb - before.rssKb) / (double) sessions);
      System.out.printf("gateway RSS after full GC and malloc_trim (jcmd System.trim_native_heap): before %d KB, "
          + "after %d KB, delta %d KB = %.1f KB per idle session%n", before.trimmedRssKb, after.trimmedRssKb,
          after.trimmedRssKb - before.trimmedRssKb, (after.trimmedRssKb - before.trimmedRssKb) / (double) sessions);
      System.out.printf("gateway heap used after full GC: before %d KB, after %d KB, delta %d KB = %.1f KB per idle session%n",
          before.heapKb, after.heapKb, after.heapKb - before.heapKb, (after.heapKb - before.heapKb) / (double) sessions);
      System.out.printf("gateway heap committed: before %d KB, after %d KB; threads: before %d, after %d; "
          + "CPU while idle (%d to %d s after the set-up): %.1f %% of one core%n", before.heapCommittedKb, after.heapCommittedKb, before.threads,
          after.threads, SETTLE_MILLIS / 1000, (SETTLE_MILLIS + CPU_MILLIS) / 1000, idleCpu * 100);
      if (histogram) {
        printHistogramGrowth(before.histogram, after.histogram, sessions, histogramRows);
      }
      if (nmt) {
        jcmd(gateway.pid(), "VM.native_memory", "summary.diff", "scale=KB").lines()
            .filter(l -> l.startsWith("-") || l.contains("Total:")).forEach(l -> System.out.println("nmt " + l.strip()));
      }

      start = System.nanoTime();
      int answered = 0;
      for (int i = 0; i < ids.size(); i += WAVE) {
        answered += Future.all(ids.subList(i, Math.min(ids.size(), i + WAVE)).stream().map(client::ping).toList())
            .await().<Boolean>list().stream().mapToInt(ok -> ok ? 1 : 0).sum();
      }
      System.out.printf("after the idle time: %d of %d sessions answered a ping (%.0f ms for all, %d at a time)%n",
          answered, ids.size(), (System.nanoTime() - start) / 1e6, WAVE);

      start = System.nanoTime();
      for (int i = 0; i < ids.size(); i += WAVE) {
        Future.all(ids.subList(i, Math.min(ids.size(), i + WAVE)).stream().map(client::close).toList()).await();
      }
      awaitChildren(gateway, 0);
      System.out.printf("ended all sessions in %.0f ms; server processes left: %d%n", (System.nanoTime() - start) / 1e6,
          gateway.toHandle().children().count());
    } finally {
      List<ProcessHandle> servers = new ArrayList<>(upstreams);
      servers.addAll(gateway.toHandle().descendants().toList());
      stop(gateway);
      int left = 0;
      for (ProcessHandle survivor : servers) {
        if (survivor.isAlive()) {
          left++;
          survivor.destroyForcibly();
        }
      }
      System.out.printf("gateway exited with %s; server processes alive after it: %d%s%n",
          gateway.isAlive() ? "(still running)" : String.valueOf(gateway.exitValue()), left, left > 0 ? " (killed)" : "");
      deleteTree(dir);
    }
  }

  /** Compiles idle_server.c, statically when the C library allows it. */
  private Path compileServer(Path dir) throws IOException, InterruptedException {
    Path source = dir.resolve("idle_server.c");
    try (InputStream in = IdleMemory.class.getResourceAsStream("/bench/idle_server.c")) {
      Files.copy(in, source);
    }
    Path binary = dir.resolve("idle_server");
    for (List<String> gcc : List.of(List.of("gcc", "-O2", "-static"), List.of("gcc", "-O2"))) {
      List<String> command = new ArrayList<>(gcc);
      command.addAll(List.of("-o", binary.toString(), source.toString()));
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (process.waitFor() == 0) {
        return binary;
      }
      System.err.println(String.join(" ", command) + " failed: " + output.strip());
    }
    throw new IllegalStateException("cannot compile " + source + " (is gcc installed?)");
  }

  private static void awaitHealth(Process gateway, int port, Path log) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + Runner.HEALTH_PATH)).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline && gateway.isAlive()) {
      try {
        if (http.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("the gateway did not start; its output:\n" + Files.readString(log));
  }

  private static void awaitChildren(Process gateway, int count) throws InterruptedException {
    for (int i = 0; i < 300 && gateway.toHandle().children().count() != count; i++) {
      Thread.sleep(100);
    }
  }

  private static void stop(Process gateway) throws InterruptedException {
    gateway.destroy();
    if (!gateway.waitFor(30, TimeUnit.SECONDS)) {
      gateway.destroyForcibly();
      gateway.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** The gateway's memory after a full GC. */
  private record Snapshot(long rssKb, long trimmedRssKb, long heapKb, long heapCommittedKb, long threads,
                          Map<String, long[]> histogram) {
  }

  private Snapshot snapshot(long pid, boolean withHistogram) throws Exception {
    jcmd(pid, "GC.run");
    Thread.sleep(500);
    Map<String, long[]> histogram = withHistogram ? histogram(jcmd(pid, "GC.class_histogram")) : Map.of();
    Map<String, String> status = status(pid);
    jcmd(pid, "System.trim_native_heap");
    Map<String, Double> gc = jstat(pid);
    long heapUsed = Math.round(gc.get("S0U") + gc.get("S1U") + gc.get("EU") + gc.get("OU"));
    long heapCommitted = Math.round(gc.get("S0C") + gc.get("S1C") + gc.get("EC") + gc.get("OC"));
    return new Snapshot(kb(status.get("VmRSS")), kb(status(pid).get("VmRSS")), heapUsed, heapCommitted,
        Long.parseLong(status.get("Threads")), histogram);
  }

  /** /proc/PID/status of that process alone (its children are not counted). */
  private static Map<String, String> status(long pid) throws IOException {
    Map<String, String> status = new HashMap<>();
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      int colon = line.indexOf(':');
      status.put(line.substring(0, colon), line.substring(colon + 1).strip());
    }
    return status;
  }

  /** User and system CPU time of a process so far, in clock ticks. */
  private static long cpuTicks(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
  }

  private static long kb(String value) {
    return Long.parseLong(value.replaceAll("\\D", ""));
  }

  /** {@code jstat -gc}: column name to value (KB). */
  private Map<String, Double> jstat(long pid) throws Exception {
    List<String> lines = run(List.of(javaBin.resolve("jstat").toString(), "-gc", String.valueOf(pid))).lines()
        .filter(l -> !l.isBlank()).toList();
    String[] names = lines.get(0).strip().split("\\s+");
    String[] values = lines.get(1).strip().split("\\s+");
    Map<String, Double> columns = new HashMap<>();
    for (int i = 0; i < names.length; i++) {
      columns.put(names[i], values[i].equals("-") ? 0 : Double.parseDouble(values[i]));
    }
    return columns;
  }

  private String jcmd(long pid, String... command) throws Exception {
    List<String> line = new ArrayList<>(List.of(javaBin.resolve("jcmd").toString(), String.valueOf(pid)));
    line.addAll(List.of(command));
    return run(line);
  }

  private static String run(List<String> command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (process.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
    }
    return output;
  }

  /** {@code GC.class_histogram} rows: class name to {instances, bytes}. */
  private static Map<String, long[]> histogram(String output) {
    Map<String, long[]> rows = new HashMap<>();
    for (String line : output.lines().toList()) {
      String[] cells = line.strip().split("\\s+");
      if (cells.length >= 4 && cells[0].endsWith(":")) {
        rows.put(cells[3], new long[] {Long.parseLong(cells[1]), Long.parseLong(cells[2])});
      }
    }
    return rows;
  }

  private static void printHistogramGrowth(Map<String, long[]> before, Map<String, long[]> after, int sessions,
                                          int rows) {
    System.out.println("heap growth by class (after full GC), largest first:");
    after.entrySet().stream()
        .map(e -> Map.entry(e.getKey(), new long[] {
            e.getValue()[0] - before.getOrDefault(e.getKey(), new long[2])[0],
            e.getValue()[1] - before.getOrDefault(e.getKey(), new long[2])[1]}))
        .sorted(Comparator.comparingLong((Map.Entry<String, long[]> e) -> e.getValue()[1]).reversed())
        .limit(rows)
        .forEach(e -> System.out.printf("  %9d B  %7.1f B/session  %7d instances  %s%n", e.getValue()[1],
            e.getValue()[1] / (double) sessions, e.getValue()[0], e.getKey()));
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
