package dev.catwalk.oauth;

import dev.catwalk.Addresses;
import dev.catwalk.admin.AdminClient;
import dev.catwalk.config.ConfigKeys;
import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.GatewayHarness;
import dev.catwalk.testsupport.GatewayHarness.Reply;
import dev.catwalk.testsupport.TestConfig;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Operator accounts through the admin channel ({@code catwalk admin add-user | users | remove-user}) and
 * the admin REST API, against a real gateway: passwords are hashed and never echoed, names are unique,
 * weak passwords and unknown roles are refused.
 */
@Timeout(120)
class AccountAdminTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.withDatabase();

  private static GatewayHarness gateway;
  private static AdminClient admin;

  @BeforeAll
  static void start() {
    int port = TestConfig.freePort();
    gateway = GatewayHarness.start(resources, raw -> raw.put(ConfigKeys.ADMIN_PORT, port));
    admin = new AdminClient(resources.vertx(), port, TestConfig.ADMIN_TOKEN);
  }

  @AfterAll
  static void stop() {
    admin.close().await();
    gateway.close();
  }

  @Test
  void theAdminChannelAddsListsAndRemovesAccounts() {
    JsonObject added = admin.request(Addresses.ADMIN_ACCOUNTS_ADD, new JsonObject().put("username", "Grace")
        .put("password", "a long enough password").put("role", "admin")).await();
    assertThat(added.getString("username")).isEqualTo("grace");
    assertThat(added.encode()).doesNotContain("a long enough password").doesNotContain("argon2");

    JsonObject listed = admin.request(Addresses.ADMIN_ACCOUNTS_LIST, new JsonObject()).await();
    assertThat(listed.getJsonArray("accounts").getJsonObject(0).getMap()).containsEntry("username", "grace")
        .containsEntry("role", "admin").doesNotContainKey("passwordHash");
    String stored = gateway.gateway().pool().query("SELECT password_hash FROM accounts WHERE username = 'grace'")
        .execute().await().iterator().next().getString(0);
    assertThat(stored).startsWith("$argon2id$v=19$m=19456,t=2,p=1$");

    assertThatThrownBy(() -> admin.request(Addresses.ADMIN_ACCOUNTS_ADD, new JsonObject().put("username", "grace")
        .put("password", "another long password")).await()).hasMessageContaining("exists");
    assertThatThrownBy(() -> admin.request(Addresses.ADMIN_ACCOUNTS_ADD, new JsonObject().put("username", "short")
        .put("password", "tiny")).await()).hasMessageContaining("12 characters");
    assertThatThrownBy(() -> admin.request(Addresses.ADMIN_ACCOUNTS_ADD, new JsonObject().put("username", "role")
        .put("password", "a long enough password").put("role", "owner")).await()).hasMessageContaining("admin or member");

    assertThat(admin.request(Addresses.ADMIN_ACCOUNTS_REMOVE, new JsonObject().put("username", "grace")).await()
        .getBoolean("removed")).isTrue();
    assertThatThrownBy(() -> admin.request(Addresses.ADMIN_ACCOUNTS_REMOVE, new JsonObject().put("username", "grace"))
        .await()).hasMessageContaining("no such account");
  }

  @Test
  void aRoleChangesButNeverLeavesNoAdministratorAndIsAudited() {
    for (String[] account : new String[][] {{"ruth", "admin"}, {"otto", "member"}}) {
      assertThat(gateway.admin(HttpMethod.POST, "/api/accounts", new JsonObject().put("username", account[0])
          .put("password", "a long enough password").put("role", account[1])).status()).isEqualTo(201);
    }
    try {
      Reply promoted = gateway.admin(HttpMethod.PATCH, "/api/accounts/otto", new JsonObject().put("role", "admin"));
      assertThat(promoted.status()).as(promoted.body()).isEqualTo(200);
      assertThat(promoted.json().getString("role")).isEqualTo("admin");
      assertThat(gateway.admin(HttpMethod.PATCH, "/api/accounts/ruth", new JsonObject().put("role", "member")).status())
          .isEqualTo(200);
      Reply last = gateway.admin(HttpMethod.PATCH, "/api/accounts/otto", new JsonObject().put("role", "member"));
      assertThat(last.status()).as("otto is the last admin").isEqualTo(409);
      assertThat(last.json().getString("detail")).contains("last administrator");
      assertThat(gateway.admin(HttpMethod.PATCH, "/api/accounts/otto", new JsonObject().put("role", "owner")).status())
          .isEqualTo(400);
      assertThat(gateway.admin(HttpMethod.PATCH, "/api/accounts/otto", new JsonObject().put("role", "admin")
          .put("password", "x")).status()).isEqualTo(400);
      assertThat(gateway.admin(HttpMethod.PATCH, "/api/accounts/nobody", new JsonObject().put("role", "admin")).status())
          .isEqualTo(404);
      assertThat(gateway.send(HttpMethod.PATCH, "/api/accounts/otto", new JsonObject().put("role", "member"), null)
          .status()).isEqualTo(401);
      JsonObject roles = new JsonObject();
      gateway.admin(HttpMethod.GET, "/api/accounts", null).json().getJsonArray("accounts").stream()
          .map(JsonObject.class::cast).forEach(a -> roles.put(a.getString("username"), a.getString("role")));
      assertThat(roles.getMap()).containsEntry("otto", "admin").containsEntry("ruth", "member");
      assertThat(gateway.gateway().pool().query("SELECT actor, detail->>'username' AS who, detail->>'role' AS role"
          + " FROM audit_events WHERE action = 'account.role' ORDER BY id").execute().await().stream()
          .map(row -> row.getString("actor") + " " + row.getString("who") + " " + row.getString("role")).toList())
          .containsExactly("admin otto admin", "admin ruth member");
    } finally {
      gateway.admin(HttpMethod.DELETE, "/api/accounts/ruth", null);
      gateway.admin(HttpMethod.DELETE, "/api/accounts/otto", null);
    }
  }

  @Test
  void theRestApiManagesAccountsForTheAdminTokenOnly() {
    Reply created = gateway.admin(HttpMethod.POST, "/api/accounts", new JsonObject().put("username", "linus")
        .put("password", "a long enough password"));
    assertThat(created.status()).isEqualTo(201);
    assertThat(created.json().getString("role")).isEqualTo("member");
    assertThat(gateway.admin(HttpMethod.POST, "/api/accounts", new JsonObject().put("username", "x")
        .put("password", "a long enough password").put("extra", 1)).status()).isEqualTo(400);
    assertThat(gateway.admin(HttpMethod.GET, "/api/accounts", null).json().getJsonArray("accounts").encode())
        .contains("linus");
    assertThat(gateway.send(HttpMethod.GET, "/api/accounts", null, null).status()).isEqualTo(401);
    assertThat(gateway.admin(HttpMethod.DELETE, "/api/accounts/linus", null).status()).isEqualTo(200);
    assertThat(gateway.admin(HttpMethod.DELETE, "/api/accounts/linus", null).status()).isEqualTo(404);
    assertThat(gateway.seen()).noneMatch(text -> text.contains("a long enough password"));
  }
}
