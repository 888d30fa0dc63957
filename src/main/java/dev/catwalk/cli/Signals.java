package dev.catwalk.cli;

import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;

/** SIGTERM/SIGINT handling shared by the long-running commands: run a graceful shutdown, then return. */
final class Signals {

  private static final Logger LOG = LoggerFactory.getLogger(Signals.class);

  private Signals() {
  }

  /** Blocks the calling (main) thread until SIGTERM or SIGINT arrives and {@code shutdown} has completed. */
  static void awaitTermination(Supplier<Future<?>> shutdown) throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    for (String name : new String[] {"TERM", "INT"}) {
      Signal.handle(new Signal(name), signal -> {
        LOG.info("SIG{} received: shutting down gracefully", signal.getName());
        shutdown.get().onComplete(ar -> stopped.countDown());
      });
    }
    stopped.await();
  }
}
