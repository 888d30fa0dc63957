package dev.catwalk.cli;

import dev.catwalk.config.CatwalkConfig;
import dev.catwalk.config.ConfigException;
import dev.catwalk.config.ConfigKeys;
import dev.catwalk.config.ConfigLoader;
import dev.catwalk.http.PortInUseException;
import dev.catwalk.mcp.RelayOptions;
import dev.catwalk.mcp.Runner;
import dev.catwalk.sandbox.Sandbox;
import dev.catwalk.sandbox.SandboxLimits;
import dev.catwalk.sandbox.SandboxUnavailableException;
import dev.catwalk.sandbox.SessionDirectories;
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
 * {@code catwalk runner [--host H] [--port P] -- COMMAND ARGS…} (or supergateway's form,
 * {@code --stdio "COMMAND ARGS"}, run by {@code sh -c}): serves one stdio MCP server as Streamable
 * HTTP at {@code http://H:P/mcp}. Binds {@code FLY_PRIVATE_IP} when set (inside a Fly Machine), else
 * {@code --host}. {@code CATWALK_RUNNER_TOKEN}, when set, is required as a bearer token.
 */
@Command(name = "runner", mixinStandardHelpOptions = true, usageHelpWidth = 100,
    customSynopsis = {"catwalk runner [OPTIONS] -- COMMAND [ARGS...]",
        "       catwalk runner [OPTIONS] --stdio \"COMMAND ARGS\""},
    description = {"Serve one stdio MCP server as Streamable HTTP at http://HOST:PORT/mcp; each MCP session gets its"
        + " own server process.", "", "The server's command goes after --, so that its own options (-y…) are not"
        + " read as the runner's; or give it as one string with --stdio, as supergateway takes it (run by sh -c).", ""},
    footer = {"", "Examples:", "  catwalk runner --port 3000 -- npx -y @modelcontextprotocol/server-everything",
        "  catwalk runner --port 3000 --stdio \"npx -y @modelcontextprotocol/server-everything\"",
        "MCP endpoint: http://127.0.0.1:3000/mcp   health: http://127.0.0.1:3000/health"})
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

  @Option(names = "--warm", paramLabel = "N", defaultValue = "0",
      description = "Server processes started ahead of sessions, so initialize does not wait for one (default ${DEFAULT-VALUE}).")
  private int warm;

  @Option(names = "--stdio", paramLabel = "\"COMMAND ARGS\"",
      description = "The server's command line as one string, run by sh -c (supergateway's form).")
  private String stdio;

  @Parameters(arity = "0..*", paramLabel = "COMMAND", description = "The stdio MCP server's command and arguments, after --.")
  private List<String> command = new java.util.ArrayList<>();

  @picocli.CommandLine.Spec
  private picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    List<String> serverCommand = serverCommand();
    Map<String, String> env = System.getenv();
    String bind = env.getOrDefault(FLY_PRIVATE_IP_ENV, "").isBlank() ? host : env.get(FLY_PRIVATE_IP_ENV);
    Vertx vertx = Vertx.vertx();
    try {
      io.vertx.core.json.JsonObject raw = ConfigLoader.loadRaw(vertx, new io.vertx.core.json.JsonObject()).await();
      RelayOptions options = CatwalkConfig.relayOptions(raw)
          .withDnsRebindingProtection(CatwalkConfig.isLoopback(bind)).withAllowedOrigins(allowedOrigins);
      Sandbox sandbox = vertx.executeBlocking(() -> sandbox(raw, env), false).await();
      vertx.executeBlocking(() -> {
        PortInUseException.requireFree("--port", bind, port);
        return null;
      }, false).await();
      Map<String, String> serverEnv = new java.util.HashMap<>(env);
      serverEnv.remove(TOKEN_ENV);
      Sandbox.Launch launch = sandbox.launch("runner", serverCommand, serverEnv,
          env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin"), SandboxLimits.DEFAULTS);
      Runner runner = Runner.start(vertx, bind, port, launch.command(), launch.env(), env.get(TOKEN_ENV), options,
          warm).await();
      LOG.info("runner serving '{}' at http://{}:{}/mcp", stdio != null ? stdio : command.get(0),
          bind.contains(":") ? "[" + bind + "]" : bind, port);
      Signals.awaitTermination(runner::close);
      return 0;
    } catch (ConfigException e) {
      System.err.println("catwalk: " + e.getMessage());
      return ExitCodes.USAGE;
    } catch (PortInUseException | SandboxUnavailableException e) {
      System.err.println("catwalk: " + e.getMessage());
      return ExitCodes.FAILURE;
    } finally {
      vertx.close().await();
    }
  }

  /**
   * The runner's sandbox ({@code CATWALK_LOCAL_SANDBOX}, {@code CATWALK_SANDBOX_BIND} from the environment or
   * conf/config.yaml); its server's home and caches are kept in {@code CATWALK_HOME/sandbox/runner}.
   */
  private static Sandbox sandbox(io.vertx.core.json.JsonObject raw, Map<String, String> env) {
    SessionDirectories.removeStale();
    String mode = String.valueOf(raw.getValue(ConfigKeys.LOCAL_SANDBOX, Sandbox.ON));
    List<String> binds = java.util.Arrays.stream(String.valueOf(raw.getValue(ConfigKeys.SANDBOX_BIND, "")).split(","))
        .map(String::strip).filter(b -> !b.isEmpty()).toList();
    java.nio.file.Path home = env.getOrDefault(ConfigKeys.HOME, "").isBlank() ? CatwalkConfig.defaultHome()
        : java.nio.file.Path.of(env.get(ConfigKeys.HOME));
    Sandbox sandbox = Sandbox.create("false".equals(mode) ? Sandbox.OFF : mode, env.getOrDefault("PATH", "") + ":/usr/bin",
        binds,
        home.resolve("sandbox"), List.of(home), List.of(java.nio.file.Path.of(System.getProperty("user.home"))));
    if (sandbox.enabled()) {
      LOG.info("the server runs sandboxed ({})", sandbox.describe());
    } else {
      LOG.warn("!!! CATWALK_LOCAL_SANDBOX=off: the server runs WITHOUT A SANDBOX, as this runner's user");
    }
    return sandbox;
  }

  /** The server's command: after {@code --} (relative paths made absolute), or {@code sh -c} with the {@code --stdio} string. */
  List<String> serverCommand() {
    if (command.isEmpty() == (stdio == null)) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), command.isEmpty()
          ? "the server's command is missing: give it after --, or as one string with --stdio"
          : "give the server's command either after -- or with --stdio, not both");
    }
    return stdio != null ? List.of("sh", "-c", stdio) : resolvePaths(command);
  }

  /**
   * A command line given without {@code --} (picocli read the server's own options as the runner's):
   * the message shows the same line with {@code --} where it belongs.
   */
  public static String withDoubleDash(List<String> runnerArgs) {
    List<String> options = new java.util.ArrayList<>();
    int i = 0;
    while (i < runnerArgs.size() && runnerArgs.get(i).startsWith("--") && !runnerArgs.get(i).equals("--")) {
      String option = runnerArgs.get(i++);
      options.add(option);
      if (!option.contains("=") && VALUED_OPTIONS.contains(option) && i < runnerArgs.size()) {
        options.add(runnerArgs.get(i++));
      }
    }
    List<String> line = new java.util.ArrayList<>(List.of("catwalk", "runner"));
    line.addAll(options);
    line.add("--");
    line.addAll(runnerArgs.subList(i, runnerArgs.size()));
    return String.join(" ", line);
  }

  private static final java.util.Set<String> VALUED_OPTIONS = java.util.Set.of("--host", "--port", "--allow-origin",
      "--stdio", "--warm");

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
