package dev.catwalk.catalog;

import dev.catwalk.Addresses;
import dev.catwalk.config.CatwalkConfig;
import dev.catwalk.config.SettingsRepository;
import dev.catwalk.crypto.SecretBox;
import dev.catwalk.db.Database;
import dev.catwalk.db.Migrations;
import dev.catwalk.deploy.Backend;
import dev.catwalk.deploy.LocalBackend;
import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.GatewayHarness;
import dev.catwalk.testsupport.LogCapture;
import dev.catwalk.testsupport.catalog.CatalogFixtures;
import dev.catwalk.testsupport.catalog.FakeGlama;
import dev.catwalk.testsupport.catalog.FakeRegistry;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The catalog verticle against the fake registry and the fake Glama over real HTTP, with its real
 * repository on Postgres: paging, deltas with {@code updated_since}, versions, statuses, a change behind
 * the cursor, resuming an interrupted walk, retries, timeouts, a registry that is down, malformed entries,
 * Glama's crawl with removals, switches, and a search that never calls out. Driven through its event-bus
 * commands, the contract the REST API and the console use.
 */
@Timeout(120)
class CatalogSyncTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.withDatabase();

  @TempDir
  static Path bin;

  private static Pool pool;
  private static SettingsRepository settings;
  private static Map<String, Backend> backends;

  private FakeRegistry registry;
  private FakeGlama glama;
  private String deployment;
  private int pageSize = 3;
  private Duration requestTimeout = Duration.ofSeconds(5);
  private int maxBodyBytes = 32 * 1024 * 1024;

  @BeforeAll
  static void database() throws Exception {
    new Migrations(resources.vertx(), resources.database()).migrate().await();
    pool = Database.pool(resources.vertx(), resources.database(), 4);
    settings = new SettingsRepository(pool, new SecretBox(new byte[32], null), Map.of(),
        Map.of("catalogRegistryEnabled", true, "catalogGlamaEnabled", true));
    for (String program : List.of("npx", "uvx")) {
      Path file = bin.resolve(program);
      Files.writeString(file, "#!/bin/sh\nexit 0\n");
      assertThat(file.toFile().setExecutable(true)).isTrue();
    }
    // The entries' remote hosts (example.com) are not resolvable to public addresses on a closed test machine;
    // the public-address filter has its own tests (PublicAddressesTest, LocalBackend's connect-time check).
    boolean allowPrivateUpstreams = true;
    backends = Map.of(LocalBackend.NAME, new LocalBackend(resources.vertx(), bin.toString(), allowPrivateUpstreams, (url, headers) -> {
      throw new IllegalStateException("no sessions in this test");
    }, dev.catwalk.sandbox.Sandbox.off())); // no server process runs here: nothing to sandbox
  }

  @BeforeEach
  void fakes() {
    pool.query("TRUNCATE catalog_entries, catalog_sync, settings").execute().await();
    registry = FakeRegistry.withFixtures(resources.vertx());
    glama = FakeGlama.withFixtures(resources.vertx());
  }

  @AfterEach
  void stop() {
    if (deployment != null) {
      resources.vertx().undeploy(deployment).await();
    }
    registry.close();
    glama.close();
  }

  /** Deploys the verticle; its first sync of each source starts at once. */
  private void start() {
    CatwalkConfig.CatalogOptions sources = new CatwalkConfig.CatalogOptions(registry.url(), true, glama.url(), true,
        Duration.ofHours(1), Duration.ofHours(24));
    CatalogVerticle.Options options = CatalogVerticle.Options.defaults(sources)
        .withClient(requestTimeout, 2, Duration.ofMillis(50), pageSize).withMaxBodyBytes(maxBodyBytes);
    deployment = resources.vertx().deployVerticle(new CatalogVerticle(options, new CatalogRepository(pool), settings,
        backends)).await();
  }

  private static JsonObject request(String address, JsonObject body) {
    return resources.vertx().eventBus().<JsonObject>request(address, body).await().body();
  }

  private static JsonObject source(String name) {
    for (Object source : request(Addresses.CATALOG_STATUS, new JsonObject()).getJsonArray("sources")) {
      if (name.equals(((JsonObject) source).getString("source"))) {
        return (JsonObject) source;
      }
    }
    throw new AssertionError("no source " + name);
  }

  /** Waits until {@code name} has finished {@code runs} syncs since the verticle started. */
  private static JsonObject awaitRuns(String name, long runs) {
    GatewayHarness.eventually(() -> source(name).getLong("runs") >= runs && !"syncing".equals(source(name)
        .getString("state")), name + " finished sync " + runs, Duration.ofSeconds(60));
    return source(name);
  }

  private static JsonObject syncAgain(String name) {
    long before = source(name).getLong("runs");
    request(Addresses.CATALOG_SYNC, new JsonObject().put("source", name));
    return awaitRuns(name, before + 1);
  }

  private static List<String> names(String query) {
    return names(request(Addresses.CATALOG_SEARCH, query == null ? new JsonObject() : new JsonObject()
        .put("q", query).put("limit", 100)));
  }

  private static List<String> names(JsonObject answer) {
    List<String> names = new ArrayList<>();
    answer.getJsonArray("items").forEach(item -> names.add(((JsonObject) item).getString("name")));
    return names;
  }

  private static JsonObject item(String query, String name) {
    for (Object item : request(Addresses.CATALOG_SEARCH, new JsonObject().put("q", query).put("limit", 100))
        .getJsonArray("items")) {
      if (name.equals(((JsonObject) item).getString("name"))) {
        return (JsonObject) item;
      }
    }
    throw new AssertionError(name + " not found for " + query);
  }

  @Test
  void theFirstSyncWalksEveryPageAndASearchFindsAWordOfAName() {
    start();
    JsonObject status = awaitRuns("registry", 1);
    assertThat(status.getString("state")).isEqualTo("idle");
    assertThat(status.getString("phase")).isEqualTo("delta");
    assertThat(status.getString("lastSuccessAt")).isNotNull();
    assertThat(status.getLong("entries")).as("every server once, the deleted one left out").isEqualTo(17);
    List<String> pages = registry.requests();
    assertThat(pages.getFirst()).isEqualTo("/v0.1/servers?limit=3");
    assertThat(pages.get(1)).startsWith("/v0.1/servers?limit=3&cursor=");
    assertThat(pages).as("18 rows listed (the deleted one is not), 3 a page, then an empty page").hasSize(7)
        .doesNotHaveDuplicates();

    List<String> found = names("everything");
    assertThat(found.getFirst()).isEqualTo("io.github.modelcontextprotocol/server-everything");
    assertThat(found).doesNotContain("io.github.spam/everything-free-tokens");
    assertThat(found.getLast()).as("deprecated entries sink").isEqualTo("io.github.old/everything-legacy");
    JsonObject weather = item("weather", "io.github.acme/weather");
    assertThat(weather.getString("version")).isEqualTo("1.4.0");
    assertThat(weather.getString("title")).isEqualTo("Acme Weather");
    assertThat(weather.getJsonArray("packages").getJsonObject(0).getString("identifier")).isEqualTo("@acme/weather-mcp");
    assertThat(weather.getJsonObject("backends").getJsonObject("local"))
        .isEqualTo(new JsonObject().put("runnable", true).put("variant", "npm"));
  }

  @Test
  void laterSyncsAskForChangesSinceTheLastWalkAndApplyVersionsDeprecationsAndDeletions() {
    start();
    awaitRuns("registry", 1);
    Instant firstWalk = Instant.parse(source("registry").getString("lastAttemptAt"));
    registry.clearRequests();
    JsonObject next = registry.server("io.github.acme/weather", "1.4.0").put("version", "1.5.0");
    next.getJsonArray("packages").getJsonObject(0).put("version", "1.5.0");
    registry.publish(next);
    registry.setStatus("io.github.files/filesystem", "3.1.0", "deprecated", "Moved to io.github.files/fs2");
    registry.setStatus("io.github.docktools/kube-inspector", "0.7.1", "deleted", "Removed by its publisher");
    String kubeId = CatalogIds.entryId("registry", "io.github.docktools/kube-inspector").toString();
    assertThat(request(Addresses.CATALOG_GET, new JsonObject().put("id", kubeId)).getString("name"))
        .isEqualTo("io.github.docktools/kube-inspector");

    syncAgain("registry");

    assertThat(registry.requests()).isNotEmpty().allSatisfy(r -> assertThat(r).contains("updated_since="));
    Instant since = Instant.parse(java.net.URLDecoder.decode(registry.requests().getFirst()
        .replaceAll(".*updated_since=([^&]+).*", "$1"), java.nio.charset.StandardCharsets.UTF_8));
    assertThat(since).as("a minute before the last walk began").isBeforeOrEqualTo(firstWalk.minusSeconds(59));
    JsonObject weather = request(Addresses.CATALOG_GET, new JsonObject()
        .put("id", CatalogIds.entryId("registry", "io.github.acme/weather").toString()));
    assertThat(weather.getString("version")).isEqualTo("1.5.0");
    assertThat(weather.getJsonObject("recipe").getString("version")).isEqualTo("1.5.0");
    assertThat(weather.getJsonArray("versions").stream().map(v -> ((JsonObject) v).getString("version")
        + (((JsonObject) v).getBoolean("latest") ? "*" : "")).toList()).containsExactly("1.5.0*", "1.4.0", "1.3.0");
    JsonObject older = request(Addresses.CATALOG_GET, new JsonObject().put("id", weather.getString("id"))
        .put("version", "1.3.0"));
    assertThat(older.getJsonObject("configSchema").getJsonObject("properties").fieldNames())
        .containsExactly("ACME_WEATHER_API_KEY");
    JsonObject files = item("filesystem", "io.github.files/filesystem");
    assertThat(files.getString("status")).isEqualTo("deprecated");
    assertThat(files.getString("statusMessage")).isEqualTo("Moved to io.github.files/fs2");
    assertThat(files.getJsonObject("backends").getJsonObject("local").getBoolean("runnable")).isFalse();
    assertThat(names("kube")).isEmpty();
    assertThatThrownBy(() -> request(Addresses.CATALOG_GET, new JsonObject().put("id", kubeId)))
        .isInstanceOfSatisfying(ReplyException.class, e -> {
          assertThat(e.failureCode()).isEqualTo(404);
          assertThat(e.getMessage()).contains("deleted from its source: Removed by its publisher");
        });
  }

  @Test
  void aChangeBehindTheCursorDuringAWalkIsPickedUpByTheNextSync() {
    JsonObject moved = registry.server("com.example.crm/tenant-crm", "2.2.0").put("version", "2.3.0")
        .put("description", "Contacts and deals, now with calendars.");
    java.util.concurrent.atomic.AtomicInteger pages = new java.util.concurrent.atomic.AtomicInteger();
    registry.onRequest(query -> {
      if (query.contains("cursor=") && pages.incrementAndGet() == 2) {
        registry.publish(moved);
      }
    });
    start();
    awaitRuns("registry", 1);
    JsonObject crm = item("crm", "com.example.crm/tenant-crm");
    assertThat(crm.getString("version")).as("published behind the cursor: not seen by this walk").isEqualTo("2.2.0");

    syncAgain("registry");
    assertThat(item("calendars", "com.example.crm/tenant-crm").getString("version")).isEqualTo("2.3.0");
  }

  @Test
  void aRegistryThatIsDownKeepsTheLastGoodCopyAndReportsWhenItLastSucceeded() {
    start();
    JsonObject good = awaitRuns("registry", 1);
    registry.down();
    JsonObject failed = syncAgain("registry");
    assertThat(failed.getString("state")).isEqualTo("failed");
    assertThat(failed.getString("lastError")).startsWith("the registry could not be reached");
    assertThat(failed.getString("lastSuccessAt")).isEqualTo(good.getString("lastSuccessAt"));
    assertThat(failed.getString("nextSyncAt")).as("retried with backoff").isNotNull();
    assertThat(names("everything")).contains("io.github.modelcontextprotocol/server-everything");
    assertThat(failed.getLong("entries")).isEqualTo(17);

    registry.resume();
    JsonObject recovered = syncAgain("registry");
    assertThat(recovered.getString("state")).isEqualTo("idle");
    assertThat(recovered.getString("lastError")).isNull();
    assertThat(recovered.getString("lastSuccessAt")).isNotEqualTo(good.getString("lastSuccessAt"));
  }

  @Test
  void aWalkThatFailsMidwayResumesFromItsSavedCursor() {
    registry.failNext(2, 503, null, query -> query.contains("cursor=io.github.acme"));
    start();
    JsonObject failed = awaitRuns("registry", 1);
    assertThat(failed.getString("state")).isEqualTo("failed");
    assertThat(failed.getString("lastError")).isEqualTo("the registry answered 503: the registry is having a bad day"
        + " (after 2 attempts)");
    assertThat(failed.getString("phase")).isEqualTo("backfill");
    assertThat(failed.getLong("entries")).as("the pages before the failure are kept").isBetween(1L, 16L);
    registry.clearRequests();

    JsonObject done = syncAgain("registry");
    assertThat(registry.requests().getFirst()).as("resumed, not started over").contains("cursor=io.github.acme");
    assertThat(done.getString("state")).isEqualTo("idle");
    assertThat(done.getString("phase")).isEqualTo("delta");
    assertThat(done.getLong("entries")).isEqualTo(17);
  }

  @Test
  void rateLimitedPagesAreRetriedAfterTheirRetryAfter() {
    registry.failNext(1, 429, "1", query -> query.contains("cursor="));
    long began = System.nanoTime();
    start();
    JsonObject status = awaitRuns("registry", 1);
    assertThat(status.getString("state")).isEqualTo("idle");
    assertThat(Duration.ofNanos(System.nanoTime() - began)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    List<String> requests = registry.requests();
    assertThat(requests.get(1)).isEqualTo(requests.get(2));
  }

  @Test
  void slowAnswersTimeOutAndAreReported() {
    requestTimeout = Duration.ofMillis(300);
    registry.delay(2_000);
    start();
    JsonObject failed = awaitRuns("registry", 1);
    assertThat(failed.getString("lastError")).isEqualTo("the registry could not be reached: no answer in time"
        + " (after 2 attempts)");
    assertThat(failed.getString("lastSuccessAt")).isNull();
    registry.delay(0);
    assertThat(syncAgain("registry").getString("state")).isEqualTo("idle");
  }

  @Test
  void errorAnswersAndGarbageFailTheRunWithTheSourcesOwnWords() {
    registry.failNextWith(1, 400, "{\"title\":\"Bad Request\",\"status\":400,\"detail\":\"invalid cursor\"}");
    start();
    assertThat(awaitRuns("registry", 1).getString("lastError")).isEqualTo("the registry answered 400: invalid cursor");
    registry.failNextWith(1, 200, "<html>maintenance</html>");
    assertThat(syncAgain("registry").getString("lastError")).isEqualTo("the registry answered with a body that is not JSON");
    registry.failNextWith(1, 200, "{\"items\": []}");
    assertThat(syncAgain("registry").getString("lastError")).isEqualTo("the registry's answer has no 'servers' list");
    assertThat(syncAgain("registry").getString("state")).isEqualTo("idle");
  }

  @Test
  void anAnswerLargerThanTheLimitFailsTheRunWithoutRetries() {
    maxBodyBytes = 2_000;
    start();
    JsonObject failed = awaitRuns("registry", 1);
    assertThat(failed.getString("lastError")).isEqualTo("the registry answered with more than 2000 bytes");
    assertThat(registry.requests()).hasSize(1);
    assertThat(failed.getLong("entries")).isZero();
  }

  @Test
  void malformedEntriesAreSkippedWithALoggedReasonAndTheRestIsKept() {
    registry.addGarbage("just a string");
    registry.addGarbage(new JsonObject().put("server", new JsonObject().put("version", "1.0.0")));
    registry.addGarbage(new JsonObject().put("server", new JsonObject().put("name", "com.example/broken")
        .put("version", "1").put("packages", new JsonObject())));
    try (LogCapture log = LogCapture.begin()) {
      start();
      JsonObject status = awaitRuns("registry", 1);
      assertThat(status.getString("state")).isEqualTo("idle");
      assertThat(status.getInteger("skipped")).isEqualTo(3);
      assertThat(status.getLong("entries")).isEqualTo(17);
      assertThat(log.lines()).anyMatch(l -> l.contains("skipped a malformed entry (page 1, row 4): the row is not a JSON object"))
          .anyMatch(l -> l.contains("skipped a malformed entry (page 1, row 5): no name"))
          .anyMatch(l -> l.contains("skipped a malformed entry (page 1, row 6): com.example/broken@1: 'packages' is not an array"));
    }
  }

  @Test
  void glamaIsCrawledPageByPageAndServersThatDisappearAreRemoved() {
    pageSize = 2;
    try (LogCapture log = LogCapture.begin()) {
      start();
      JsonObject status = awaitRuns("glama", 1);
      assertThat(status.getString("state")).isEqualTo("idle");
      assertThat(status.getInteger("skipped")).isEqualTo(1);
      assertThat(log.lines()).anyMatch(l -> l.contains("catalog glama: skipped a malformed entry (page 3, row 1): server"
          + " brok3n0005: no usable namespace and slug"));
    }
    assertThat(glama.requests()).containsExactly("/api/mcp/v1/servers?first=2",
        glama.requests().get(1), glama.requests().get(2));
    assertThat(glama.requests().get(1)).startsWith("/api/mcp/v1/servers?first=2&after=");
    awaitRuns("registry", 1);
    assertThat(names("everything")).contains("winfans/everything-search", "jotter/notes-helper");
    assertThat(names("weather")).as("the registry's entry stands for the same repository")
        .containsExactly("io.github.acme/weather");
    JsonObject notes = item("notebook", "jotter/notes-helper");
    assertThat(notes.getString("source")).isEqualTo("glama");
    assertThat(notes.getString("version")).isNull();
    assertThat(notes.getJsonObject("backends").getJsonObject("local").getValue("runnable")).isNull();
    assertThat(item("tables", "pyco/postgres-explorer").getJsonArray("kinds").getList()).containsExactly("repository");

    glama.remove("ntshlp0004");
    glama.failNext(2, 500);
    JsonObject failed = syncAgain("glama");
    assertThat(failed.getString("lastError")).isEqualTo("Glama answered 500: Something went wrong on Glama's side"
        + " (after 2 attempts)");
    assertThat(names("notebook")).as("a failed crawl removes nothing").containsExactly("jotter/notes-helper");
    syncAgain("glama");
    assertThat(names("notebook")).isEmpty();
  }

  @Test
  void switchingASourceOffHidesItsEntriesAndStopsItsSyncUntilItIsOnAgain() {
    start();
    awaitRuns("glama", 1);
    awaitRuns("registry", 1);
    assertThat(names("everything")).contains("winfans/everything-search");
    settings.update(Map.of("catalogGlamaEnabled", false), "admin").await();
    resources.vertx().eventBus().publish(Addresses.SETTINGS_CHANGED, new JsonObject()
        .put("names", new JsonArray().add("catalogGlamaEnabled")));
    assertThat(names("everything")).doesNotContain("winfans/everything-search")
        .contains("io.github.modelcontextprotocol/server-everything");
    int crawled = glama.requests().size();
    JsonObject off = syncAgain("glama");
    assertThat(off.getString("state")).isEqualTo("disabled");
    assertThat(off.getBoolean("enabled")).isFalse();
    assertThat(glama.requests()).hasSize(crawled);
    String id = CatalogIds.entryId("glama", "winfans/everything-search").toString();
    assertThatThrownBy(() -> request(Addresses.CATALOG_GET, new JsonObject().put("id", id)))
        .isInstanceOfSatisfying(ReplyException.class, e -> assertThat(e.failureCode()).isEqualTo(404));

    long runs = off.getLong("runs");
    settings.update(Map.of("catalogGlamaEnabled", true), "admin").await();
    resources.vertx().eventBus().publish(Addresses.SETTINGS_CHANGED, new JsonObject()
        .put("names", new JsonArray().add("catalogGlamaEnabled")));
    JsonObject on = awaitRuns("glama", runs + 1);
    assertThat(on.getString("state")).isEqualTo("idle");
    assertThat(glama.requests().size()).isGreaterThan(crawled);
    assertThat(names("everything")).contains("winfans/everything-search");
  }

  @Test
  void entriesMappedByAnOlderMapperAreMappedAgainAtStart() {
    JsonObject row = CatalogFixtures.registryRows().getJsonObject(0);
    pool.preparedQuery("INSERT INTO catalog_entries (source, name, version, entry_id, status, is_latest, raw, mapping,"
        + " mapper_version) VALUES ('registry', $1, $2, $3, 'active', true, $4, '{}'::jsonb, 0)")
        .execute(io.vertx.sqlclient.Tuple.of(row.getJsonObject("server").getString("name"),
            row.getJsonObject("server").getString("version"),
            CatalogIds.entryId("registry", row.getJsonObject("server").getString("name")), row))
        .await();
    registry.down();
    start();
    awaitRuns("registry", 1);
    JsonObject entry = request(Addresses.CATALOG_GET, new JsonObject()
        .put("id", CatalogIds.entryId("registry", "io.github.modelcontextprotocol/server-everything").toString()));
    assertThat(entry.getJsonObject("recipe").getString("package")).isEqualTo("@modelcontextprotocol/server-everything");
    assertThat(pool.query("SELECT mapper_version FROM catalog_entries").execute().await().iterator().next()
        .getInteger(0)).isEqualTo(MappedEntry.MAPPER_VERSION);
  }

  @Test
  void searchesAndLookupsNeverCallASource() {
    start();
    awaitRuns("registry", 1);
    awaitRuns("glama", 1);
    registry.clearRequests();
    int glamaBefore = glama.requests().size();
    names("everything");
    names((String) null);
    request(Addresses.CATALOG_SEARCH, new JsonObject().put("runtime", "oci"));
    request(Addresses.CATALOG_GET, new JsonObject()
        .put("id", CatalogIds.entryId("registry", "io.github.acme/weather").toString()));
    assertThat(registry.requests()).isEmpty();
    assertThat(glama.requests()).hasSize(glamaBefore);
  }

  @Test
  void searchRanksFiltersAndPages() {
    start();
    awaitRuns("registry", 1);
    awaitRuns("glama", 1);
    assertThat(names("evrything")).as("a typo").contains("io.github.modelcontextprotocol/server-everything");
    assertThat(names("weath")).as("a prefix").containsExactly("io.github.acme/weather");
    assertThat(names("forecasts")).as("a word of the description").containsExactly("io.github.acme/weather");
    assertThat(names("list_tables")).as("a tool name").containsExactly("pyco/postgres-explorer");
    List<String> everything = names("everything");
    assertThat(everything.indexOf("io.github.modelcontextprotocol/server-everything"))
        .as("a word of the name ranks above a word of the description")
        .isLessThan(everything.indexOf("jotter/notes-helper"));

    assertThat(names(request(Addresses.CATALOG_SEARCH, new JsonObject().put("runtime", "remote").put("limit", 50))))
        .containsExactlyInAnyOrder("com.example.search/hosted-search", "com.example.crm/tenant-crm");
    assertThat(names(request(Addresses.CATALOG_SEARCH, new JsonObject().put("runtime", "mcpb"))))
        .containsExactlyInAnyOrder("io.github.acme/weather", "io.github.bundles/notes");
    List<String> local = names(request(Addresses.CATALOG_SEARCH, new JsonObject().put("backend", "local")
        .put("limit", 100)));
    assertThat(local).contains("io.github.acme/weather", "io.github.pyco/postgres-explorer",
        "com.example.search/hosted-search")
        .doesNotContain("io.github.docktools/kube-inspector", "io.github.bundles/notes", "jotter/notes-helper");

    JsonObject first = request(Addresses.CATALOG_SEARCH, new JsonObject().put("limit", 5));
    assertThat(first.getLong("total")).isEqualTo(20);
    JsonObject second = request(Addresses.CATALOG_SEARCH, new JsonObject().put("limit", 5)
        .put("cursor", first.getString("nextCursor")));
    assertThat(names(second)).hasSize(5).doesNotContainAnyElementsOf(names(first));
    JsonObject last = request(Addresses.CATALOG_SEARCH, new JsonObject().put("limit", 20)
        .put("cursor", second.getString("nextCursor")));
    assertThat(names(last)).hasSize(10);
    assertThat(last.getString("nextCursor")).isNull();
    assertThat(first.getJsonArray("sources")).hasSize(2);

    assertThatThrownBy(() -> request(Addresses.CATALOG_SEARCH, new JsonObject().put("cursor", "nope")))
        .isInstanceOfSatisfying(ReplyException.class, e -> {
          assertThat(e.failureCode()).isEqualTo(400);
          assertThat(e.getMessage()).startsWith("cursor:");
        });
    assertThatThrownBy(() -> request(Addresses.CATALOG_SEARCH, new JsonObject().put("runtime", "wasm")))
        .isInstanceOfSatisfying(ReplyException.class, e -> assertThat(e.getMessage()).startsWith("runtime: one of"));
    assertThatThrownBy(() -> request(Addresses.CATALOG_SEARCH, new JsonObject().put("backend", "fly")))
        .isInstanceOfSatisfying(ReplyException.class, e -> assertThat(e.getMessage()).contains("not configured"));
    assertThatThrownBy(() -> request(Addresses.CATALOG_SEARCH, new JsonObject().put("limit", 0)))
        .isInstanceOfSatisfying(ReplyException.class, e -> assertThat(e.failureCode()).isEqualTo(400));
  }

  @Test
  void eachBackendSaysWhetherItCanRunAnEntryAndWhyNot() {
    start();
    awaitRuns("registry", 1);
    assertThat(item("kube", "io.github.docktools/kube-inspector").getJsonObject("backends").getJsonObject("local"))
        .isEqualTo(new JsonObject().put("runnable", false).put("reason", "oci package: docker is not installed on this"
            + " host, so container images cannot run here"));
    assertThat(item("summarises", "io.github.docktools/volume-reader").getJsonObject("backends")
        .getJsonObject("local").getString("reason")).startsWith("oci package: needs the docker option -v");
    assertThat(item("clock", "io.github.dotnet-tools/clock").getJsonObject("backends").getJsonObject("local")
        .getString("reason")).isEqualTo("nuget package: NuGet packages need .NET's dnx, which Catwalk does not run yet");
    assertThat(item("inspect", "io.github.pyco/pg-inspect").getJsonObject("backends").getJsonObject("local"))
        .isEqualTo(new JsonObject().putNull("runnable").put("reason",
            "its repository has not been analyzed yet; open the entry to analyze it"));
    JsonObject search = item("search", "com.example.search/hosted-search");
    assertThat(search.getJsonObject("backends").getJsonObject("local"))
        .isEqualTo(new JsonObject().put("runnable", true).put("variant", "remote"));
    assertThat(CatalogFixtures.registryRows()).isNotEmpty();
  }
}
