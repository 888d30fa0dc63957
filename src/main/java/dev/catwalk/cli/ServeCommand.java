package dev.catwalk.cli;

import dev.catwalk.Gateway;
import dev.catwalk.config.CatwalkConfig;
import io.vertx.core.Vertx;
import picocli.CommandLine.Command;

/**
 * {@code catwalk serve}: runs the gateway until SIGTERM or SIGINT, then stops accepting, lets
 * in-flight requests finish (bounded by {@code CATWALK_SHUTDOWN_TIMEOUT}), closes the pool and exits 0.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Run the Catwalk gateway (configuration from conf/config.yaml and the environment).")
public final class ServeCommand extends Bootstrap {

  @Override
  protected CatwalkConfig.Purpose purpose() {
    return CatwalkConfig.Purpose.SERVE;
  }

  @Override
  protected int run(Vertx vertx, CatwalkConfig config) throws InterruptedException {
    Gateway gateway = Gateway.start(vertx, config).await();
    Signals.awaitTermination(gateway::close);
    return 0;
  }
}
