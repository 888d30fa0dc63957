package dev.catwalk.mcp;

import dev.catwalk.config.ConfigKeys;
import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.GatewayHarness;
import dev.catwalk.testsupport.GatewayHarness.Reply;
import dev.catwalk.testsupport.mcp.ShellPeer;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Session limits on the MCP endpoint of a real gateway, with real {@code initialize} requests to deployments of a
 * small stdio server (POSIX sh, sandboxed like any local server): a deployment's {@code limits.maxSessions} and
 * {@code limits.maxSessionsPerToken}, the initialize rate of one access token (a burst allowed, a flood refused),
 * and the share of the node's session cap one deployment may hold. Each refusal is an HTTP 429 or 503 with
 * {@code Retry-After} and a JSON-RPC error naming the limit; ending a session frees its slot at once.
 * The gateway here: 20 sessions per node, 50 % for one deployment (10), bursts of 5 initializes and then
 * one a minute per token.
 */
@Timeout(180)
class SessionLimitsTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.withDatabase();

  private static GatewayHarness gateway;
  private static WebClient web;
  private static int names;
  private final List<String[]> opened = new ArrayList<>();

  @BeforeAll
  static void start() {
    gateway = GatewayHarness.start(resources, raw -> raw.put(ConfigKeys.MCP_MAX_SESSIONS, 20)
        .put(ConfigKeys.MCP_DEPLOYMENT_SHARE, 50).put(ConfigKeys.MCP_INITIALIZE_BURST, 5)
        .put(ConfigKeys.MCP_INITIALIZE_PER_MINUTE, 1));
    web = WebClient.create(resources.vertx());
  }

  @AfterAll
  static void stop() {
    gateway.close();
  }

  /** Ends the sessions a test opened, so the next starts with a node without sessions. */
  @AfterEach
  void endSessions() {
    for (String[] session : opened) {
      delete(session);
    }
    GatewayHarness.eventually(() -> gateway.gateway().mcpEndpoint().sessionCount() == 0, "every session ended");
  }

  @Test
  void aDeploymentOpensAtMostMaxSessionsAndAnEndedSessionFreesItsSlot() {
    JsonObject deployment = deployment(new JsonObject().put("maxSessions", 3).put("maxSessionsPerToken", 3));
    JsonObject sibling = deployment(null);
    List<String> tokens = List.of(deployment.getString("accessToken"), token(deployment), token(deployment));

    List<String[]> three = tokens.stream().map(token -> open(deployment, token)).toList();
    Reply fourth = gateway.mcpInitialize(deployment.getString("id"), tokens.get(0));

    assertRefused(fourth, 503, "maxSessions", 3);
    assertThat(fourth.json().getJsonObject("error").getString("message")).contains("limits.maxSessions");
    open(sibling, sibling.getString("accessToken"));

    delete(three.get(1));
    open(deployment, tokens.get(0));
  }

  @Test
  void oneTokenOpensAtMostMaxSessionsPerTokenAndOtherTokensStillCan() {
    JsonObject deployment = deployment(new JsonObject().put("maxSessions", 10).put("maxSessionsPerToken", 2));
    String first = deployment.getString("accessToken");

    String[] one = open(deployment, first);
    open(deployment, first);
    Reply third = gateway.mcpInitialize(deployment.getString("id"), first);

    assertRefused(third, 429, "maxSessionsPerToken", 2);
    assertThat(third.json().getJsonObject("error").getString("message")).contains("limits.maxSessionsPerToken");
    open(deployment, token(deployment));
    delete(one);
    open(deployment, first);
  }

  @Test
  void aBurstOfInitializesIsAllowedAndAFloodIsRefusedWith429() {
    JsonObject deployment = deployment(new JsonObject().put("maxSessions", 10).put("maxSessionsPerToken", 10));
    String token = deployment.getString("accessToken");

    List<HttpResponse<Buffer>> burst = Future.all(IntStream.range(0, 5).mapToObj(i -> initialize(deployment, token))
        .toList()).await().list();
    assertThat(burst).allSatisfy(response -> assertThat(response.statusCode()).as(response.bodyAsString())
        .isEqualTo(200));
    burst.forEach(response -> opened.add(new String[] {deployment.getString("id"), token,
        response.getHeader(McpHeaders.SESSION_ID)}));

    List<HttpResponse<Buffer>> flood = Future.all(IntStream.range(0, 20).mapToObj(i -> initialize(deployment, token))
        .toList()).await().list();
    assertThat(flood).allSatisfy(response -> {
      assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(429);
      assertThat(Integer.parseInt(response.getHeader("Retry-After"))).isBetween(1, 60);
      assertThat(response.bodyAsJsonObject().getJsonObject("error").getJsonObject("data").getString("limit"))
          .isEqualTo("initializeRate");
    });
    assertThat(gateway.gateway().mcpEndpoint().sessionCount()).isEqualTo(5);

    opened.forEach(SessionLimitsTest::delete);
    opened.clear();
    assertRefused(gateway.mcpInitialize(deployment.getString("id"), token), 429, "initializeRate", 1);
    open(deployment, token(deployment));
  }

  @Test
  void oneDeploymentCannotTakeMoreThanItsShareOfTheNode() {
    JsonObject greedy = deployment(new JsonObject().put("maxSessions", 50).put("maxSessionsPerToken", 50));
    JsonObject other = deployment(null);
    List<String> tokens = List.of(greedy.getString("accessToken"), token(greedy), token(greedy));

    for (int i = 0; i < 10; i++) {
      open(greedy, tokens.get(i / 5));
    }
    Reply eleventh = gateway.mcpInitialize(greedy.getString("id"), tokens.get(2));

    assertRefused(eleventh, 503, "deploymentShare", 10);
    assertThat(eleventh.json().getJsonObject("error").getString("message")).contains("CATWALK_MCP_DEPLOYMENT_SHARE");
    for (int i = 0; i < 3; i++) {
      open(other, other.getString("accessToken"));
    }
  }

  // ------------------------------------------------------------------ helpers

  private static void assertRefused(Reply reply, int status, String limit, int max) {
    assertThat(reply.status()).as(reply.body()).isEqualTo(status);
    assertThat(reply.headers().get(McpHeaders.SESSION_ID)).isNull();
    assertThat(Integer.parseInt(reply.headers().get("Retry-After"))).isPositive();
    assertThat(reply.headers().get("Content-Type")).startsWith("application/json");
    JsonObject body = reply.json();
    assertThat(body.getString("jsonrpc")).isEqualTo("2.0");
    assertThat(body.getValue("id")).as("the initialize's id").isEqualTo(1);
    JsonObject data = body.getJsonObject("error").getJsonObject("data");
    assertThat(data.getString("limit")).isEqualTo(limit);
    assertThat(data.getInteger("max")).isEqualTo(max);
  }

  /** Opens a session with a raw initialize; it is ended after the test. */
  private String[] open(JsonObject deployment, String token) {
    Reply reply = gateway.mcpInitialize(deployment.getString("id"), token);
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    String[] session = {deployment.getString("id"), token, reply.headers().get(McpHeaders.SESSION_ID)};
    opened.add(session);
    return session;
  }

  private static void delete(String[] session) {
    gateway.send(HttpMethod.DELETE, "/api/mcp/" + session[0], null, "Bearer " + session[1],
        Map.of(McpHeaders.SESSION_ID, session[2], McpHeaders.PROTOCOL_VERSION, "2025-06-18"));
  }

  private static Future<HttpResponse<Buffer>> initialize(JsonObject deployment, String token) {
    JsonObject initialize = new JsonObject().put("jsonrpc", "2.0").put("id", 1).put("method", "initialize")
        .put("params", new JsonObject().put("protocolVersion", "2025-06-18").put("capabilities", new JsonObject())
            .put("clientInfo", new JsonObject().put("name", "flood").put("version", "1")));
    return web.post(gateway.port(), "127.0.0.1", "/api/mcp/" + deployment.getString("id"))
        .putHeader("Authorization", "Bearer " + token).putHeader("Accept", "application/json, text/event-stream")
        .putHeader("Content-Type", "application/json").putHeader(McpHeaders.PROTOCOL_VERSION, "2025-06-18")
        .sendBuffer(initialize.toBuffer());
  }

  /** A deployment of the sh peer with these limits (null: the defaults). */
  private static JsonObject deployment(JsonObject limits) {
    JsonObject body = new JsonObject().put("name", "limited-" + ++names).put("recipe", new JsonObject()
        .put("runtime", "command").put("command", "sh").put("args", new JsonArray().add("-c").add(ShellPeer.SCRIPT)));
    if (limits != null) {
      body.put("limits", limits);
    }
    Reply reply = gateway.admin(HttpMethod.POST, "/api/deployments", body);
    assertThat(reply.status()).as(reply.body()).isEqualTo(201);
    return reply.json();
  }

  /** A further access token of the deployment. */
  private static String token(JsonObject deployment) {
    Reply reply = gateway.admin(HttpMethod.POST, "/api/deployments/" + deployment.getString("id") + "/tokens",
        new JsonObject());
    assertThat(reply.status()).as(reply.body()).isEqualTo(201);
    return reply.json().getString("accessToken");
  }
}
