package dev.catwalk.testsupport;

import dev.catwalk.Gateway;
import dev.catwalk.config.CatwalkConfig;
import dev.catwalk.testsupport.mcp.FixtureCommand;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A real gateway for a test class: started on the class's database with test secrets, plus a
 * REST client that records every response it saw (for leak checks) and MCP SDK clients for
 * deployments. Not a fake: everything goes through HTTP to the running gateway.
 */
public final class GatewayHarness implements AutoCloseable {

  private final Vertx vertx;
  private final Gateway gateway;
  private final WebClient client;
  private final List<String> seen = Collections.synchronizedList(new ArrayList<>());

  private GatewayHarness(Vertx vertx, Gateway gateway) {
    this.vertx = vertx;
    this.gateway = gateway;
    this.client = WebClient.create(vertx);
  }

  /** Starts a gateway on {@code resources}' database; {@code overrides} change raw configuration keys. */
  public static GatewayHarness start(ClassResources resources, Consumer<JsonObject> overrides) {
    return start(resources.vertx(), resources.database(), overrides);
  }

  /**
   * Starts a gateway on its own Vert.x instance (as another replica of a fleet would run) on {@code database} (one a
   * test made for itself with {@link TestDatabase#create}, for example: gateways with other encryption keys need their
   * own); {@code overrides} change raw configuration keys. Closing the harness closes the gateway, not {@code vertx}.
   */
  public static GatewayHarness start(Vertx vertx, dev.catwalk.db.DatabaseUrl database, Consumer<JsonObject> overrides) {
    JsonObject raw = TestConfig.raw(TestConfig.libpqUrl(database, "disable"));
    overrides.accept(raw);
    CatwalkConfig config = CatwalkConfig.from(raw, CatwalkConfig.Purpose.SERVE);
    return new GatewayHarness(vertx, Gateway.start(vertx, config).await());
  }

  /** Starts a gateway with the test defaults. */
  public static GatewayHarness start(ClassResources resources) {
    return start(resources, raw -> { });
  }

  /** The running gateway. */
  public Gateway gateway() {
    return gateway;
  }

  /** The gateway's port. */
  public int port() {
    return gateway.config().port();
  }

  /** A response: status, headers of interest and the body as text. */
  public record Reply(int status, String body, io.vertx.core.MultiMap headers) {
    /** The body as a JSON object. */
    public JsonObject json() {
      return new JsonObject(body);
    }
  }

  /** Sends an admin request (with the admin token) and records the response. */
  public Reply admin(HttpMethod method, String path, Object body) {
    return send(method, path, body, "Bearer " + TestConfig.ADMIN_TOKEN);
  }

  /** Sends a request with the given Authorization header (or none) and records the response. */
  public Reply send(HttpMethod method, String path, Object body, String authorization) {
    return send(method, path, body, authorization, Map.of());
  }

  /** Sends a request with the given Authorization header (or none) and other headers, and records the response. */
  public Reply send(HttpMethod method, String path, Object body, String authorization, Map<String, String> headers) {
    var request = client.request(method, port(), "127.0.0.1", path);
    headers.forEach(request::putHeader);
    if (authorization != null) {
      request.putHeader("Authorization", authorization);
    }
    HttpResponse<Buffer> response;
    if (body == null) {
      response = request.send().await();
    } else {
      Buffer buffer = body instanceof Buffer b ? b : body instanceof String s ? Buffer.buffer(s)
          : Buffer.buffer(io.vertx.core.json.Json.encode(body));
      response = request.putHeader("Content-Type", "application/json").sendBuffer(buffer).await();
    }
    String text = response.bodyAsString() == null ? "" : response.bodyAsString();
    seen.add(response.statusCode() + " " + response.headers() + " " + text);
    return new Reply(response.statusCode(), text, response.headers());
  }

  /** Creates a deployment of the test fixture MCP server (a {@code command} recipe) and returns the reply body. */
  public JsonObject createFixtureDeployment(String name, JsonObject configSchema, JsonObject config) {
    Reply reply = admin(HttpMethod.POST, "/api/deployments", fixtureDeployment(name, configSchema, config));
    if (reply.status() != 201) {
      throw new AssertionError("create failed: " + reply.status() + " " + reply.body());
    }
    return reply.json();
  }

  /** The body that creates a deployment of the test fixture MCP server. */
  public static JsonObject fixtureDeployment(String name, JsonObject configSchema, JsonObject config) {
    List<String> command = FixtureCommand.command();
    JsonObject body = new JsonObject().put("name", name)
        .put("recipe", new JsonObject().put("runtime", "command").put("command", command.get(0))
            .put("args", new JsonArray(command.subList(1, command.size()))))
        .put("config", config);
    if (configSchema != null) {
      body.put("configSchema", configSchema);
    }
    return body;
  }

  /** A raw MCP {@code initialize} request to a deployment (no SDK), for checks of statuses and headers. */
  public Reply mcpInitialize(String deploymentId, String token) {
    JsonObject initialize = new JsonObject().put("jsonrpc", "2.0").put("id", 1).put("method", "initialize")
        .put("params", new JsonObject().put("protocolVersion", "2025-06-18").put("capabilities", new JsonObject())
            .put("clientInfo", new JsonObject().put("name", "raw").put("version", "1")));
    return send(HttpMethod.POST, "/api/mcp/" + deploymentId, initialize, token == null ? null : "Bearer " + token,
        Map.of("Accept", "application/json, text/event-stream", "MCP-Protocol-Version", "2025-06-18"));
  }

  /** An MCP SDK client for a deployment, initialized (closed when that fails: left open, it retries by itself). */
  public McpSyncClient mcpClient(String deploymentId, String token) {
    HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport
        .builder("http://127.0.0.1:" + port())
        .endpoint("/api/mcp/" + deploymentId)
        .requestBuilder(HttpRequest.newBuilder().header("Authorization", "Bearer " + token))
        .build();
    McpSyncClient mcp = McpClient.sync(transport)
        .clientInfo(McpSchema.Implementation.builder("catwalk-gateway-test", "1.0.0").build())
        .requestTimeout(Duration.ofSeconds(60))
        .initializationTimeout(Duration.ofSeconds(60))
        .build();
    try {
      mcp.initialize();
    } catch (RuntimeException e) {
      mcp.close();
      throw e;
    }
    return mcp;
  }

  /** The text of a tool call's first content. */
  public static String text(McpSchema.CallToolResult result) {
    return ((McpSchema.TextContent) result.content().get(0)).text();
  }

  /** Calls a tool and returns its text. */
  public static String call(McpSyncClient mcp, String tool, Map<String, Object> arguments) {
    return text(mcp.callTool(McpSchema.CallToolRequest.builder(tool).arguments(arguments).build()));
  }

  /** Every response this harness received, as text. */
  public List<String> seen() {
    synchronized (seen) {
      return List.copyOf(seen);
    }
  }

  /** Waits until {@code condition} holds (up to 10 s). */
  public static void eventually(java.util.function.BooleanSupplier condition, String what) {
    eventually(condition, what, Duration.ofSeconds(10));
  }

  /** Waits until {@code condition} holds, up to {@code limit}. */
  public static void eventually(java.util.function.BooleanSupplier condition, String what, Duration limit) {
    org.awaitility.Awaitility.await(what).atMost(limit).pollInterval(Duration.ofMillis(50)).until(condition::getAsBoolean);
  }

  @Override
  public void close() {
    gateway.close().await();
  }
}
