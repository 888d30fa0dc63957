package dev.catwalk.cli;

import dev.catwalk.Gateway;
import dev.catwalk.config.CatwalkConfig;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import sun.misc.Signal;

import java.util.concurrent.CountDownLatch;

/**
 * {@code catwalk serve}: runs the gateway until SIGTERM or SIGINT, then stops accepting, lets
 * in-flight requests finish (bounded by {@code CATWALK_SHUTDOWN_TIMEOUT}), closes the pool and exits 0.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Run the Catwalk gateway (configuration from conf/config.yaml and the environment).")
public final class ServeCommand extends Bootstrap {

  private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

  @Override
  protected CatwalkConfig.Purpose purpose() {
    return CatwalkConfig.Purpose.SERVE;
  }

  @Override
  protected int run(Vertx vertx, CatwalkConfig config) throws InterruptedException {
    Gateway gateway = Gateway.start(vertx, config).await();
    CountDownLatch stopped = new CountDownLatch(1);
    Runnable shutdown = () -> gateway.close().onComplete(ar -> stopped.countDown());
    Signal.handle(new Signal("TERM"), signal -> onSignal(signal, shutdown));
    Signal.handle(new Signal("INT"), signal -> onSignal(signal, shutdown));
    stopped.await();
    return 0;
  }

  private static void onSignal(Signal signal, Runnable shutdown) {
    LOG.info("SIG{} received: shutting down gracefully", signal.getName());
    shutdown.run();
  }
}
