package dev.catwalk.deploy;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The log book owns the logs; writers and readers only send it messages. */
@ExtendWith(VertxExtension.class)
class DeploymentLogBookTest {

  @Test
  void keepsTheNewestLinesRedactedPerDeploymentAndForgetsOnRequest(Vertx vertx) {
    vertx.deployVerticle(new DeploymentLogBook(3)).await();
    DeploymentLogs logs = new DeploymentLogs(vertx.eventBus(), new dev.catwalk.crypto.KnownSecrets(List.of()));
    UUID one = UUID.randomUUID();
    UUID other = UUID.randomUUID();
    DeploymentLogs.Sink sink = logs.sink(one, List.of("s3cret-value"));

    sink.line("stderr", "starting with token s3cret-value");
    for (int i = 1; i <= 3; i++) {
      sink.line("stderr", "line " + i);
    }
    logs.lifecycle(other, "deployment created");

    assertThat(texts(logs.recent(one, 10).await())).containsExactly("line 1", "line 2", "line 3");
    assertThat(texts(logs.recent(one, 2).await())).containsExactly("line 2", "line 3");
    assertThat(logs.recent(other, 10).await().getJsonObject(0).getString("source")).isEqualTo("lifecycle");

    logs.sink(one, List.of("s3cret-value")).line("stderr", "again s3cret-value");
    assertThat(texts(logs.recent(one, 1).await()).getFirst()).doesNotContain("s3cret-value").startsWith("again ");

    logs.forget(one);
    assertThat(logs.recent(one, 10).await()).isEmpty();
    assertThat(logs.recent(other, 10).await()).hasSize(1);
  }

  private static List<String> texts(JsonArray lines) {
    return lines.stream().map(line -> ((JsonObject) line).getString("text")).toList();
  }
}
