package dev.catwalk.admin;

import dev.catwalk.Addresses;
import dev.catwalk.config.ConfigKeys;
import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.GatewayHarness;
import dev.catwalk.testsupport.GatewayHarness.Reply;
import dev.catwalk.testsupport.LogCapture;
import dev.catwalk.testsupport.TestConfig;
import io.modelcontextprotocol.client.McpSyncClient;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link AdminClient} against a real gateway's admin channel (the TCP event-bus bridge on a free
 * loopback port): every operator command, and what the bridge refuses (a wrong token, an address
 * outside {@code catwalk.admin.*}, nothing listening).
 */
@Timeout(180)
class AdminClientTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.withDatabase();

  private static GatewayHarness gateway;
  private static AdminClient admin;

  @BeforeAll
  static void start() {
    gateway = GatewayHarness.start(resources, raw -> raw.put(ConfigKeys.ADMIN_PORT, TestConfig.freePort()));
    admin = new AdminClient(resources.vertx(), adminPort(), TestConfig.ADMIN_TOKEN);
  }

  @AfterAll
  static void stop() {
    admin.close().await();
    gateway.close();
  }

  @Test
  void listsTheOpenSessionsAndEndsOne() {
    JsonObject deployment = gateway.createFixtureDeployment("admin-sessions", null, new JsonObject());
    String id = deployment.getString("id");
    try (McpSyncClient mcp = gateway.mcpClient(id, deployment.getString("accessToken"))) {
      assertThat(mcp.isInitialized()).as("the session the admin channel lists").isTrue();
      JsonArray sessions = admin.sessions(id).await().getJsonArray("sessions");
      assertThat(sessions).hasSize(1);
      JsonObject session = sessions.getJsonObject(0);
      assertThat(session.getString("deploymentId")).isEqualTo(id);
      assertThat(session.getJsonObject("client").getString("name")).isEqualTo("catwalk-gateway-test");
      assertThat(admin.sessions(null).await().getJsonArray("sessions")).hasSizeGreaterThanOrEqualTo(1);
      int open = gateway.gateway().mcpEndpoint().sessionCount();

      assertThat(admin.endSession(session.getString("sessionId")).await().getBoolean("ended")).isTrue();

      assertThat(gateway.gateway().mcpEndpoint().sessionCount()).isEqualTo(open - 1);
      assertThat(admin.sessions(id).await().getJsonArray("sessions")).isEmpty();
      AdminClient.AdminException again = failure(admin.endSession(session.getString("sessionId")));
      assertThat(again.failureCode()).isEqualTo(404);
      assertThat(again.getMessage()).isEqualTo(Addresses.ADMIN_SESSIONS_END + " failed (404): no open session with that id");
    }
  }

  @Test
  void listsTheDeploymentsAndFindsOneByName() {
    String id = gateway.createFixtureDeployment("admin-by-name", null, new JsonObject()).getString("id");

    assertThat(admin.allDeployments().await()).extracting(d -> d.getString("name")).contains("admin-by-name");
    assertThat(admin.deploymentId("admin-by-name").await()).isEqualTo(id);
    assertThat(admin.deploymentId(id).await()).isEqualTo(id);
    assertThat(admin.stop(admin.deploymentId("admin-by-name").await()).await().getString("status")).isEqualTo("stopped");
    AdminClient.AdminException unknown = failure(admin.deploymentId("no-such-name").map(found -> new JsonObject()));
    assertThat(unknown.failureCode()).isEqualTo(404);
    assertThat(unknown.getMessage()).isEqualTo("no deployment named 'no-such-name' (see: catwalk admin list)");
  }

  @Test
  void stopsAndRestartsADeploymentAsTheOperator() {
    String id = gateway.createFixtureDeployment("admin-lifecycle", null, new JsonObject()).getString("id");
    String path = "/api/deployments/" + id;

    assertThat(admin.stop(id).await().getString("status")).isEqualTo("stopped");
    assertThat(gateway.admin(HttpMethod.GET, path, null).json().getString("status")).isEqualTo("stopped");
    assertThat(admin.restart(id).await().getString("status")).isEqualTo("running");
    assertThat(gateway.admin(HttpMethod.GET, path, null).json().getString("status")).isEqualTo("running");

    JsonArray events = gateway.admin(HttpMethod.GET, path + "/logs", null).json().getJsonArray("events");
    assertThat(events.stream().map(JsonObject.class::cast).filter(e -> e.getString("action").startsWith("desired."))
        .map(e -> e.getString("actor")).toList()).containsOnly(AdminVerticle.OPERATOR).hasSize(2);
    AdminClient.AdminException unknown = failure(admin.restart(UUID.randomUUID().toString()));
    assertThat(unknown.failureCode()).isEqualTo(404);
    assertThat(unknown.getMessage()).startsWith(Addresses.ADMIN_DEPLOYMENTS_RESTART + " failed (404): ");
  }

  @Test
  void drainRefusesNewSessionsUntilUndone() {
    JsonObject deployment = gateway.createFixtureDeployment("admin-drain", null, new JsonObject());
    String id = deployment.getString("id");
    String token = deployment.getString("accessToken");
    McpSyncClient open = gateway.mcpClient(id, token);
    try {
      JsonObject drained = admin.drain(true, true).await();
      assertThat(drained.getBoolean("draining")).isTrue();
      assertThat(drained.getInteger("sessionsEnded")).isGreaterThanOrEqualTo(1);
      assertThat(drained.getInteger("sessionsOpen")).isZero();
      assertThat(gateway.gateway().mcpEndpoint().sessionCount()).isZero();

      Reply refused = gateway.mcpInitialize(id, token);
      assertThat(refused.status()).isEqualTo(503);
      assertThat(refused.headers().get("Retry-After")).isNotBlank();
      assertThat(admin.sessions(null).await().getBoolean("draining")).isTrue();
    } finally {
      assertThat(admin.drain(false, false).await().getBoolean("draining")).isFalse();
      open.closeGracefully();
    }

    Reply accepted = gateway.mcpInitialize(id, token);
    assertThat(accepted.status()).isEqualTo(200);
    assertThat(admin.endSession(accepted.headers().get("Mcp-Session-Id")).await().getBoolean("ended")).isTrue();
  }

  @Test
  void rotateKeyAnswersWithTheCurrentKeyId() {
    JsonObject rotated = admin.rotateKey().await();

    assertThat(rotated.getString("keyId")).isNotBlank();
    assertThat(rotated.getInteger("secrets")).isNotNegative();
    assertThat(rotated.getInteger("settings")).isNotNegative();
  }

  @Test
  void aWrongAdminTokenIsRefusedAndNotLogged() {
    String wrongToken = "not-the-admin-token-" + UUID.randomUUID();
    AdminClient wrong = new AdminClient(resources.vertx(), adminPort(), wrongToken);
    try (LogCapture logs = LogCapture.begin()) {
      AdminClient.AdminException refused = failure(wrong.sessions(null));

      assertThat(refused.failureCode()).isEqualTo(-1);
      assertThat(refused.getMessage()).contains("refused the admin token").contains(ConfigKeys.ADMIN_TOKEN)
          .doesNotContain(wrongToken).doesNotContain(TestConfig.ADMIN_TOKEN);
      GatewayHarness.eventually(() -> String.join("\n", logs.lines()).contains("refused a command without a valid"),
          "the gateway logged the refusal");
      assertThat(String.join("\n", logs.lines())).doesNotContain(wrongToken).doesNotContain(TestConfig.ADMIN_TOKEN);
    } finally {
      wrong.close().await();
    }
  }

  @Test
  void onlyAdminAddressesPassEvenWithTheToken() {
    String id = gateway.createFixtureDeployment("admin-not-deletable", null, new JsonObject()).getString("id");

    AdminClient.AdminException refused = failure(admin.request(Addresses.DEPLOYMENTS_DELETE,
        new JsonObject().put("id", id)));

    assertThat(refused.failureCode()).isEqualTo(-1);
    assertThat(refused.getMessage()).contains(Addresses.DEPLOYMENTS_DELETE).contains("only catwalk.admin.*")
        .contains("access_denied");
    assertThat(gateway.admin(HttpMethod.GET, "/api/deployments/" + id, null).status()).isEqualTo(200);
  }

  @Test
  void nothingListeningIsReportedWithTheChannel() {
    int closed = TestConfig.freePort();
    AdminClient nobody = new AdminClient(resources.vertx(), closed, TestConfig.ADMIN_TOKEN);
    try {
      AdminClient.AdminException refused = failure(nobody.sessions(null));

      assertThat(refused.getMessage()).contains("is catwalk serve running? admin channel 127.0.0.1:" + closed);
    } finally {
      nobody.close().await();
    }
  }

  private static int adminPort() {
    return gateway.gateway().config().serve().adminPort();
  }

  /** Waits for a command that must fail and returns its failure. */
  private static AdminClient.AdminException failure(Future<JsonObject> command) {
    Throwable cause = command.map(reply -> (Throwable) null).recover(Future::succeededFuture).await();
    assertThat(cause).isInstanceOf(AdminClient.AdminException.class);
    return (AdminClient.AdminException) cause;
  }
}
