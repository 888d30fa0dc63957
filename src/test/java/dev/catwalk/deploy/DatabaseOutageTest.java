package dev.catwalk.deploy;

import dev.catwalk.config.ConfigKeys;
import dev.catwalk.db.Database;
import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.GatewayHarness;
import dev.catwalk.testsupport.TcpProxy;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The database goes away in the middle of creating a deployment (its transaction has written the
 * deployment, its secrets and its token, and waits on the audit table): the client gets 503, and
 * nothing of it is stored. While the database is unreachable every API call is a 503; afterwards
 * the gateway works again without a restart.
 */
@Timeout(120)
class DatabaseOutageTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.withDatabase();

  @Test
  void aCreateCutOffMidTransactionLeavesNothingAndAnswers503() throws Exception {
    TcpProxy proxy = TcpProxy.start(resources.vertx(), resources.database().host(), resources.database().port());
    Pool direct = Database.pool(resources.vertx(), resources.database(), 2);
    String viaProxy = "postgres://" + resources.database().user()
        + (resources.database().password().isEmpty() ? "" : ":" + resources.database().password())
        + "@127.0.0.1:" + proxy.port() + "/" + resources.database().database() + "?sslmode=disable";
    try (GatewayHarness gateway = GatewayHarness.start(resources, raw -> raw.put(ConfigKeys.DATABASE_URL, viaProxy))) {
      SqlConnection locker = direct.getConnection().await();
      Transaction lock = locker.begin().await();
      locker.query("LOCK TABLE audit_events IN ACCESS EXCLUSIVE MODE").execute().await();

      CompletableFuture<GatewayHarness.Reply> create = CompletableFuture.supplyAsync(() -> gateway.admin(HttpMethod.POST,
          "/api/deployments", GatewayHarness.fixtureDeployment("cut-off", null, new JsonObject().put("KEY", "v"))));
      GatewayHarness.eventually(() -> waitingOnAuditInsert(direct), "the create waits inside its transaction");
      proxy.cut();
      lock.rollback().await();
      locker.close().await();

      GatewayHarness.Reply reply = create.get();
      assertThat(reply.status()).as(reply.body()).isEqualTo(503);
      assertThat(reply.headers().get("Retry-After")).isEqualTo("5");
      assertThat(reply.json().getString("detail")).isEqualTo("the database is unavailable; try again shortly");
      GatewayHarness.Reply whileDown = gateway.admin(HttpMethod.GET, "/api/deployments", null);
      assertThat(whileDown.status()).isEqualTo(503);
      assertThat(whileDown.body()).doesNotContain(String.valueOf(proxy.port())).doesNotContain("postgres");
      assertThat(count(direct, "SELECT count(*) FROM deployments")).isZero();
      assertThat(count(direct, "SELECT count(*) FROM deployment_secrets")).isZero();
      assertThat(count(direct, "SELECT count(*) FROM access_tokens")).isZero();

      proxy.restore();
      GatewayHarness.eventually(() -> gateway.admin(HttpMethod.GET, "/api/deployments", null).status() == 200,
          "the gateway reconnects");
      assertThat(gateway.admin(HttpMethod.POST, "/api/deployments", GatewayHarness.fixtureDeployment("cut-off", null,
          new JsonObject().put("KEY", "v"))).status()).isEqualTo(201);
      assertThat(count(direct, "SELECT count(*) FROM deployments")).isEqualTo(1);
    } finally {
      direct.close().await();
      proxy.close();
    }
  }

  private static boolean waitingOnAuditInsert(Pool pool) {
    return count(pool, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        + " AND query LIKE 'INSERT INTO audit_events%'") > 0;
  }

  private static long count(Pool pool, String sql) {
    return pool.query(sql).execute().map(rows -> rows.iterator().next().getLong(0)).await();
  }

}
