package dev.catwalk.mcp;

import io.vertx.core.Context;
import io.vertx.core.Future;

import java.io.IOException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The one long-lived platform thread that starts every child process of the JVM. A process is a
 * child of the thread that forked it as far as {@code PR_SET_PDEATHSIG} goes (bubblewrap's
 * {@code --die-with-parent}): the signal fires when that thread ends, so no pool thread that may
 * retire after some idle time may fork. This thread never ends; spawns run one at a time, in order.
 */
public final class ProcessSpawner {

  private static final BlockingQueue<Runnable> TASKS = new LinkedBlockingQueue<>();

  static {
    Thread.ofPlatform().daemon().name("catwalk-spawner").start(ProcessSpawner::run);
  }

  private ProcessSpawner() {
  }

  /** Runs {@code spawn} on the spawner thread; the future completes on {@code context}. */
  public static <T> Future<T> spawn(Context context, Callable<T> spawn) {
    return Future.fromCompletionStage(submit(spawn), context);
  }

  /**
   * Starts {@code builder}'s process on the spawner thread and waits for it to have started (from a
   * thread that may block, never an event loop).
   *
   * @throws IOException as {@link ProcessBuilder#start()} does
   */
  public static Process start(ProcessBuilder builder) throws IOException {
    CompletableFuture<Process> started = submit(builder::start);
    try {
      return started.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      started.thenAccept(Process::destroyForcibly);
      throw new IOException("interrupted while the process was starting", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException(e.getCause().getMessage(), e.getCause());
    }
  }

  private static <T> CompletableFuture<T> submit(Callable<T> spawn) {
    CompletableFuture<T> result = new CompletableFuture<>();
    TASKS.add(() -> {
      try {
        result.complete(spawn.call());
      } catch (Exception | Error e) {
        result.completeExceptionally(e);
      }
    });
    return result;
  }

  private static void run() {
    while (true) {
      try {
        TASKS.take().run();
      } catch (InterruptedException e) {
        Thread.interrupted();
      } catch (RuntimeException e) {
        org.slf4j.LoggerFactory.getLogger(ProcessSpawner.class).warn("a spawn task failed", e);
      }
    }
  }
}
