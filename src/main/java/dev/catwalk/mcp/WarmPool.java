package dev.catwalk.mcp;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Server processes started ahead of their sessions ({@code runner --warm N}): a new session takes a
 * running process, so its {@code initialize} does not wait for a process to start, and the pool
 * starts a replacement in the background. A process is handed out once (taken off a concurrent
 * queue); one that exits while pooled is dropped and replaced after a pause; the pool never holds
 * more than its size, and starts none while the live processes it made (pooled and handed out)
 * reach the process budget. {@link #close()} ends the pooled processes (stop, drain); handed-out
 * ones end with their sessions.
 */
public final class WarmPool {

  private static final Logger LOG = LoggerFactory.getLogger(WarmPool.class);
  /** Pause before replacing a pooled process that exited by itself (a crashing server is not restarted in a loop). */
  private static final long RESTART_PAUSE_MILLIS = 2_000;

  private final Vertx vertx;
  private final Context context;
  private final Supplier<StdioUpstream> factory;
  private final int size;
  private final int processBudget;
  private final Queue<StdioUpstream> ready = new ConcurrentLinkedQueue<>();
  private final AtomicInteger live = new AtomicInteger();
  /** Processes being started for the pool (touched on the pool's context only). */
  private int starting;
  private volatile boolean closed;

  /**
   * A pool on the current context, filling at once.
   *
   * @param factory       makes one unstarted upstream (called on the pool's context)
   * @param size          processes kept ready
   * @param processBudget live processes the pool may have made at most (pooled and handed out)
   */
  public WarmPool(Vertx vertx, Supplier<StdioUpstream> factory, int size, int processBudget) {
    if (size < 1 || processBudget < size) {
      throw new IllegalArgumentException("a warm pool needs a size of at least 1 and a process budget of at least its size");
    }
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.factory = factory;
    this.size = size;
    this.processBudget = processBudget;
    context.runOnContext(v -> refill());
  }

  /**
   * An upstream for a new session, owned by the calling context: a running process from the pool,
   * or a new unstarted one when the pool is empty.
   */
  public Upstream take() {
    StdioUpstream pooled = ready.poll();
    context.runOnContext(v -> refill());
    if (pooled != null) {
      return pooled.adopt();
    }
    return counted(factory.get());
  }

  /** Processes ready now. */
  public int ready() {
    return ready.size();
  }

  /** Ends the pooled processes and starts no more; completes when they are gone. */
  public Future<Void> close() {
    closed = true;
    List<Future<Void>> ending = new ArrayList<>();
    for (StdioUpstream pooled = ready.poll(); pooled != null; pooled = ready.poll()) {
      ending.add(pooled.close());
    }
    return Future.join(ending).mapEmpty();
  }

  private StdioUpstream counted(StdioUpstream upstream) {
    live.incrementAndGet();
    upstream.exited().onComplete(v -> live.decrementAndGet());
    return upstream;
  }

  private void refill() {
    while (!closed && ready.size() + starting < size && live.get() + starting < processBudget) {
      starting++;
      StdioUpstream upstream = counted(factory.get());
      upstream.exitHandler(exit -> {
        if (ready.remove(upstream) && !closed) {
          LOG.warn("a pooled MCP server process ended by itself: {}", exit.reason());
          vertx.setTimer(RESTART_PAUSE_MILLIS, t -> refill());
        }
      });
      upstream.start().onComplete(ar -> {
        starting--;
        if (ar.failed()) {
          LOG.warn("cannot start a pooled MCP server process: {}", ar.cause().getMessage());
          vertx.setTimer(RESTART_PAUSE_MILLIS, t -> refill());
        } else if (closed) {
          upstream.close();
        } else {
          ready.add(upstream);
        }
      });
    }
  }
}
