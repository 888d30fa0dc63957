package dev.catwalk.sandbox;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Starts child processes from one platform thread that lives as long as the JVM.
 *
 * <p>bubblewrap's {@code --die-with-parent} uses {@code PR_SET_PDEATHSIG}, which the kernel fires when
 * the <em>thread</em> that started the process ends, not the process. A process started from a pool
 * thread would be killed when that thread retires while idle; one started here is killed only when the
 * JVM ends, however it ends ({@code kill -9} included). Starting is the only thing this thread does.
 */
public final class ProcessSpawner {

  private static final LinkedBlockingQueue<Request> QUEUE = new LinkedBlockingQueue<>();

  static {
    Thread.ofPlatform().daemon().name("catwalk-process-spawner").start(ProcessSpawner::serve);
  }

  private record Request(ProcessBuilder builder, CompletableFuture<Process> started) {
  }

  private ProcessSpawner() {
  }

  /**
   * Starts {@code builder}'s process on the spawner thread and waits for it to have started (call from a
   * thread that may block, never an event loop).
   *
   * @throws IOException as {@link ProcessBuilder#start()} does
   */
  public static Process start(ProcessBuilder builder) throws IOException {
    CompletableFuture<Process> started = new CompletableFuture<>();
    QUEUE.add(new Request(builder, started));
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

  @SuppressWarnings("InfiniteLoopStatement")
  private static void serve() {
    while (true) {
      Request request;
      try {
        request = QUEUE.take();
      } catch (InterruptedException e) {
        continue;
      }
      try {
        request.started().complete(request.builder().start());
      } catch (Throwable e) {
        request.started().completeExceptionally(e);
      }
    }
  }
}
