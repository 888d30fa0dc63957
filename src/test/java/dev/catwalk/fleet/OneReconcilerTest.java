package dev.catwalk.fleet;

import dev.catwalk.config.ConfigKeys;
import dev.catwalk.db.Database;
import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.GatewayHarness;
import dev.catwalk.testsupport.GatewayHarness.Reply;
import dev.catwalk.testsupport.TestConfig;
import dev.catwalk.testsupport.fly.FakeFlyMachines;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two gateways (each on its own Vert.x instance, on different ports, one database), both reconciling every
 * second: only the replica holding the reconciler lock repairs drift; deployments created through either
 * while both run are provisioned once (one claim in the audit trail, one Fly Machine each); when the lock
 * holder shuts down, the other replica takes over within 10 s.
 */
@Timeout(300)
class OneReconcilerTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.withDatabase();

  /** How long a Machine may take to boot the runner on a busy machine. */
  private static final Duration BOOT = Duration.ofSeconds(60);
  private static final String BOGUS_EXECUTABLE = "/nonexistent/drifted";

  private final List<AutoCloseable> opened = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable closeable : opened.reversed()) {
      closeable.close();
    }
  }

  @Test
  void onlyTheLockHolderReconcilesAndAnotherTakesOverWhenItStops() throws Exception {
    FakeFlyMachines fly = new FakeFlyMachines().start(resources.vertx());
    opened.add(fly);
    int runnerPort = TestConfig.freePort();
    Consumer<JsonObject> config = raw -> raw.put(ConfigKeys.FLY_API_URL, fly.url())
        .put(ConfigKeys.FLY_API_TOKEN_OVERRIDE, fly.token()).put(ConfigKeys.FLY_ORG, "catwalk-test-org")
        .put(ConfigKeys.FLY_IMAGE, "registry.fly.io/catwalk-runner:test")
        .put(ConfigKeys.FLY_RUNNER_PORT, runnerPort)
        .put(ConfigKeys.FLY_MACHINE_URL, "http://{private_ip}:" + runnerPort + "/mcp")
        .put(ConfigKeys.RECONCILE_INTERVAL, 1);
    Replica one = replica(config);
    Replica two = replica(config);
    Pool db = Database.pool(resources.vertx(), resources.database(), 2);
    opened.add(() -> db.close().await());

    // Created through both replicas at once, while both run passes every second.
    CompletableFuture<String> viaOne = CompletableFuture.supplyAsync(() -> createFly(one.gateway, "fly-one"));
    CompletableFuture<String> viaTwo = CompletableFuture.supplyAsync(() -> createFly(two.gateway, "fly-two"));
    List<String> flyIds = List.of(viaOne.get(), viaTwo.get());
    for (String id : flyIds) {
      GatewayHarness.eventually(() -> "running".equals(status(one.gateway, id)), "deployment " + id + " runs", BOOT);
    }

    // Drift, repaired by the lock holder only; created last, so the pass that repairs it has looked at the rest.
    String drift = one.gateway.createFixtureDeployment("drift", null, new JsonObject()).getString("id");
    drift(db, drift);
    String leader = awaitRepairs(db, drift, 1, Duration.ofSeconds(10)).getFirst();
    assertThat(leader).isIn(one.gateway.gateway().replica(), two.gateway.gateway().replica());
    GatewayHarness.eventually(() -> !drifted(db, drift), "the drift is repaired");
    assertThat(repairs(db, drift)).as("one repair, by the lock holder").containsExactly(leader);

    for (String id : flyIds) {
      String app = "catwalk-" + id.replace("-", "").substring(0, 12);
      assertThat(fly.machines(app)).as("Machines made for " + id).hasSize(1);
      assertThat(actions(db, id, "provisioning.claimed")).as("claims of " + id).hasSize(1);
      assertThat(actions(db, id, "provisioning.repair")).as("repairs of " + id).isEmpty();
      assertThat(actions(db, id, "status.provisioning")).hasSize(1);
    }

    Replica holder = leader.equals(one.gateway.gateway().replica()) ? one : two;
    Replica other = holder == one ? two : one;
    long stopped = System.nanoTime();
    holder.close();
    drift(db, drift);
    List<String> after = awaitRepairs(db, drift, 2, Duration.ofSeconds(10));
    System.out.printf("reconciler take-over: drift repaired by the other replica %d ms after the holder stopped%n",
        (System.nanoTime() - stopped) / 1_000_000);
    assertThat(after.get(1)).as("the second repair").isEqualTo(other.gateway.gateway().replica());
    GatewayHarness.eventually(() -> !drifted(db, drift), "the drift is repaired again");
    assertThat(repairs(db, drift)).hasSize(2);
  }

  /** A gateway on its own Vert.x instance. */
  private final class Replica implements AutoCloseable {
    private final Vertx vertx = Vertx.vertx();
    private final GatewayHarness gateway;
    private boolean closed;

    Replica(Consumer<JsonObject> config) {
      gateway = GatewayHarness.start(vertx, resources.database(), config);
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        gateway.close();
        vertx.close().await();
      }
    }
  }

  private Replica replica(Consumer<JsonObject> config) {
    Replica replica = new Replica(config);
    opened.add(replica);
    return replica;
  }

  private static String createFly(GatewayHarness gateway, String name) {
    JsonObject body = GatewayHarness.fixtureDeployment(name, null, new JsonObject()).put("backend", "fly");
    Reply reply = gateway.admin(HttpMethod.POST, "/api/deployments", body);
    assertThat(reply.status()).as(reply.body()).isEqualTo(201);
    return reply.json().getString("id");
  }

  private static String status(GatewayHarness gateway, String id) {
    return gateway.admin(HttpMethod.GET, "/api/deployments/" + id, null).json().getString("status");
  }

  /** Makes the local backend's record of the executable wrong, as if the runtime had moved: only a pass repairs it. */
  private static void drift(Pool db, String id) {
    db.preparedQuery("UPDATE deployments SET backend_state = $2 WHERE id = $1")
        .execute(Tuple.of(UUID.fromString(id), new JsonObject().put("executable", BOGUS_EXECUTABLE))).await();
  }

  private static boolean drifted(Pool db, String id) {
    return db.preparedQuery("SELECT backend_state->>'executable' FROM deployments WHERE id = $1")
        .execute(Tuple.of(UUID.fromString(id))).await().iterator().next().getString(0).equals(BOGUS_EXECUTABLE);
  }

  private static List<String> awaitRepairs(Pool db, String id, int count, Duration limit) {
    GatewayHarness.eventually(() -> repairs(db, id).size() >= count, count + " repair(s) of the drift", limit);
    return repairs(db, id);
  }

  /** The replicas that repaired the deployment, oldest first. */
  private static List<String> repairs(Pool db, String id) {
    return actions(db, id, "provisioning.repair");
  }

  /** The replica of each audit event {@code action} of the deployment, oldest first. */
  private static List<String> actions(Pool db, String id, String action) {
    List<String> replicas = new ArrayList<>();
    for (Row row : db.preparedQuery("SELECT coalesce(detail->>'replica', '') FROM audit_events"
        + " WHERE deployment_id = $1 AND action = $2 ORDER BY id").execute(Tuple.of(UUID.fromString(id), action)).await()) {
      replicas.add(row.getString(0));
    }
    return replicas;
  }
}
