package dev.catwalk.testsupport.fly;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The local process behind one boot of a fake Machine, with every descendant it was seen to have,
 * so that a stop or a kill leaves nothing running (the runner's session servers included).
 * Blocking work (spawn, signals, waiting) runs on worker threads; results come back on the fake's
 * context.
 */
final class MachineProcess {

  private static final long POLL_MILLIS = 50;
  private static final long REAP_SECONDS = 10;

  private final Context context;
  private final Process process;
  private final Set<ProcessHandle> seen = ConcurrentHashMap.newKeySet();
  private final Promise<Integer> exited = Promise.promise();
  private boolean requestedStop;

  private MachineProcess(Context context, Process process) {
    this.context = context;
    this.process = process;
    seen.add(process.toHandle());
    process.onExit().whenComplete((p, e) -> context.runOnContext(v -> exited.tryComplete(process.exitValue())));
  }

  /** Starts {@code argv} with exactly {@code env}, output appended to {@code log}. */
  static Future<MachineProcess> spawn(Context context, List<String> argv, Map<String, String> env, Path log) {
    return context.executeBlocking(() -> {
      ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      builder.environment().clear();
      builder.environment().putAll(env);
      Process process = builder.start();
      process.getOutputStream().close();
      return new MachineProcess(context, process);
    }, false);
  }

  /** Completes (on the fake's context) with the exit code when the main process has exited. */
  Future<Integer> exited() {
    return exited.future();
  }

  /** Whether a stop was asked for through the API (so its exit is not a crash). */
  boolean requestedStop() {
    return requestedStop;
  }

  /** Whether the process or any descendant seen so far is still running. */
  boolean alive() {
    return seen.stream().anyMatch(ProcessHandle::isAlive);
  }

  /**
   * Sends {@code signal} (SIGINT, SIGTERM, …), waits up to {@code timeout} for the process to exit,
   * then kills whatever of its tree is left. Completes with the exit code.
   */
  Future<Integer> stop(String signal, Duration timeout) {
    requestedStop = true;
    return context.executeBlocking(() -> {
      record();
      signal(signal);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline && !process.waitFor(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
        record();
      }
      reap();
      return null;
    }, false).compose(v -> exited());
  }

  /** Kills the whole tree (SIGKILL), as a crash or a forced destroy would. */
  Future<Integer> kill(boolean requested) {
    requestedStop |= requested;
    return context.executeBlocking(() -> {
      reap();
      return null;
    }, false).compose(v -> exited());
  }

  /** For the JVM shutdown hook: kills the tree from any thread, without waiting. */
  void killNow() {
    record();
    seen.forEach(ProcessHandle::destroyForcibly);
  }

  private void record() {
    if (process.isAlive()) {
      process.descendants().forEach(seen::add);
    }
  }

  private void signal(String signal) throws InterruptedException {
    try {
      Process kill = new ProcessBuilder("kill", "-s", signal.replaceFirst("^SIG", ""), Long.toString(process.pid()))
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (kill.waitFor(5, TimeUnit.SECONDS) && kill.exitValue() == 0) {
        return;
      }
    } catch (IOException e) {
      // fall through to SIGTERM
    }
    process.destroy();
  }

  /**
   * SIGKILL for every descendant seen, then (once they are gone, reaped by the still running main
   * process rather than left to PID 1) for the main process, then waits until all are gone.
   */
  private void reap() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(REAP_SECONDS);
    for (int pass = 0; pass < 2; pass++) {
      record();
      seen.stream().filter(handle -> handle.pid() != process.pid()).forEach(ProcessHandle::destroyForcibly);
      awaitGone(deadline);
    }
    process.destroyForcibly();
    process.waitFor(REAP_SECONDS, TimeUnit.SECONDS);
    seen.forEach(ProcessHandle::destroyForcibly);
    awaitGone(deadline);
  }

  private void awaitGone(long deadline) throws InterruptedException {
    for (ProcessHandle handle : seen) {
      while (handle.pid() != process.pid() && handle.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(POLL_MILLIS / 5);
      }
    }
  }
}
