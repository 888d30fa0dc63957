package dev.catwalk.db;

import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.TestConfig;
import dev.catwalk.testsupport.TestDatabase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** sslmode against real servers: the test Postgres (which has no TLS) and a raw socket that records what a client sends first. */
class DatabaseConnectionTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.withDatabase();

  /** The Postgres protocol's SSLRequest code (protocol docs, "SSLRequest"). */
  private static final int SSL_REQUEST_CODE = 80877103;


  @Test
  void requireAgainstAServerWithoutTlsFailsWithAMessageThatSaysSo() {
    DatabaseUrl require = DatabaseUrl.parse(TestConfig.libpqUrl(resources.database(), "require"));
    assertThat(serverHasTls()).as("the test server must not offer TLS for this test").isFalse();
    Pool pool = Database.pool(resources.vertx(), require, 1);
    try {
      assertThatThrownBy(() -> Database.ping(pool, require, 5_000).await())
          .isInstanceOf(DatabaseException.class)
          .hasMessageContaining("does not support TLS")
          .hasMessageContaining("sslmode=require");
    } finally {
      pool.close().await();
    }
  }

  @Test
  void requireAgainstAServerWithoutTlsFailsMigrationsTooWithTheSameMessage() {
    DatabaseUrl require = DatabaseUrl.parse(TestConfig.libpqUrl(resources.database(), "require"));

    assertThatThrownBy(() -> new Migrations(resources.vertx(), require).migrate().await())
        .isInstanceOf(DatabaseException.class)
        .hasMessageContaining("does not support TLS");
  }

  @Test
  void preferFallsBackToPlainConnectionsLikeLibpq() {
    DatabaseUrl prefer = DatabaseUrl.parse(TestConfig.libpqUrl(resources.database(), "prefer"));
    Pool pool = Database.pool(resources.vertx(), prefer, 1);
    try {
      Database.ping(pool, prefer, 5_000).await();
    } finally {
      pool.close().await();
    }
  }

  @Test
  void disableNeverAttemptsTls() throws Exception {
    int firstCode = firstProtocolCodeSentBy("disable");

    assertThat(firstCode).as("first message is a StartupMessage (protocol 3.0), not an SSLRequest")
        .isEqualTo(196608);
  }

  @Test
  void requireAsksForTlsFirst() throws Exception {
    assertThat(firstProtocolCodeSentBy("require")).isEqualTo(SSL_REQUEST_CODE);
  }

  @Test
  void wrongPasswordIsExplainedWithoutRevealingIt() {
    DatabaseUrl wrong = new DatabaseUrl(resources.database().host(), resources.database().port(), "no_such_db_here", "no_such_user",
        "hunter2-wrong", "disable", null, "catwalk", 2, false, java.util.List.of());
    Pool pool = Database.pool(resources.vertx(), wrong, 1);
    try {
      assertThatThrownBy(() -> Database.ping(pool, wrong, 5_000).await())
          .isInstanceOf(DatabaseException.class)
          .hasMessageContaining(wrong.location())
          .message().doesNotContain("hunter2-wrong");
    } finally {
      pool.close().await();
    }
  }

  private static boolean serverHasTls() {
    Pool pool = Database.pool(resources.vertx(), resources.database(), 1);
    try {
      return pool.query("SELECT current_setting('ssl')").execute().await().iterator().next().getString(0).equals("on");
    } finally {
      pool.close().await();
    }
  }

  /** Starts a socket that reads the client's first message (length + code) and hangs up. */
  private static int firstProtocolCodeSentBy(String sslMode) throws Exception {
    CompletableFuture<Integer> code = new CompletableFuture<>();
    NetServer server = resources.vertx().createNetServer().connectHandler(socket -> {
      Buffer received = Buffer.buffer();
      socket.handler(chunk -> {
        received.appendBuffer(chunk);
        if (received.length() >= 8) {
          code.complete(received.getInt(4));
          socket.close();
        }
      });
    });
    server.listen(0, "127.0.0.1").await();
    DatabaseUrl url = new DatabaseUrl("127.0.0.1", server.actualPort(), "app", "u", "p", sslMode, null, "catwalk",
        2, false, java.util.List.of());
    Pool pool = Database.pool(resources.vertx(), url, 1);
    try {
      Database.ping(pool, url, 3_000).otherwiseEmpty().await();
      return code.get(5, TimeUnit.SECONDS);
    } finally {
      pool.close().await();
      server.close().await();
    }
  }
}
