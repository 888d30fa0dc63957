package dev.catwalk.cli;

import dev.catwalk.config.CatwalkConfig;
import dev.catwalk.config.ConfigException;
import dev.catwalk.config.ConfigLoader;
import dev.catwalk.http.PortInUseException;
import dev.catwalk.mcp.RelayOptions;
import dev.catwalk.mcp.Runner;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code catwalk runner [--host H] [--port P] -- COMMAND ARGS…}: serves one stdio MCP server as
 * Streamable HTTP at {@code http://H:P/mcp}. Binds {@code FLY_PRIVATE_IP} when set (inside a Fly
 * Machine), else {@code --host}. {@code CATWALK_RUNNER_TOKEN}, when set, is required as a bearer token.
 */
@Command(name = "runner", mixinStandardHelpOptions = true,
    description = "Serve one stdio MCP server as Streamable HTTP at http://HOST:PORT/mcp.")
public final class RunnerCommand implements Callable<Integer> {

  /** Environment variable with the bearer token the runner requires. */
  public static final String TOKEN_ENV = "CATWALK_RUNNER_TOKEN";
  /** Fly's private address of the Machine, bound instead of --host when set. */
  public static final String FLY_PRIVATE_IP_ENV = "FLY_PRIVATE_IP";

  private static final Logger LOG = LoggerFactory.getLogger(RunnerCommand.class);

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default ${DEFAULT-VALUE}).")
  private String host;

  @Option(names = "--port", defaultValue = "8080", description = "Port to listen on (default ${DEFAULT-VALUE}).")
  private int port;

  @Option(names = "--allow-origin", paramLabel = "ORIGIN",
      description = "A browser origin allowed besides loopback ones (repeatable; * allows any).")
  private List<String> allowedOrigins = new java.util.ArrayList<>();

  @Parameters(arity = "1..*", paramLabel = "COMMAND", description = "The stdio MCP server's command and arguments.")
  private List<String> command;

  @Override
  public Integer call() throws InterruptedException {
    Map<String, String> env = System.getenv();
    String bind = env.getOrDefault(FLY_PRIVATE_IP_ENV, "").isBlank() ? host : env.get(FLY_PRIVATE_IP_ENV);
    Vertx vertx = Vertx.vertx();
    try {
      RelayOptions options = CatwalkConfig.relayOptions(ConfigLoader.loadRaw(vertx, new io.vertx.core.json.JsonObject())
          .await()).withDnsRebindingProtection(CatwalkConfig.isLoopback(bind)).withAllowedOrigins(allowedOrigins);
      vertx.executeBlocking(() -> {
        PortInUseException.requireFree("--port", bind, port);
        return null;
      }, false).await();
      Map<String, String> serverEnv = new java.util.HashMap<>(env);
      serverEnv.remove(TOKEN_ENV);
      Runner runner = Runner.start(vertx, bind, port, resolvePaths(command), serverEnv, env.get(TOKEN_ENV), options)
          .await();
      LOG.info("runner serving '{}' at http://{}:{}/mcp", command.get(0), bind.contains(":") ? "[" + bind + "]" : bind, port);
      Signals.awaitTermination(runner::close);
      return 0;
    } catch (ConfigException e) {
      System.err.println("catwalk: " + e.getMessage());
      return dev.catwalk.Main.EXIT_USAGE;
    } catch (PortInUseException e) {
      System.err.println("catwalk: " + e.getMessage());
      return dev.catwalk.Main.EXIT_FAILURE;
    } finally {
      vertx.close().await();
    }
  }

  /**
   * Each session runs in its own temporary directory, so relative paths in the command that name
   * existing files (also the entries of a class path or search path such as {@code a.jar:lib/b})
   * are made absolute against the directory the runner was started in.
   */
  static List<String> resolvePaths(List<String> command) {
    return command.stream().map(RunnerCommand::absoluteIfExisting).toList();
  }

  private static String absoluteIfExisting(String argument) {
    if (argument.startsWith("-") || argument.isEmpty()) {
      return argument;
    }
    if (argument.contains(java.io.File.pathSeparator)) {
      return java.util.Arrays.stream(argument.split(java.io.File.pathSeparator, -1))
          .map(RunnerCommand::absolutePath).collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
    }
    return absolutePath(argument);
  }

  private static String absolutePath(String argument) {
    try {
      java.nio.file.Path path = java.nio.file.Path.of(argument);
      return !argument.isEmpty() && !path.isAbsolute() && java.nio.file.Files.exists(path)
          ? path.toAbsolutePath().toString() : argument;
    } catch (java.nio.file.InvalidPathException e) {
      return argument;
    }
  }

}
