package dev.catwalk.oauth;

import dev.catwalk.config.ConfigKeys;
import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.ClientMetadataSite;
import dev.catwalk.testsupport.ClientMetadataSite.Answer;
import dev.catwalk.testsupport.GatewayHarness;
import dev.catwalk.testsupport.GatewayHarness.Reply;
import dev.catwalk.testsupport.OAuthTestSupport;
import dev.catwalk.testsupport.OAuthTestSupport.Authorization;
import dev.catwalk.testsupport.browser.PageClient;
import dev.catwalk.testsupport.browser.PageClient.Page;
import io.modelcontextprotocol.client.McpSyncClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Client ID Metadata Documents end to end: a real HTTPS site on 127.0.0.1 (self-signed, trusted through
 * {@code CATWALK_OAUTH_CIMD_CA_FILE}; loopback allowed through {@code CATWALK_OAUTH_CIMD_ALLOW_PRIVATE})
 * publishes client documents; a client whose {@code client_id} is such a URL goes through the whole code
 * flow with PKCE without registering; bad documents are refused on an error page with the OAuth error and
 * never redirected to; caching follows the document's {@code Cache-Control}; and a gateway with the
 * default settings refuses a document on a loopback address without fetching it.
 */
@Timeout(180)
class ClientMetadataDocumentTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.withDatabase();

  static final String USER = "grace";
  static final String PASSWORD = "correct horse battery staple";
  static final String CALLBACK = "http://127.0.0.1/callback";
  private static ClientMetadataSite site;
  private static GatewayHarness gateway;
  private static String deploymentId;

  @BeforeAll
  static void start() {
    site = ClientMetadataSite.start(resources.vertx());
    gateway = GatewayHarness.start(resources, raw -> raw.put(ConfigKeys.OAUTH_CIMD_ALLOW_PRIVATE, true)
        .put(ConfigKeys.OAUTH_CIMD_CA_FILE, site.certificatePath()).put(ConfigKeys.OAUTH_CIMD_TIMEOUT, 3));
    Reply created = gateway.admin(HttpMethod.POST, "/api/accounts", new JsonObject().put("username", USER)
        .put("password", PASSWORD).put("role", "member"));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    deploymentId = gateway.createFixtureDeployment("cimd", null, new JsonObject()).getString("id");
    // The first TLS connections of a fresh JVM (both ends in this process) can take seconds: not what is tested here.
    site.put("/warm-up.json", Answer.json(site.document("/warm-up.json", "Warm-up", callbacks()), "no-store"));
    GatewayHarness.eventually(() -> authorizePage(site.url("/warm-up.json")).status() == 200,
        "the gateway fetches a document", java.time.Duration.ofSeconds(60));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    site.close();
  }

  @Test
  void aClientNamedByItsDocumentUrlConnectsWithoutRegistering() {
    assertThat(gateway.send(HttpMethod.GET, "/.well-known/oauth-authorization-server", null, null).json()
        .getBoolean("client_id_metadata_document_supported")).isTrue();
    String path = "/clients/good.json";
    site.put(path, Answer.json(site.document(path, "Document client", new JsonArray().add(CALLBACK)), "max-age=300"));
    String clientId = site.url(path);

    Authorization auth = OAuthTestSupport.authorize(gateway.port(), clientId, resource(), "http://127.0.0.1:54321/callback",
        new PageClient(), USER, PASSWORD);
    assertThat(auth.consent().document().text()).contains("Document client from localhost:" + port(clientId))
        .contains("published at localhost:" + port(clientId)).contains("127.0.0.1:54321");
    Map<String, String> callback = OAuthTestSupport.query(auth.callback());
    assertThat(callback).containsEntry("state", auth.state());
    Reply token = token(Map.of("grant_type", "authorization_code", "code", callback.get("code"), "redirect_uri",
        "http://127.0.0.1:54321/callback", "code_verifier", auth.verifier(), "client_id", clientId,
        "resource", resource()));
    assertThat(token.status()).as(token.body()).isEqualTo(200);
    try (McpSyncClient mcp = gateway.mcpClient(deploymentId, token.json().getString("access_token"))) {
      assertThat(GatewayHarness.call(mcp, "echo", Map.of("message", "by document"))).isEqualTo("by document");
    }
    Reply refreshed = token(Map.of("grant_type", "refresh_token", "refresh_token",
        token.json().getString("refresh_token"), "client_id", clientId));
    assertThat(refreshed.status()).as(refreshed.body()).isEqualTo(200);

    OAuthTestSupport.authorize(gateway.port(), clientId, resource(), CALLBACK, new PageClient(), USER, PASSWORD);
    assertThat(site.fetches(path)).as("fresh for its max-age: fetched once for two authorizations").isEqualTo(1);
    JsonObject grant = gateway.admin(HttpMethod.GET, "/api/deployments/" + deploymentId + "/grants", null).json()
        .getJsonArray("grants").getJsonObject(0);
    assertThat(grant.getString("clientId")).isEqualTo(clientId);
    assertThat(grant.getString("clientName")).isEqualTo("Document client");
  }

  @Test
  void badDocumentsAreRefusedWithAnOAuthErrorAndNeverRedirectedTo() {
    Map<String, String> refusals = new LinkedHashMap<>();
    refusals.put(bad("/mismatch.json", Answer.json(site.document("/other.json", "X", callbacks()), "max-age=60")),
        "client_id in its metadata document is not the document's URL");
    refusals.put(bad("/secret.json", Answer.json(site.document("/secret.json", "X", callbacks())
        .put("token_endpoint_auth_method", "client_secret_basic"), "max-age=60")), "token_endpoint_auth_method");
    refusals.put(bad("/no-name.json", Answer.json(site.document("/no-name.json", "X", callbacks())
        .put("client_name", null), "max-age=60")), "no client_name");
    refusals.put(bad("/bad-redirect.json", Answer.json(site.document("/bad-redirect.json", "X", new JsonArray()
        .add("http://evil.example/cb")), "max-age=60")), "redirect_uris");
    String big = site.document("/big.json", "X", callbacks()).put("client_uri", "https://x.example/")
        .put("padding", "x".repeat(6000)).encode();
    refusals.put(bad("/big.json", new Answer(200, Map.of("Content-Type", "application/json"), big, false)),
        "larger than 5120 bytes");
    refusals.put(bad("/big-chunked.json", new Answer(200, Map.of("Content-Type", "application/json"),
        big.replace("/big.json", "/big-chunked.json"), true)), "larger than 5120 bytes");
    refusals.put(bad("/page.html", new Answer(200, Map.of("Content-Type", "text/html"), "<html>hi</html>", false)),
        "not JSON");
    refusals.put(bad("/garbage.json", new Answer(200, Map.of("Content-Type", "application/json"), "{client_id:", false)),
        "not a JSON object");
    refusals.put(bad("/array.json", new Answer(200, Map.of(), "[1, 2]", false)), "not a JSON object");
    refusals.put(bad("/moved.json", new Answer(302, Map.of("Location", site.url("/clients/good.json")), "", false)),
        "HTTP 302 (redirects are not followed)");
    refusals.put(bad("/missing.json", new Answer(404, Map.of(), "", false)), "HTTP 404");
    refusals.put(site.url("/hangs.json"), "did not arrive within 3 s");
    refusals.put(site.url("/a/../clients/good.json"), "dot segments");

    refusals.forEach((clientId, why) -> {
      Page page = new PageClient().get(OAuthTestSupport.authorizeUrl(gateway.port(), clientId, CALLBACK,
          OAuthTestSupport.challenge(OAuthTestSupport.random()), "s", resource()));
      assertThat(page.status()).as(clientId).isEqualTo(400);
      assertThat(page.location()).as("never redirected").isNull();
      assertThat(page.document().text()).as(clientId).contains("invalid_client").contains(why);
    });
    assertThat(gateway.admin(HttpMethod.GET, "/api/deployments/" + deploymentId + "/grants", null).json()
        .getJsonArray("grants").stream().map(g -> ((JsonObject) g).getString("clientId")))
        .as("nothing was granted to a refused client").noneMatch(refusals::containsKey);
  }

  @Test
  void aRedirectUriTheDocumentDoesNotListIsRefused() {
    String path = "/listed.json";
    site.put(path, Answer.json(site.document(path, "Listed", callbacks()), "max-age=60"));
    Page page = new PageClient().get(OAuthTestSupport.authorizeUrl(gateway.port(), site.url(path),
        "https://elsewhere.example/cb", OAuthTestSupport.challenge(OAuthTestSupport.random()), "s", resource()));
    assertThat(page.status()).isEqualTo(400);
    assertThat(page.location()).isNull();
    assertThat(page.document().text()).contains("did not register");
  }

  @Test
  void cachingFollowsTheDocumentAndFailuresAreNotKept() {
    String path = "/no-store.json";
    site.put(path, Answer.json(site.document(path, "Fresh", callbacks()), "no-store"));
    assertThat(authorizePage(site.url(path)).status()).isEqualTo(200);
    assertThat(authorizePage(site.url(path)).status()).isEqualTo(200);
    assertThat(site.fetches(path)).as("no-store: fetched on every use").isEqualTo(2);

    String flaky = "/flaky.json";
    site.put(flaky, new Answer(503, Map.of(), "", false));
    assertThat(authorizePage(site.url(flaky)).status()).isEqualTo(400);
    site.put(flaky, Answer.json(site.document(flaky, "Back", callbacks()), "max-age=60"));
    assertThat(authorizePage(site.url(flaky)).status()).as("the failure was not cached").isEqualTo(200);
    site.put(flaky, new Answer(503, Map.of(), "", false));
    assertThat(authorizePage(site.url(flaky)).status()).as("the good document was").isEqualTo(200);
    assertThat(site.fetches(flaky)).isEqualTo(2);
  }

  @Test
  void byDefaultADocumentOnALoopbackAddressIsNotFetched() {
    String path = "/private.json";
    site.put(path, Answer.json(site.document(path, "Private", callbacks()), "max-age=60"));
    try (GatewayHarness strict = GatewayHarness.start(resources, raw -> raw.put(ConfigKeys.OAUTH_CIMD_CA_FILE,
        site.certificatePath()))) {
      String resource = "http://127.0.0.1:" + strict.port() + "/api/mcp/" + deploymentId;
      Page page = new PageClient().get(OAuthTestSupport.authorizeUrl(strict.port(), site.url(path), CALLBACK,
          OAuthTestSupport.challenge(OAuthTestSupport.random()), "s", resource));
      assertThat(page.status()).isEqualTo(400);
      assertThat(page.document().text()).contains("invalid_client").contains("non-public address");
      assertThat(site.fetches(path)).as("nothing was sent to the private address").isZero();
    }
    try (GatewayHarness off = GatewayHarness.start(resources, raw -> raw.put(ConfigKeys.OAUTH_CIMD_ENABLED, false))) {
      assertThat(off.send(HttpMethod.GET, "/.well-known/oauth-authorization-server", null, null).json()
          .getBoolean("client_id_metadata_document_supported")).isFalse();
      Page page = new PageClient().get(OAuthTestSupport.authorizeUrl(off.port(), site.url(path), CALLBACK,
          OAuthTestSupport.challenge(OAuthTestSupport.random()), "s", "http://127.0.0.1:" + off.port()
              + "/api/mcp/" + deploymentId));
      assertThat(page.document().text()).as("documents switched off").contains("not registered");
    }
  }

  private static String bad(String path, Answer answer) {
    site.put(path, answer);
    return site.url(path);
  }

  private static Page authorizePage(String clientId) {
    return new PageClient().get(OAuthTestSupport.authorizeUrl(gateway.port(), clientId, CALLBACK,
        OAuthTestSupport.challenge(OAuthTestSupport.random()), "s", resource()));
  }

  private static JsonArray callbacks() {
    return new JsonArray().add(CALLBACK);
  }

  private static String resource() {
    return "http://127.0.0.1:" + gateway.port() + "/api/mcp/" + deploymentId;
  }

  private static int port(String url) {
    return java.net.URI.create(url).getPort();
  }

  private static Reply token(Map<String, String> fields) {
    return OAuthTestSupport.postForm(resources.vertx(), gateway.port(), "/token", fields);
  }
}
