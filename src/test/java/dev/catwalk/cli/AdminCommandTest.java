package dev.catwalk.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What {@code catwalk admin} prints for people (the gateway's replies are covered by AdminClientTest and CliIT). */
class AdminCommandTest {

  @Test
  void sessionsAreATableWithAgesAndTheClient() {
    JsonObject session = new JsonObject().put("sessionId", "s-1").put("deploymentId", "d-1").put("tokenId", "t-1")
        .put("ageSeconds", 3725).put("idleSeconds", 65)
        .put("client", new JsonObject().put("name", "claude-code").put("version", "2.0"));
    JsonObject reply = new JsonObject().put("sessions", new JsonArray().add(session)).put("draining", true);

    String out = new AdminCommand.Sessions().describe(reply);

    assertThat(out.lines().toList()).containsExactly(
        "SESSION  DEPLOYMENT  TOKEN  CLIENT           AGE    IDLE",
        "s-1      d-1         t-1    claude-code 2.0  1h02m  1m05s",
        "1 session(s)",
        "the node is draining: new sessions are refused");
    assertThat(new AdminCommand.Sessions().describe(new JsonObject().put("sessions", new JsonArray())))
        .isEqualTo("no open sessions");
  }

  @Test
  void deploymentsAreATableWithTheirStatusAndReason() {
    JsonArray items = new JsonArray()
        .add(new JsonObject().put("name", "slack").put("id", "d-1").put("status", "running").put("backend", "local"))
        .add(new JsonObject().put("name", "docs").put("id", "d-2").put("status", "degraded").put("backend", "local")
            .put("statusReason", "connection refused"));

    String out = new AdminCommand.ListDeployments().describe(new JsonObject().put("items", items));

    assertThat(out.lines().toList()).containsExactly(
        "NAME   ID   STATUS    BACKEND  REASON",
        "slack  d-1  running   local",
        "docs   d-2  degraded  local    connection refused",
        "2 deployment(s)");
    assertThat(new AdminCommand.ListDeployments().describe(new JsonObject().put("items", new JsonArray())))
        .isEqualTo("no deployments");
  }

  @Test
  void drainSaysWhatChanged() {
    AdminCommand.Drain drain = new AdminCommand.Drain();

    assertThat(drain.describe(new JsonObject().put("draining", true).put("sessionsEnded", 2).put("sessionsOpen", 0)))
        .isEqualTo("draining: new sessions are refused (2 ended, 0 still open)");
    assertThat(drain.describe(new JsonObject().put("draining", false).put("sessionsEnded", 0).put("sessionsOpen", 3)))
        .isEqualTo("accepting new sessions again (3 open)");
  }

  @Test
  void accountsAndGrantsAreTables() {
    JsonObject accounts = new JsonObject().put("accounts", new JsonArray()
        .add(new JsonObject().put("username", "ada").put("role", "admin")));
    assertThat(new AccountCommands.Users().describe(accounts).lines().toList()).containsExactly(
        "USERNAME  ROLE", "ada       admin", "1 account(s)");
    assertThat(new AccountCommands.Users().describe(new JsonObject().put("accounts", new JsonArray())))
        .contains("catwalk admin add-user");
    JsonObject grants = new JsonObject().put("grants", new JsonArray().add(new JsonObject().put("id", "g-1")
        .put("clientName", "Claude").put("username", "ada").put("createdAt", "2026-12-05T07:00Z").put("revoked", true)
        .put("revokedReason", "revoked by the client")));
    assertThat(new AccountCommands.Grants().describe(grants).lines().toList()).containsExactly(
        "GRANT  CLIENT  USER  CREATED            STATE",
        "g-1    Claude  ada   2026-12-05T07:00Z  revoked: revoked by the client",
        "1 grant(s)");
  }

  @Test
  void durationsReadShort() {
    assertThat(AdminCommand.duration(0)).isEqualTo("0s");
    assertThat(AdminCommand.duration(59)).isEqualTo("59s");
    assertThat(AdminCommand.duration(60)).isEqualTo("1m00s");
    assertThat(AdminCommand.duration(7260)).isEqualTo("2h01m");
  }
}
