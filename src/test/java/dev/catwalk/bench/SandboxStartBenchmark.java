package dev.catwalk.bench;

import dev.catwalk.mcp.ProcessSpawner;
import dev.catwalk.sandbox.Sandbox;
import dev.catwalk.sandbox.SandboxLimits;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code SandboxStartBenchmark [--runs N]}: what the sandbox adds to a session's start. For each server
 * ({@code /bin/cat}: the process start alone; {@code node} echoing stdin: a runtime) it starts the process
 * N times without the sandbox and N times inside bubblewrap, alternating, exactly as the local backend does
 * ({@link Sandbox#launch}, {@link ProcessSpawner}), writes one line and waits for it to come back on stdout;
 * it prints the median and 90th percentile of that time, in milliseconds.
 */
public final class SandboxStartBenchmark {

  private SandboxStartBenchmark() {
  }

  public static void main(String[] args) throws Exception {
    int runs = args.length == 2 && args[0].equals("--runs") ? Integer.parseInt(args[1]) : 20;
    String path = System.getenv("PATH");
    Path state = Files.createTempDirectory("catwalk-bench-sandbox-");
    Sandbox on = Sandbox.create(Sandbox.ON, path + ":/usr/bin", List.of(), state, List.of(), List.of());
    Sandbox off = Sandbox.off();
    Map<String, List<String>> servers = Map.of(
        "cat", List.of("/bin/cat"),
        "node", List.of("node", "-e", "process.stdin.on('data', d => process.stdout.write(d))"));
    System.out.printf("sandbox: %s, %d runs each, alternating%n", on.describe(), runs);
    System.out.printf("%-6s %-8s %10s %10s%n", "server", "sandbox", "p50 ms", "p90 ms");
    for (String name : List.of("cat", "node")) {
      List<Double> plain = new ArrayList<>();
      List<Double> boxed = new ArrayList<>();
      for (int i = 0; i < runs; i++) {
        plain.add(startAndEcho(off, servers.get(name), path));
        boxed.add(startAndEcho(on, servers.get(name), path));
      }
      System.out.printf("%-6s %-8s %10.1f %10.1f%n", name, "off", percentile(plain, 50), percentile(plain, 90));
      System.out.printf("%-6s %-8s %10.1f %10.1f%n", name, "on", percentile(boxed, 50), percentile(boxed, 90));
    }
    on.forget("bench");
  }

  private static double startAndEcho(Sandbox sandbox, List<String> command, String path)
      throws IOException, InterruptedException {
    long start = System.nanoTime();
    Sandbox.Launch launch = sandbox.launch("bench", command, Map.of(), path, SandboxLimits.DEFAULTS);
    ProcessBuilder builder = new ProcessBuilder(launch.command()).redirectError(ProcessBuilder.Redirect.DISCARD);
    if (launch.exactEnv()) {
      builder.environment().clear();
    }
    builder.environment().putAll(launch.env());
    if (launch.workDir() != null) {
      builder.directory(launch.workDir().toFile());
    }
    Process process = ProcessSpawner.start(builder);
    try (OutputStream in = process.getOutputStream(); InputStream out = process.getInputStream()) {
      in.write("ping\n".getBytes(StandardCharsets.UTF_8));
      in.flush();
      byte[] line = new byte[5];
      int read = 0;
      while (read < line.length) {
        int n = out.read(line, read, line.length - read);
        if (n < 0) {
          throw new IOException("the server ended before answering");
        }
        read += n;
      }
      double millis = (System.nanoTime() - start) / 1e6;
      in.close();
      process.waitFor(10, TimeUnit.SECONDS);
      return millis;
    } finally {
      process.destroyForcibly();
    }
  }

  private static double percentile(List<Double> values, int p) {
    List<Double> sorted = values.stream().sorted().toList();
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
  }
}
