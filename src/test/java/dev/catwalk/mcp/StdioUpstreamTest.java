package dev.catwalk.mcp;

import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.ScriptedStdioServer;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The stdio upstream against a real child process. */
class StdioUpstreamTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.vertxOnly();

  @Test
  void relaysRequestsAndResponsesInOrderWithTheConfiguredEnvironmentOnly() throws Exception {
    Session session = open(Map.of("API_KEY", "configured-value"));
    try {
      for (int i = 1; i <= 50; i++) {
        session.upstream.send(JsonRpcMessage.request(i, "echo", new JsonObject().put("n", i)));
      }
      session.upstream.send(JsonRpcMessage.request("env-1", "env", new JsonObject().put("name", "API_KEY")));
      session.upstream.send(JsonRpcMessage.request("env-2", "env", new JsonObject().put("name", "GATEWAY_SECRET")));

      List<JsonObject> replies = session.await(52);
      for (int i = 0; i < 50; i++) {
        assertThat(replies.get(i).getLong("id")).isEqualTo(i + 1L);
      }
      assertThat(replies.get(50).getJsonObject("result").getString("value")).isEqualTo("configured-value");
      assertThat(replies.get(51).getJsonObject("result").getString("value"))
          .as("the gateway's own environment does not leak into the server").isNull();
      assertThat(session.contexts).containsOnly(session.context);
    } finally {
      session.upstream.close().await();
    }
  }

  @Test
  void skipsGarbageOnStdoutAndKeepsStderrAsBoundedLogs() throws Exception {
    Session session = open(Map.of());
    try {
      for (int i = 0; i < 30; i++) {
        session.upstream.send(JsonRpcMessage.request(i, "stderr", new JsonObject().put("text", "log line " + i)));
      }
      session.upstream.send(JsonRpcMessage.request("g", "garbage", null));

      List<JsonObject> replies = session.await(31);

      assertThat(replies.get(30).getString("id")).isEqualTo("g");
      await().atMost(Duration.ofSeconds(10)).until(() -> session.upstream.recentStderr().contains("log line 29"));
      List<String> logs = session.upstream.recentStderr();
      assertThat(logs).hasSize(20).contains("log line 29")
          .anyMatch(l -> l.contains("not a JSON-RPC message"));
    } finally {
      session.upstream.close().await();
    }
  }

  @Test
  void messagesAndStderrAServerWritesUnaskedWhileIdleStillArrive() throws Exception {
    Session session = open(Map.of());
    try {
      session.upstream.send(JsonRpcMessage.request(1, "later", new JsonObject().put("millis", 1500).put("text", "unasked")));
      List<JsonObject> received = session.await(2);
      session.upstream.send(JsonRpcMessage.notification("stderr", new JsonObject().put("text", "logged while idle")));

      assertThat(received.get(0).getLong("id")).isEqualTo(1L);
      assertThat(received.get(1).getString("method")).as("sent 1.5 s after the last answer, when nothing was asked")
          .isEqualTo("notifications/later");
      assertThat(received.get(1).getJsonObject("params").getString("text")).isEqualTo("unasked");
      await().atMost(Duration.ofSeconds(10)).until(() -> session.upstream.recentStderr().contains("logged while idle"));
      assertThat(session.upstream.recentStderr()).contains("logged while idle");
    } finally {
      session.upstream.close().await();
    }
  }

  @Test
  void anExitIsReportedWithItsCodeAfterEarlierMessages() throws Exception {
    Session session = open(Map.of());
    session.upstream.send(JsonRpcMessage.request(1, "echo", null));
    session.upstream.send(JsonRpcMessage.request(2, "exit", new JsonObject().put("code", 3)));

    Upstream.UpstreamExit exit = session.exit.future().await(20, TimeUnit.SECONDS);

    assertThat(session.received).hasSize(1);
    assertThat(exit.exitCode()).isEqualTo(3);
    assertThat(exit.requested()).isFalse();
    assertThat(exit.reason()).contains("exited with code 3");
    assertThat(ProcessHandle.of(session.upstream.pid())).isEmpty();
  }

  @Test
  void closeEndsTheProcessItsChildrenAndItsWorkingDirectory() throws Exception {
    Session session = open(Map.of());
    session.upstream.send(JsonRpcMessage.request(1, "spawn", null));
    session.upstream.send(JsonRpcMessage.request(2, "cwd", null));
    List<JsonObject> replies = session.await(2);
    long child = replies.get(0).getJsonObject("result").getLong("pid");
    Path cwd = Path.of(replies.get(1).getJsonObject("result").getString("cwd"));
    assertThat(ProcessHandle.of(child)).isPresent();
    assertThat(cwd.getFileName().toString()).startsWith("catwalk-session-");

    session.upstream.close().await(20, TimeUnit.SECONDS);

    assertThat(session.exit.future().await(5, TimeUnit.SECONDS).requested()).isTrue();
    assertThat(ProcessHandle.of(session.upstream.pid())).isEmpty();
    waitUntilGone(child);
    assertThat(ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false)).as("no orphan left behind").isFalse();
    assertThat(Files.exists(cwd)).isFalse();
  }

  @Test
  void aMissingCommandFailsStartWithItsName() {
    Context context = resources.vertx().getOrCreateContext();
    Future<Void> started = Future.future(p -> context.runOnContext(v ->
        new StdioUpstream(resources.vertx(), new StdioUpstream.Spec(List.of("/no/such/mcp-server"), Map.of(), null, 10, 1 << 20))
            .start().onComplete(p)));

    assertThatThrownBy(() -> started.await()).hasMessageContaining("cannot start '/no/such/mcp-server'");
  }

  private static void waitUntilGone(long pid) {
    await().atMost(Duration.ofSeconds(10)).until(() -> !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
  }

  private Session open(Map<String, String> env) throws Exception {
    Session session = new Session();
    Context context = resources.vertx().getOrCreateContext();
    session.context = context;
    Promise<Void> started = Promise.promise();
    context.runOnContext(v -> {
      session.upstream = new StdioUpstream(resources.vertx(),
          new StdioUpstream.Spec(ScriptedStdioServer.command(), env, null, 20, 1 << 20));
      session.upstream.messageHandler(m -> {
        session.contexts.add(resources.vertx().getOrCreateContext());
        session.received.add(m);
      }).exitHandler(session.exit::tryComplete);
      session.upstream.start().onComplete(started);
    });
    started.future().await(30, TimeUnit.SECONDS);
    return session;
  }

  /** One upstream and what it produced. */
  private static final class Session {
    final List<JsonObject> received = new CopyOnWriteArrayList<>();
    final List<Context> contexts = new CopyOnWriteArrayList<>();
    final Promise<Upstream.UpstreamExit> exit = Promise.promise();
    Context context;
    StdioUpstream upstream;

    List<JsonObject> await(int count) {
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> received.size() >= count);
      assertThat(received).hasSize(count);
      return List.copyOf(received);
    }
  }
}
