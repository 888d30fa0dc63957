package dev.catwalk.mcp;

import dev.catwalk.http.HttpVerticle;
import dev.catwalk.error.Problem;
import io.vertx.core.DeploymentOptions;
import dev.catwalk.crypto.Redaction;
import dev.catwalk.crypto.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code catwalk runner}: one stdio MCP server served as Streamable HTTP at {@code /mcp}, plus
 * {@code /health}, with the same relay code as the gateway. When a token is configured, every
 * {@code /mcp} request must carry it as a bearer token.
 */
public final class Runner {

  /** The server processes' stderr, line by line, with secret-looking variables' values redacted. */
  private static final org.slf4j.Logger SERVER_LOG = org.slf4j.LoggerFactory.getLogger("dev.catwalk.runner.server");

  /** The MCP endpoint path. */
  public static final String MCP_PATH = "/mcp";
  /** The health path (Fly Machine checks use it). */
  public static final String HEALTH_PATH = "/health";

  private final Vertx vertx;
  private final McpEndpoint endpoint;
  private final WarmPool pool;
  private final String deployment;
  private final int port;

  private Runner(Vertx vertx, McpEndpoint endpoint, WarmPool pool, String deployment, int port) {
    this.vertx = vertx;
    this.endpoint = endpoint;
    this.pool = pool;
    this.deployment = deployment;
    this.port = port;
  }

  /**
   * Starts a runner.
   *
   * @param command the stdio server's command line
   * @param env     variables for the server process
   * @param token   bearer token required on {@code /mcp}, or null for none
   */
  public static Future<Runner> start(Vertx vertx, String host, int port, List<String> command, Map<String, String> env,
                                     String token, RelayOptions options) {
    return start(vertx, host, port, command, env, token, options, 0);
  }

  /**
   * Starts a runner with a warm pool.
   *
   * @param warm server processes started ahead of sessions ({@code runner --warm N}), 0 for none; the
   *             pool's process budget is the session limit plus {@code warm}
   */
  public static Future<Runner> start(Vertx vertx, String host, int port, List<String> command, Map<String, String> env,
                                     String token, RelayOptions options, int warm) {
    StdioUpstream.Spec spec = new StdioUpstream.Spec(command, env, null, 200, RelayOptions.MAX_MESSAGE_BYTES);
    Redaction redaction = Redaction.ofSecretLookingVariables(env);
    java.util.function.Supplier<StdioUpstream> processes =
        () -> new StdioUpstream(vertx, spec).stderrHandler(line -> SERVER_LOG.info("{}", redaction.apply(line)));
    WarmPool pool = warm > 0 ? new WarmPool(vertx, processes, warm, options.maxSessions() + warm) : null;
    McpEndpoint endpoint = new McpEndpoint(vertx, options, pool != null ? pool::take : processes::get);
    return vertx.deployVerticle(() -> new HttpVerticle(host, port, Duration.ofSeconds(10),
            router -> mount(router, endpoint, token)), new DeploymentOptions().setInstances(1))
        .map(id -> new Runner(vertx, endpoint, pool, id, port));
  }

  /** The port it listens on. */
  public int port() {
    return port;
  }

  /** Open MCP sessions. */
  public int sessionCount() {
    return endpoint.sessionCount();
  }

  /** Ends every session and stops listening. */
  public Future<Void> close() {
    Future<Void> pooled = pool == null ? Future.succeededFuture() : pool.close();
    return Future.join(pooled, endpoint.close()).<Void>mapEmpty().eventually(() -> vertx.undeploy(deployment));
  }

  private static void mount(Router router, McpEndpoint endpoint, String token) {
    router.get(HEALTH_PATH).handler(ctx -> ctx.json(new JsonObject().put("status", "UP")
        .put("sessions", endpoint.sessionCount())));
    if (token != null && !token.isEmpty()) {
      router.route(MCP_PATH).handler(ctx -> requireToken(ctx, token));
    }
    endpoint.mount(router, MCP_PATH);
  }

  private static void requireToken(RoutingContext ctx, String token) {
    if (Tokens.secretEquals(Tokens.bearer(ctx.request().getHeader("Authorization")), token)) {
      ctx.next();
      return;
    }
    ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"catwalk-runner\"");
    new Problem(401, "Unauthorized", "a valid bearer token is required").send(ctx.response());
  }
}
