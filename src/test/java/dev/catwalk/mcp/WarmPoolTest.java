package dev.catwalk.mcp;

import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.ScriptedStdioServer;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The warm pool against real server processes. */
class WarmPoolTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.vertxOnly();

  @Test
  void handsOutRunningProcessesOnceRefillsAndEndsThePooledOnesOnClose() throws Exception {
    StdioUpstream.Spec spec = new StdioUpstream.Spec(ScriptedStdioServer.command(), Map.of(), null, 10, 1 << 20);
    Context poolContext = resources.vertx().getOrCreateContext();
    List<StdioUpstream> made = new CopyOnWriteArrayList<>();
    java.util.function.Supplier<StdioUpstream> factory = () -> {
      StdioUpstream upstream = new StdioUpstream(resources.vertx(), spec);
      made.add(upstream);
      return upstream;
    };
    WarmPool pool = Future.<WarmPool>future(p -> poolContext.runOnContext(v ->
        p.complete(new WarmPool(resources.vertx(), factory, 2, 3)))).await();
    await().atMost(Duration.ofSeconds(60)).until(() -> pool.ready() == 2);

    Context session = resources.vertx().getOrCreateContext();
    List<JsonObject> received = new CopyOnWriteArrayList<>();
    List<Context> deliveredOn = new CopyOnWriteArrayList<>();
    StdioUpstream first = take(pool, session);
    StdioUpstream second = take(pool, session);
    assertThat(first.pid()).as("a pooled process is already running").isPositive();
    assertThat(second.pid()).isPositive().isNotEqualTo(first.pid());
    first.messageHandler(m -> {
      deliveredOn.add(resources.vertx().getOrCreateContext());
      received.add(m);
    });
    Future.<Void>future(p -> session.runOnContext(v -> first.start().onComplete(p))).await(5, TimeUnit.SECONDS);
    session.runOnContext(v -> first.send(JsonRpcMessage.request(1, "echo", new JsonObject())));
    await().atMost(Duration.ofSeconds(15)).until(() -> received.size() == 1);
    assertThat(deliveredOn).as("the taking session's context owns the process").containsOnly(session);

    await().atMost(Duration.ofSeconds(60)).until(() -> pool.ready() == 1);
    assertThat(pool.ready()).as("the process budget (3) holds: two handed out, one pooled").isEqualTo(1);

    assertThat(made).as("two handed out, one refilled: the budget stops a fourth").hasSize(3);
    StdioUpstream pooled = made.stream().filter(u -> u != first && u != second).findFirst().orElseThrow();
    pool.close().await(20, TimeUnit.SECONDS);
    assertThat(pooled.exited().isComplete()).as("close ends the pooled process").isTrue();
    assertThat(ProcessHandle.of(pooled.pid()).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertThat(ProcessHandle.of(first.pid()).map(ProcessHandle::isAlive)).as("handed-out processes are the sessions'")
        .contains(true);
    Future.join(closeOn(session, first), closeOn(session, second)).await(20, TimeUnit.SECONDS);
  }

  private static StdioUpstream take(WarmPool pool, Context session) {
    return (StdioUpstream) Future.<Upstream>future(p -> session.runOnContext(v -> p.complete(pool.take()))).await();
  }

  private static Future<Void> closeOn(Context context, StdioUpstream upstream) {
    Promise<Void> closed = Promise.promise();
    context.runOnContext(v -> upstream.close().onComplete(closed));
    return closed.future();
  }
}
