package dev.catwalk.cli;

import dev.catwalk.config.CatwalkConfig;
import dev.catwalk.config.ConfigException;
import dev.catwalk.config.ConfigLoader;
import dev.catwalk.config.DevSecrets;
import dev.catwalk.crypto.KeyMismatchException;
import dev.catwalk.db.DatabaseException;
import dev.catwalk.http.PortInUseException;
import dev.catwalk.sandbox.SandboxUnavailableException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * What every command shares: a Vert.x instance, the checked configuration, and one place that turns
 * start-up failures into a message on standard error and an exit code.
 */
abstract class Bootstrap implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(Bootstrap.class);

  /** Runs the command with a ready configuration; returns the exit code. */
  protected abstract int run(Vertx vertx, CatwalkConfig config) throws Exception;

  /** What the command needs from the configuration. */
  protected abstract CatwalkConfig.Purpose purpose();

  @Override
  public final Integer call() {
    Vertx vertx = Vertx.vertx();
    try {
      CatwalkConfig config = loadConfig(vertx).await();
      return run(vertx, config);
    } catch (ConfigException e) {
      System.err.println("catwalk: " + e.getMessage());
      return ExitCodes.USAGE;
    } catch (DatabaseException | PortInUseException | SandboxUnavailableException | KeyMismatchException e) {
      System.err.println("catwalk: " + e.getMessage());
      return ExitCodes.FAILURE;
    } catch (Exception e) {
      LOG.error("catwalk failed", e);
      System.err.println("catwalk: " + e.getMessage());
      return ExitCodes.FAILURE;
    } finally {
      vertx.close().await();
    }
  }

  private Future<CatwalkConfig> loadConfig(Vertx vertx) {
    return ConfigLoader.loadRaw(vertx, new JsonObject())
        .compose(raw -> purpose() == CatwalkConfig.Purpose.MIGRATE ? Future.succeededFuture(raw)
            : withDevSecrets(vertx, raw, purpose() == CatwalkConfig.Purpose.SERVE))
        .map(raw -> CatwalkConfig.from(raw, purpose()));
  }

  /** Development secrets on a loopback machine: {@code serve} creates them and says so; {@code admin} only reads them. */
  private static Future<JsonObject> withDevSecrets(Vertx vertx, JsonObject raw, boolean serve) {
    return vertx.executeBlocking(() -> {
      Path file = DevSecrets.fillMissing(raw, serve);
      if (file != null && serve) {
        LOG.warn("no encryption key or admin token configured: using development secrets from {} "
            + "(bound to loopback only; set CATWALK_ENCRYPTION_KEY and CATWALK_ADMIN_TOKEN for real use)", file);
      }
      return raw;
    }, false);
  }
}
