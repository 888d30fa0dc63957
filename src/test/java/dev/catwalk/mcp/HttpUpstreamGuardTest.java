package dev.catwalk.mcp;

import dev.catwalk.deploy.PublicAddresses;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.dns.AddressResolverOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A remote MCP server's address is checked at connect time, with the address the connection reached: a name
 * that resolves (through a resolver this test controls: Vert.x's hosts table) to loopback is refused before
 * anything is written, whatever it resolved to when the deployment was provisioned.
 */
@Timeout(60)
class HttpUpstreamGuardTest {

  private Vertx vertx;
  private HttpServer server;
  private final AtomicInteger requests = new AtomicInteger();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx(new VertxOptions().setAddressResolverOptions(new AddressResolverOptions()
        .setHostsValue(Buffer.buffer("127.0.0.1 rebound.example\n"))));
    server = vertx.createHttpServer().requestHandler(request -> {
      requests.incrementAndGet();
      request.response().putHeader("Content-Type", "application/json")
          .end(new JsonObject().put("jsonrpc", "2.0").put("id", 1).put("result", new JsonObject()).encode());
    }).listen(0, "127.0.0.1").await();
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  @Test
  void aNameThatNowResolvesToLoopbackIsRefusedAtConnectTime() {
    Promise<JsonObject> answered = Promise.promise();
    Upstream upstream = new HttpUpstream(vertx, spec(), PublicAddresses::isPublic).messageHandler(answered::tryComplete);
    upstream.start().await();

    upstream.send(initialize());

    JsonObject answer = answered.future().await();
    assertThat(answer.getJsonObject("error").getString("message")).contains("could not be reached");
    assertThat(requests).as("nothing reached the server").hasValue(0);
    upstream.close().await();
  }

  @Test
  void theSameServerIsReachedWhenTheGuardAllowsIt() {
    Promise<JsonObject> answered = Promise.promise();
    Upstream upstream = new HttpUpstream(vertx, spec(), address -> true).messageHandler(answered::tryComplete);
    upstream.start().await();

    upstream.send(initialize());

    assertThat(answered.future().await().getInteger("id")).isEqualTo(1);
    assertThat(requests).hasValue(1);
    upstream.close().await();
  }

  private HttpUpstream.Spec spec() {
    return new HttpUpstream.Spec(URI.create("http://rebound.example:" + server.actualPort() + "/mcp"), Map.of(),
        Duration.ofSeconds(5), 1 << 20);
  }

  private static JsonObject initialize() {
    return new JsonObject().put("jsonrpc", "2.0").put("id", 1).put("method", "initialize").put("params",
        new JsonObject().put("protocolVersion", "2025-06-18").put("capabilities", new JsonObject())
            .put("clientInfo", new JsonObject().put("name", "t").put("version", "1")));
  }
}
