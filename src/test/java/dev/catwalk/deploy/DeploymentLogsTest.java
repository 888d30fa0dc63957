package dev.catwalk.deploy;

import dev.catwalk.crypto.KnownSecrets;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Deployment logs redact every secret the gateway knows, not only the deployment's own. */
class DeploymentLogsTest {

  private static final String ADMIN_TOKEN = "gateway-admin-token-0123456789";
  private static final String DB_PASSWORD = "db-password-42";

  private static List<String> texts(DeploymentLogs logs, UUID id) {
    return logs.recent(id, 100).stream().map(line -> ((JsonObject) line).getString("text")).toList();
  }

  @Test
  void aServerPrintingAnotherDeploymentsOrTheGatewaysSecretsShowsThemRedacted() {
    DeploymentLogs logs = new DeploymentLogs(100, new KnownSecrets(List.of(ADMIN_TOKEN, DB_PASSWORD, "")));
    UUID hostile = UUID.randomUUID();
    UUID sibling = UUID.randomUUID();
    DeploymentLogs.Sink hostileSink = logs.sink(hostile, List.of("hostile-own-key"));
    hostileSink.line("stderr", "found sibling-secret-value before it was known");
    logs.sink(sibling, List.of("sibling-secret-value"));
    hostileSink.line("stderr", "own hostile-own-key, admin " + ADMIN_TOKEN + ", db " + DB_PASSWORD
        + ", sibling sibling-secret-value");
    logs.lifecycle(hostile, "a reason quoting sibling-secret-value");

    assertThat(texts(logs, hostile)).containsExactly("found [redacted] before it was known",
        "own [redacted], admin [redacted], db [redacted], sibling [redacted]", "a reason quoting [redacted]");
    assertThat(logs.redact("gateway log about " + ADMIN_TOKEN)).isEqualTo("gateway log about [redacted]");
  }

  @Test
  void secretsOfADeletedDeploymentAreForgottenAndNewValuesAddToOldOnes() {
    KnownSecrets secrets = new KnownSecrets(List.of());
    UUID id = UUID.randomUUID();
    secrets.add(id, List.of("first-value"));
    secrets.add(id, List.of("rotated-value"));
    assertThat(secrets.redact("first-value rotated-value")).isEqualTo("[redacted] [redacted]");
    secrets.forget(id);
    assertThat(secrets.redact("first-value rotated-value")).isEqualTo("first-value rotated-value");
  }
}
