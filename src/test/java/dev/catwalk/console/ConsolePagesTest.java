package dev.catwalk.console;

import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.GatewayHarness;
import dev.catwalk.testsupport.browser.PageClient;
import dev.catwalk.testsupport.browser.PageClient.Page;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Console pages over plain HTTP (no script): the generated configuration form as rendered, the server's 400 put
 * next to the field with the typed value kept, output escaping, the security headers, CSRF, and what a member
 * may not do.
 */
class ConsolePagesTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.withDatabase();

  private static final String XSS = "<script>alert(1)</script>";
  private static final String SECRET = "api-key-never-shown-123";
  private static GatewayHarness gateway;
  private static String id;

  @BeforeAll
  static void start() {
    gateway = GatewayHarness.start(resources);
    for (String[] account : new String[][] {{"root", "admin"}, {"mia", "member"}}) {
      assertThat(gateway.admin(HttpMethod.POST, "/api/accounts", new JsonObject().put("username", account[0])
          .put("password", "password of " + account[0]).put("role", account[1])).status()).isEqualTo(201);
    }
    JsonObject created = gateway.createFixtureDeployment("pages", ConfigFormTest.SCHEMA, new JsonObject()
        .put("API_KEY", SECRET).put("REGION", "us").put("PORT", 8080).put("SLUG", "abc").put("NOTE", XSS));
    id = created.getString("id");
    assertThat(gateway.admin(HttpMethod.POST, "/api/deployments/" + id + "/tokens", new JsonObject().put("label", XSS))
        .status()).isEqualTo(201);
  }

  @AfterAll
  static void stop() {
    gateway.close();
  }

  private static URI url(String path) {
    return URI.create("http://127.0.0.1:" + gateway.port() + path);
  }

  private static Page signIn(PageClient client, String user, String path) {
    Page redirect = client.get(url(path));
    assertThat(redirect.status()).isEqualTo(303);
    assertThat(redirect.header("Location")).isEqualTo("/signin?next=" + path.replace("/", "%2F"));
    return SignIn.as(client, gateway.port(), user, "password of " + user, path);
  }

  @Test
  void theConfigurationFormIsGeneratedEscapedAndKeepsWhatWasTypedOnAnError() {
    PageClient client = new PageClient();
    Page page = signIn(client, "root", "/deployments/" + id);
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.header("Content-Security-Policy")).contains("default-src 'none'").contains("script-src 'self'")
        .contains("frame-ancestors 'none'").doesNotContain("unsafe");
    assertThat(page.header("X-Frame-Options")).isEqualTo("DENY");
    assertThat(page.body()).doesNotContain(XSS).doesNotContain(SECRET).contains("&lt;script&gt;alert(1)&lt;/script&gt;");
    Document doc = page.document();
    assertThat(doc.select("script").eachAttr("src")).containsExactly("/static/console.js");
    assertThat(doc.select("#cfg-NOTE").attr("value")).isEqualTo(XSS);

    Element key = doc.selectFirst("#cfg-API_KEY");
    assertThat(key.attr("type")).isEqualTo("password");
    assertThat(key.hasAttr("required")).as("set: empty keeps it").isFalse();
    assertThat(key.attr("placeholder")).isEqualTo("set — type to replace");
    assertThat(key.attr("value")).isEmpty();
    assertThat(doc.select("button[data-toggle-secret=cfg-API_KEY]").text()).isEqualTo("Show");
    assertThat(doc.select("#cfg-REGION option").eachAttr("value")).containsExactly("eu", "us");
    assertThat(doc.select("#cfg-REGION option[selected]").attr("value")).isEqualTo("us");
    assertThat(doc.selectFirst("#cfg-VERBOSE").attr("type")).isEqualTo("checkbox");
    Element port = doc.selectFirst("#cfg-PORT");
    assertThat(Map.of("type", port.attr("type"), "min", port.attr("min"), "max", port.attr("max"), "step",
        port.attr("step"), "value", port.attr("value"))).isEqualTo(Map.of("type", "number", "min", "1", "max", "65535",
        "step", "1", "value", "8080"));
    assertThat(port.hasAttr("required")).isTrue();
    assertThat(doc.selectFirst("label[for=cfg-PORT]").text()).contains("(required)");
    assertThat(doc.selectFirst("#cfg-SLUG").attr("pattern")).isEqualTo("^[a-z]+$");
    assertThat(doc.selectFirst("#cfg-SLUG").attr("maxlength")).isEqualTo("20");
    assertThat(doc.selectFirst("#cfg-HOMEPAGE").attr("type")).isEqualTo("url");
    assertThat(doc.selectFirst("#cfg-API_KEY-help").text()).contains("From the developer console");

    Page rejected = client.submit(page, "form.config-form", Map.of("cfg.PORT", "99999", "cfg.SLUG", "typed"), null);
    assertThat(rejected.status()).isEqualTo(400);
    Document again = rejected.document();
    assertThat(again.selectFirst("#cfg-PORT-error").text()).isNotBlank();
    assertThat(again.selectFirst("#cfg-PORT").attr("value")).isEqualTo("99999");
    assertThat(again.selectFirst("#cfg-SLUG").attr("value")).isEqualTo("typed");
    assertThat(rejected.body()).doesNotContain(SECRET);
    JsonObject stored = gateway.admin(HttpMethod.GET, "/api/deployments/" + id, null).json();
    assertThat(stored.getJsonObject("config").getValue("PORT")).isEqualTo(8080);

    Page stale = client.submit(page, "form.config-form", Map.of("cfg.PORT", "9090"), null);
    assertThat(stale.status()).as("the first page's token was used up").isEqualTo(403);
    assertThat(stale.document().select("h1").text()).isEqualTo("This form has expired");
    Page saved = client.submit(rejected, "form.config-form", Map.of("cfg.PORT", "9090", "cfg.REGION", "eu"), null);
    assertThat(saved.status()).as(saved.body()).isEqualTo(303);
    JsonObject after = gateway.admin(HttpMethod.GET, "/api/deployments/" + id, null).json();
    assertThat(after.getJsonObject("config").getValue("PORT")).isEqualTo(9090);
    assertThat(after.getJsonArray("secrets").encode()).as("an empty secret field keeps the secret").contains("API_KEY");
  }

  @Test
  void aPostWithoutTheCsrfTokenIsRefused() {
    PageClient client = new PageClient();
    signIn(client, "root", "/");
    Page refused = client.post(url("/deployments/" + id + "/stop"), Map.of());
    assertThat(refused.status()).as(refused.body()).isEqualTo(403);
    assertThat(refused.body()).contains("This form has expired");
    assertThat(gateway.admin(HttpMethod.GET, "/api/deployments/" + id, null).json().getString("status"))
        .isNotEqualTo("stopped");
  }

  @Test
  void aMemberSeesTheConnectPanelButNoAdminAction() {
    PageClient client = new PageClient();
    Page page = signIn(client, "mia", "/deployments/" + id);
    Document doc = page.document();
    assertThat(doc.select("#mcp-url")).hasSize(1);
    assertThat(doc.select("#create-token")).hasSize(1);
    assertThat(doc.select("#delete, #stop, form.config-form, a[href='/deployments/new']")).isEmpty();
    assertThat(client.get(url("/deployments/new")).status()).isEqualTo(403);
    Page refused = client.submit(page, "form[action$='/tokens']", Map.of(), null);
    assertThat(refused.status()).as("members may create tokens").isEqualTo(200);
    assertThat(refused.document().select("#access-token").attr("value")).startsWith("cwk_");
    Page stop = client.post(url("/deployments/" + id + "/stop"), Map.of(dev.catwalk.web.Web.CSRF_FIELD,
        refused.document().select("input[name=" + dev.catwalk.web.Web.CSRF_FIELD + "]").first().attr("value")));
    assertThat(stop.status()).isEqualTo(403);
  }

  @Test
  void theSettingsPageNeverShowsASecretAndAMemberCannotReachIt() {
    String token = "ghp_settings-page-secret-42";
    assertThat(gateway.admin(HttpMethod.PUT, "/api/settings", new JsonObject().put("githubToken", token)).status())
        .isEqualTo(200);
    try {
      PageClient client = new PageClient();
      Page page = signIn(client, "root", "/settings");
      assertThat(page.status()).isEqualTo(200);
      assertThat(page.body()).doesNotContain(token);
      assertThat(page.header("Content-Security-Policy")).contains("script-src 'self'").doesNotContain("unsafe");
      Element github = page.document().selectFirst("#setting-githubToken");
      assertThat(github.attr("type")).isEqualTo("password");
      assertThat(github.attr("value")).isEmpty();
      assertThat(github.attr("placeholder")).isEqualTo("set — type to replace");
      assertThat(page.document().select("form.settings-form input[name=" + dev.catwalk.web.Web.CSRF_FIELD + "]"))
          .hasSize(1);

      Page refused = client.post(url("/settings"), Map.of("s.githubToken", "replaced-without-token"));
      assertThat(refused.status()).as("no CSRF token").isEqualTo(403);
      Page tooLong = client.submit(page, "form.settings-form", Map.of("s.openrouterApiKey", "k".repeat(5000)), null);
      assertThat(tooLong.status()).isEqualTo(400);
      assertThat(tooLong.document().selectFirst("#setting-openrouterApiKey-error").text()).contains("4096");
      assertThat(tooLong.body()).doesNotContain("kkkkkkkkkk").doesNotContain(token);

      PageClient member = new PageClient();
      Page list = signIn(member, "mia", "/");
      assertThat(list.document().select("a[href='/settings']")).isEmpty();
      assertThat(member.get(url("/settings")).status()).isEqualTo(403);
      String csrf = list.document().select("input[name=" + dev.catwalk.web.Web.CSRF_FIELD + "]").first().attr("value");
      assertThat(member.post(url("/settings"), Map.of(dev.catwalk.web.Web.CSRF_FIELD, csrf, "s.githubToken", "x"))
          .status()).isEqualTo(403);
      assertThat(member.post(url("/users/root/role"), Map.of(dev.catwalk.web.Web.CSRF_FIELD, csrf, "role", "member"))
          .status()).isEqualTo(403);
      assertThat(gateway.admin(HttpMethod.GET, "/api/accounts", null).body()).contains("\"username\":\"root\",\"role\":\"admin\"");
    } finally {
      gateway.admin(HttpMethod.PUT, "/api/settings", new JsonObject().putNull("githubToken"));
    }
  }

  @Test
  void aRoleTheServerRefusesIsShownNextToThatUsersRole() {
    PageClient client = new PageClient();
    Page users = signIn(client, "root", "/users");
    Page refused = client.submit(users, "form[action='/users/mia/role']", Map.of("role", "owner"), null);
    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.document().selectFirst("#user-mia-role-error").text()).isEqualTo("admin or member");
    assertThat(refused.document().select("form[action='/users/root/role']")).as("not one's own role").isEmpty();
  }

  @Test
  void anAdminAddsAndRemovesUsersAndAMemberCannot() {
    PageClient client = new PageClient();
    Page users = signIn(client, "root", "/users");
    assertThat(users.document().select("#accounts td:first-child").eachText()).contains("root", "mia");
    assertThat(users.document().select("form[action='/users/root/remove']")).as("not oneself").isEmpty();

    Page weak = client.submit(users, "form[action='/users']", Map.of("username", "zed", "password", "x",
        "role", "member"), null);
    assertThat(weak.status()).isEqualTo(400);
    assertThat(weak.document().selectFirst("#password-error").text()).isNotBlank();
    assertThat(weak.document().selectFirst("#username").attr("value")).isEqualTo("zed");
    assertThat(weak.document().selectFirst("#password").attr("value")).isEmpty();

    Page added = client.submit(weak, "form[action='/users']", Map.of("username", "zed",
        "password", "a long enough passphrase 9", "role", "member"), null);
    assertThat(added.status()).as(added.body()).isEqualTo(303);
    Page listed = client.follow(added);
    assertThat(listed.document().select(".flash").text()).isEqualTo("Added zed (member).");
    Page removed = client.submit(listed, "form[action='/users/zed/remove']", Map.of(), null);
    assertThat(removed.status()).isEqualTo(303);
    assertThat(client.follow(removed).document().select("#accounts td:first-child").eachText()).doesNotContain("zed");

    PageClient member = new PageClient();
    signIn(member, "mia", "/");
    assertThat(member.get(url("/users")).status()).isEqualTo(403);
  }
}
