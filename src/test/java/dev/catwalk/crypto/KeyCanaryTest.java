package dev.catwalk.crypto;

import dev.catwalk.Gateway;
import dev.catwalk.config.CatwalkConfig;
import dev.catwalk.config.ConfigKeys;
import dev.catwalk.db.Database;
import dev.catwalk.db.DatabaseUrl;
import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.GatewayHarness;
import dev.catwalk.testsupport.TestConfig;
import dev.catwalk.testsupport.TestDatabase;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A gateway started with another encryption key than the one that serves its database is refused before it
 * writes anything (migrations included), with a message that names the setting and never a key; a rotation
 * (new key plus the old one as previous, then {@code rotate-key}) keeps working and moves the canary to the
 * new key; a database from before the canary is checked against the key ids of its sealed values.
 */
@Timeout(180)
class KeyCanaryTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.vertxOnly();

  private static final String KEY_A = Base64.getEncoder().encodeToString(
      "key-a-key-a-key-a-key-a-key-a-32".getBytes(StandardCharsets.US_ASCII));
  private static final String KEY_B = Base64.getEncoder().encodeToString(
      "key-b-key-b-key-b-key-b-key-b-32".getBytes(StandardCharsets.US_ASCII));
  private static final List<String> TABLES = List.of("settings", "deployments", "deployment_secrets", "access_tokens",
      "audit_events", "flyway_schema_history");

  private DatabaseUrl database;

  @BeforeEach
  void freshDatabase() {
    database = TestDatabase.create(resources.vertx(), KeyCanaryTest.class);
  }

  @AfterEach
  void dropDatabase() {
    TestDatabase.drop(resources.vertx(), database);
  }

  @Test
  void aGatewayWithAnotherKeyIsRefusedAndTheDatabaseIsLeftAsItWas() throws Exception {
    try (GatewayHarness first = start(raw -> raw.put(ConfigKeys.ENCRYPTION_KEY, KEY_A))) {
      storeSecrets(first);
    }
    String before = snapshot();
    assertThat(before).as("the first gateway wrote a canary").contains(KeyCanary.NAME);

    JsonObject raw = raw(r -> r.put(ConfigKeys.ENCRYPTION_KEY, KEY_B));
    int port = raw.getInteger(ConfigKeys.PORT);
    CatwalkConfig wrong = CatwalkConfig.from(raw, CatwalkConfig.Purpose.SERVE);

    assertThat(refusal(wrong))
        .isInstanceOf(KeyMismatchException.class)
        .hasMessageContaining("CATWALK_ENCRYPTION_KEY does not fit the database at " + database.location())
        .hasMessageContaining(keyId(KEY_A)).hasMessageContaining(keyId(KEY_B))
        .hasMessageContaining("Nothing was changed")
        .message().doesNotContain(KEY_A).doesNotContain(KEY_B);
    assertThat(snapshot()).as("the database is unchanged").isEqualTo(before);
    assertThat(portFree(port)).as("nothing listens").isTrue();
  }

  @Test
  void rotationMovesTheCanaryToTheNewKeyAndTheOldKeyAloneIsThenRefused() {
    try (GatewayHarness first = start(raw -> raw.put(ConfigKeys.ENCRYPTION_KEY, KEY_A))) {
      storeSecrets(first);
    }
    try (GatewayHarness rotating = start(raw -> raw.put(ConfigKeys.ENCRYPTION_KEY, KEY_B)
        .put(ConfigKeys.ENCRYPTION_KEY_PREVIOUS, KEY_A))) {
      assertThat(canaryKeyId()).as("the previous key still opens the canary").isEqualTo(keyId(KEY_A));
      GatewayHarness.Reply rotation = rotating.admin(HttpMethod.POST, "/api/admin/rotate-key", null);
      assertThat(rotation.status()).as(rotation.body()).isEqualTo(200);
      assertThat(rotation.json().getInteger("settings")).as("the canary is not counted as a setting").isEqualTo(1);
      assertThat(canaryKeyId()).isEqualTo(keyId(KEY_B));
    }
    try (GatewayHarness rotated = start(raw -> raw.put(ConfigKeys.ENCRYPTION_KEY, KEY_B))) {
      assertThat(rotated.admin(HttpMethod.GET, "/health/ready", null).status()).isEqualTo(200);
      assertThat(storedSetting(rotated, "githubToken")).isEqualTo("ghp_canary_test");
    }
    String before = snapshot();

    assertThat(refusal(config(raw -> raw.put(ConfigKeys.ENCRYPTION_KEY, KEY_A))))
        .isInstanceOf(KeyMismatchException.class).hasMessageContaining(keyId(KEY_B));
    assertThat(snapshot()).isEqualTo(before);
  }

  @Test
  void aDatabaseFromBeforeTheCanaryIsCheckedAgainstItsSealedValuesThenGetsOne() {
    try (GatewayHarness first = start(raw -> raw.put(ConfigKeys.ENCRYPTION_KEY, KEY_A))) {
      storeSecrets(first);
    }
    execute("DELETE FROM settings WHERE name = $1", KeyCanary.NAME);
    String before = snapshot();

    assertThat(refusal(config(raw -> raw.put(ConfigKeys.ENCRYPTION_KEY, KEY_B))))
        .isInstanceOf(KeyMismatchException.class)
        .hasMessageContaining("its secrets are encrypted with key id " + keyId(KEY_A));
    assertThat(snapshot()).isEqualTo(before);

    try (GatewayHarness right = start(raw -> raw.put(ConfigKeys.ENCRYPTION_KEY, KEY_A))) {
      assertThat(canaryKeyId()).isEqualTo(keyId(KEY_A));
    }
  }

  private static void storeSecrets(GatewayHarness gateway) {
    assertThat(gateway.admin(HttpMethod.PUT, "/api/settings", new JsonObject().put("githubToken", "ghp_canary_test"))
        .status()).isEqualTo(200);
    JsonObject schema = new JsonObject().put("type", "object").put("properties", new JsonObject()
        .put("SECRET", new JsonObject().put("type", "string").put("writeOnly", true)));
    gateway.createFixtureDeployment("canary", schema, new JsonObject().put("SECRET", "sealed-with-the-first-key"));
  }

  private GatewayHarness start(Consumer<JsonObject> overrides) {
    return GatewayHarness.start(resources.vertx(), database, overrides);
  }

  private CatwalkConfig config(Consumer<JsonObject> overrides) {
    return CatwalkConfig.from(raw(overrides), CatwalkConfig.Purpose.SERVE);
  }

  /** Why a gateway did not start (null when it did; then it is stopped again, so it cannot answer later tests). */
  private static Throwable refusal(CatwalkConfig config) {
    Gateway started;
    try {
      started = Gateway.start(resources.vertx(), config).await();
    } catch (RuntimeException e) {
      return e;
    }
    started.close().await();
    return null;
  }

  private JsonObject raw(Consumer<JsonObject> overrides) {
    JsonObject raw = TestConfig.raw(TestConfig.libpqUrl(database, "disable"));
    overrides.accept(raw);
    return raw;
  }

  /** Every row of the tables Catwalk writes, as text, in a stable order. */
  private String snapshot() {
    StringBuilder all = new StringBuilder();
    Pool pool = Database.pool(resources.vertx(), database, 1);
    try {
      for (String table : TABLES) {
        for (Row row : pool.query("SELECT t::text AS row FROM " + table + " t ORDER BY 1").execute().await()) {
          all.append(table).append(": ").append(row.getString("row")).append('\n');
        }
      }
    } finally {
      pool.close().await();
    }
    return all.toString();
  }

  private String canaryKeyId() {
    Pool pool = Database.pool(resources.vertx(), database, 1);
    try {
      return pool.preparedQuery("SELECT key_id FROM settings WHERE name = $1").execute(Tuple.of(KeyCanary.NAME)).await()
          .iterator().next().getString("key_id");
    } finally {
      pool.close().await();
    }
  }

  private void execute(String sql, Object argument) {
    Pool pool = Database.pool(resources.vertx(), database, 1);
    try {
      pool.preparedQuery(sql).execute(Tuple.of(argument)).await();
    } finally {
      pool.close().await();
    }
  }

  private static String keyId(String key) {
    return SecretBox.keyId(Base64.getDecoder().decode(key));
  }

  private static boolean portFree(int port) throws IOException {
    try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort() == port;
    }
  }

  /** A stored setting, read with the running gateway's own pool and key. */
  private static String storedSetting(GatewayHarness gateway, String name) {
    return new dev.catwalk.config.SettingsRepository(gateway.gateway().pool(),
        new SecretBox(gateway.gateway().config().encryptionKey(), null), java.util.Map.of()).value(name).await()
        .orElseThrow();
  }
}
