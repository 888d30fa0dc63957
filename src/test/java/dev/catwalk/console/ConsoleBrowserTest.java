package dev.catwalk.console;

import dev.catwalk.config.ConfigKeys;
import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.FakeGitHub;
import dev.catwalk.testsupport.GatewayHarness;
import dev.catwalk.testsupport.browser.Axe;
import dev.catwalk.testsupport.browser.Browser;
import dev.catwalk.testsupport.mcp.FixtureCommand;
import io.modelcontextprotocol.client.McpSyncClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console in a real browser against a real gateway: sign in, deploy a server from the package form, watch
 * it start, take its URL and a one-time token from the connect panel, connect an MCP SDK client with them, end
 * its session from the page, see status change live on the list, delete it.
 */
class ConsoleBrowserTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.withDatabase();

  private static final String ADMIN = "grace";
  private static final String PASSWORD = "a long admin password 42";
  private static final String MEMBER = "max";
  private static final String MEMBER_PASSWORD = "a long member password 42";
  private static final String SECRET = "s3cr3t-value-never-shown";
  private static GatewayHarness gateway;
  private static Browser browser;
  private static FakeGitHub github;
  private static Axe axe;

  @BeforeAll
  static void start() {
    assertThat(Browser.installed()).as("chromium and chromedriver (apt-get install chromium chromium-driver)").isTrue();
    github = FakeGitHub.start(resources.vertx());
    // The fixture runs in the sandbox from a wrapper script (bound as a file its command names); the class path
    // the script names is bound explicitly, as an operator would bind a server's own files.
    String classPath = String.join(",", System.getProperty("java.class.path").split(java.io.File.pathSeparator));
    gateway = GatewayHarness.start(resources, raw -> raw.put(ConfigKeys.GITHUB_API_URL, github.url())
        .put(ConfigKeys.SANDBOX_BIND, classPath));
    assertThat(gateway.admin(HttpMethod.POST, "/api/accounts", new JsonObject().put("username", ADMIN)
        .put("password", PASSWORD).put("role", "admin")).status()).isEqualTo(201);
    assertThat(gateway.admin(HttpMethod.POST, "/api/accounts", new JsonObject().put("username", MEMBER)
        .put("password", MEMBER_PASSWORD).put("role", "member")).status()).isEqualTo(201);
    axe = Axe.load();
    browser = Browser.start("http://127.0.0.1:" + gateway.port());
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.close();
    }
    if (gateway != null) {
      gateway.close();
    }
    if (github != null) {
      github.close();
    }
  }

  /** The fixture server's command line (a long class path) as a script, as a person would type a short command. */
  private static Path fixtureScript() {
    try {
      Path script = Files.createTempFile("catwalk-fixture-", ".sh");
      script.toFile().deleteOnExit();
      String quoted = String.join(" ", FixtureCommand.command().stream().map(a -> "'" + a.replace("'", "'\\''") + "'").toList());
      Files.writeString(script, "exec " + quoted + " \"$@\"\n");
      return script;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Opens the list, signing in as the admin when the browser is not signed in yet. */
  private static void signedIn() {
    browser.open("/");
    if (browser.path().startsWith("/signin")) {
      browser.type("#username", ADMIN).type("#password", PASSWORD).click("button.primary");
      browser.until(d -> browser.path().equals("/"));
    }
  }

  /** Signs out whoever is signed in, then in as {@code user}, and opens the list. */
  private static void signInAs(String user, String password) {
    browser.open("/");
    if (!browser.path().startsWith("/signin")) {
      browser.click("button.link");
      browser.until(d -> browser.path().startsWith("/signin"));
      browser.open("/");
    }
    browser.type("#username", user).type("#password", password).click("button.primary");
    browser.until(d -> browser.path().equals("/"));
  }

  /** Tabs through {@code count} stops of the page: each focused control shows an outline. */
  private static void keyboardFocusIsVisible(int count) {
    for (int i = 0; i < count; i++) {
      new Actions(browser.driver()).sendKeys(Keys.TAB).perform();
      String focused = (String) browser.script("""
          const e = document.activeElement; const s = getComputedStyle(e);
          return e.tagName + (e.id ? '#' + e.id : '') + ' ' + s.outlineStyle + ' ' + s.outlineWidth;""");
      assertThat(focused).as("focus ring of " + focused).doesNotContain(" none ").doesNotEndWith(" 0px");
    }
  }

  @Test
  void everyPagePassesTheAccessibilityCheckForAnAdminAndForAMember() {
    String id = gateway.createFixtureDeployment("a11y-fixture", ConfigFormTest.SCHEMA, new JsonObject()
        .put("API_KEY", SECRET).put("REGION", "us").put("PORT", 8080).put("SLUG", "abc")).getString("id");
    try {
      browser.open("/");
      if (!browser.path().startsWith("/signin")) {
        browser.click("button.link");
        browser.until(d -> browser.path().startsWith("/signin"));
      }
      browser.open("/signin?next=%2F");
      axe.check(browser, "signin");
      browser.type("#username", ADMIN).type("#password", "wrong password").click("button.primary");
      browser.until(d -> !browser.find("p.error").getText().isBlank());
      axe.check(browser, "signin-error");

      signInAs(ADMIN, PASSWORD);
      browser.until(d -> browser.find("[data-status-of='" + id + "']").isDisplayed());
      axe.check(browser, "admin-deployments");
      browser.open("/deployments/" + id);
      browser.until(d -> !browser.find("#logs").getText().startsWith("(loading"));
      axe.check(browser, "admin-deployment");
      keyboardFocusIsVisible(25);
      browser.type("#cfg-PORT", "99999");
      browser.driver().executeScript("document.querySelector('form.config-form').noValidate = true;");
      browser.click("form.config-form button[type=submit]");
      browser.until(d -> !browser.find("#cfg-PORT-error").getText().isBlank());
      axe.check(browser, "admin-deployment-config-error");
      browser.open("/deployments/new");
      axe.check(browser, "admin-new");
      browser.open("/catalog");
      axe.check(browser, "admin-catalog");
      browser.open("/users");
      axe.check(browser, "admin-users");
      browser.open("/settings");
      axe.check(browser, "admin-settings");
      browser.open("/deployments/00000000-0000-0000-0000-000000000000");
      axe.check(browser, "admin-not-found");

      signInAs(MEMBER, MEMBER_PASSWORD);
      axe.check(browser, "member-deployments");
      browser.open("/deployments/" + id);
      assertThat(browser.driver().findElements(By.cssSelector("#delete, #stop, form.config-form"))).isEmpty();
      axe.check(browser, "member-deployment");
      browser.driver().manage().window().setSize(new Dimension(390, 844));
      try {
        browser.open("/");
        axe.check(browser, "member-deployments-phone");
        browser.open("/deployments/" + id);
        axe.check(browser, "member-deployment-phone");
        assertThat((Long) browser.script("return document.documentElement.scrollWidth;"))
            .as("no sideways scrolling at phone width").isLessThanOrEqualTo(390L);
      } finally {
        browser.driver().manage().window().setSize(new Dimension(1280, 1000));
      }
      assertThat(browser.driver().findElements(By.cssSelector("#audit, a[href='/settings'], a[href='/users']")))
          .as("a member sees no audit trail, settings or users").isEmpty();
      browser.open("/users");
      assertThat(browser.find("h1").getText()).isEqualTo("Administrators only");
      axe.check(browser, "member-refused");
      browser.open("/settings");
      assertThat(browser.find("h1").getText()).isEqualTo("Administrators only");
    } finally {
      assertThat(gateway.admin(HttpMethod.DELETE, "/api/deployments/" + id, null).status()).isEqualTo(200);
      signInAs(ADMIN, PASSWORD);
    }
  }

  @Test
  void settingsAreWriteOnlyAndTheServersErrorIsShownNextToTheField() {
    String token = "ghp_console-settings-token-never-shown";
    signedIn();
    browser.click("a[href='/settings']");
    WebElement github = browser.find("#setting-githubToken");
    assertThat(github.getDomAttribute("placeholder")).isEqualTo("not set");
    github.sendKeys(token);
    new Select(browser.find("#setting-catalogGlamaEnabled")).selectByValue("false");
    browser.click("#save-settings");
    browser.until(d -> browser.find(".flash").getText().equals("Saved: catalogGlamaEnabled, githubToken."));
    assertThat(browser.find("#setting-githubToken").getDomAttribute("placeholder")).isEqualTo("set — type to replace");
    assertThat(browser.find("#setting-githubToken").getDomProperty("value")).isEmpty();
    assertThat(browser.driver().getPageSource()).doesNotContain(token);
    JsonObject stored = settings();
    assertThat(stored.getJsonObject("githubToken").getString("source")).isEqualTo("database");
    assertThat(stored.getJsonObject("catalogGlamaEnabled").getValue("value")).isEqualTo(false);
    assertThat(stored.getJsonObject("catalogGlamaEnabled").getString("source")).isEqualTo("database");

    browser.find("#setting-flyApiToken").sendKeys("   ");
    browser.click("#save-settings");
    browser.until(d -> !browser.find("#setting-flyApiToken-error").getText().isBlank());
    assertThat(browser.find("#setting-flyApiToken-error").getText()).contains("non-empty string");
    assertThat(browser.find("#setting-flyApiToken").getDomAttribute("aria-describedby"))
        .contains("setting-flyApiToken-error");
    assertThat(settings().getJsonObject("flyApiToken").getBoolean("set")).isFalse();
    axe.check(browser, "admin-settings-error");

    browser.click("#setting-githubToken-clear");
    new Select(browser.find("#setting-catalogGlamaEnabled")).selectByValue("");
    browser.click("#save-settings");
    browser.until(d -> browser.find(".flash").getText().equals("Saved: catalogGlamaEnabled, githubToken."));
    assertThat(settings().getJsonObject("githubToken").getBoolean("set")).isFalse();
    assertThat(settings().getJsonObject("catalogGlamaEnabled").getString("source")).isEqualTo("configuration");
    assertThat(gateway.admin(HttpMethod.GET, "/api/deployments", null).body()).doesNotContain(token);
  }

  /** {@code GET /api/settings} by setting name. */
  private static JsonObject settings() {
    JsonObject byName = new JsonObject();
    gateway.admin(HttpMethod.GET, "/api/settings", null).json().getJsonArray("settings").stream()
        .map(JsonObject.class::cast).forEach(s -> byName.put(s.getString("name"), s));
    return byName;
  }

  @Test
  void anAdminChangesARoleAndTheSignedInUserFollowsIt() {
    String user = "kim";
    String password = "a long password for kim 7";
    assertThat(gateway.admin(HttpMethod.POST, "/api/accounts", new JsonObject().put("username", user)
        .put("password", password).put("role", "member")).status()).isEqualTo(201);
    try {
      signInAs(ADMIN, PASSWORD);
      browser.open("/users");
      assertThat(browser.driver().findElements(By.cssSelector("#user-grace-role"))).as("not one's own role").isEmpty();
      new Select(browser.find("#user-kim-role")).selectByValue("admin");
      browser.click("button[aria-label='Change the role of kim']");
      browser.until(d -> browser.find(".flash").getText().equals("kim is now an admin."));
      assertThat(new Select(browser.find("#user-kim-role")).getFirstSelectedOption().getText()).isEqualTo("admin");

      signInAs(user, password);
      browser.open("/users");
      assertThat(browser.find("h1").getText()).isEqualTo("Users");
      assertThat(gateway.admin(HttpMethod.PATCH, "/api/accounts/" + user, new JsonObject().put("role", "member"))
          .status()).isEqualTo(200);
      browser.open("/users");
      assertThat(browser.find("h1").getText()).as("the demotion applies to the open session").isEqualTo("Administrators only");
      browser.open("/");
      assertThat(browser.find("h1").getText()).isEqualTo("Deployments");
      assertThat(browser.driver().findElements(By.cssSelector("a[href='/users'], a[href='/settings']"))).isEmpty();
    } finally {
      gateway.admin(HttpMethod.DELETE, "/api/accounts/" + user, null);
      signInAs(ADMIN, PASSWORD);
    }
  }

  @Test
  void analyzeARepositoryAndDeployFromTheGeneratedForm() {
    signedIn();
    browser.open("/deployments/new");
    browser.type("#repoUrl", "https://github.com/acme/weather-mcp").click("form.analyze-form button[type=submit]");
    WebElement key = browser.find("#cfg-ACME_WEATHER_API_KEY");
    assertThat(key.getDomProperty("type")).isEqualTo("password");
    assertThat(browser.find("label[for=cfg-ACME_WEATHER_API_KEY]").getText()).contains("(required)");
    assertThat(browser.find("#cfg-ACME_WEATHER_API_KEY-help").getText()).contains("(from server.json)");
    assertThat(new Select(browser.find("#cfg-ACME_WEATHER_UNITS")).getFirstSelectedOption().getText()).isEqualTo("metric");
    assertThat(browser.find("#name").getDomProperty("value")).isEqualTo("weather-mcp");
    axe.check(browser, "console-generated-form");

    browser.click("#deploy");
    browser.until(d -> !browser.find("#cfg-ACME_WEATHER_API_KEY-error").getText().isBlank());
    axe.check(browser, "console-generated-form-error");
    assertThat(browser.path()).isEqualTo("/deployments/new/analyze");
    assertThat(gateway.admin(HttpMethod.GET, "/api/deployments", null).body()).doesNotContain("weather-mcp");

    key.sendKeys(SECRET);
    browser.click("button[data-toggle-secret=cfg-ACME_WEATHER_API_KEY]");
    assertThat(key.getDomProperty("type")).isEqualTo("text");
    browser.click("button[data-toggle-secret=cfg-ACME_WEATHER_API_KEY]");
    assertThat(key.getDomProperty("type")).isEqualTo("password");
    browser.click("#deploy");
    browser.until(d -> browser.find("h1").getText().equals("weather-mcp"));
    assertThat(browser.find("#access-token").getDomProperty("value")).isNotBlank();
    assertThat(browser.driver().getPageSource()).doesNotContain(SECRET);
    JsonObject stored = gateway.admin(HttpMethod.GET, "/api/deployments", null).json().getJsonArray("items").stream()
        .map(JsonObject.class::cast).filter(d -> d.getString("name").equals("weather-mcp")).findFirst().orElseThrow();
    assertThat(stored.getJsonObject("recipe").getString("package")).isEqualTo("@acme/weather-mcp");
    assertThat(stored.getJsonArray("secrets").encode()).contains("ACME_WEATHER_API_KEY");
    assertThat(gateway.admin(HttpMethod.DELETE, "/api/deployments/" + stored.getString("id"), null).status()).isEqualTo(200);
  }

  @Test
  void signInDeployConnectEndStopDelete() {
    browser.open("/");
    if (!browser.path().startsWith("/signin")) {
      browser.click("button.link");
      browser.until(d -> browser.path().startsWith("/signin"));
      browser.open("/");
    }
    assertThat(browser.path()).startsWith("/signin");
    browser.type("#username", ADMIN).type("#password", PASSWORD).click("button.primary");
    browser.until(d -> browser.path().equals("/"));
    browser.until(d -> browser.find("#empty").getText().contains("No MCP server is deployed yet"));
    axe.check(browser, "console-empty");

    browser.click("a[href='/deployments/new']");
    browser.type("#name", "browser-fixture");
    new Select(browser.find("#runtime")).selectByValue("command");
    browser.type("#command", "/bin/sh").type("#args", fixtureScript().toString());
    browser.type("#variables", "GREETING=hello");
    browser.type("#secrets", "SECRET_TOKEN=" + SECRET);
    axe.check(browser, "console-new");
    browser.click("#deploy");

    browser.until(d -> browser.find("#status").getText().equals("running"));
    String url = browser.find("#mcp-url").getDomProperty("value");
    String token = browser.find("#access-token").getDomProperty("value");
    assertThat(url).matches("http://127\\.0\\.0\\.1:\\d+/api/mcp/[0-9a-f-]{36}");
    assertThat(token).isNotBlank();
    assertThat(browser.driver().getPageSource()).doesNotContain(SECRET);
    browser.click("button[data-copy='access-token']");
    browser.until(d -> browser.find("button[data-copy='access-token']").getText().equals("Copied"));
    assertThat(browser.find("#snippet-claude-code").getDomProperty("textContent"))
        .contains("claude mcp add --transport http browser-fixture " + url).contains("Bearer " + token);
    browser.until(d -> browser.find("#logs").getText().contains("running"));
    axe.check(browser, "console-deployment");

    String id = url.substring(url.lastIndexOf('/') + 1);
    browser.open("/");
    String sessions = "[data-sessions-of='" + id + "']";
    assertThat(browser.find(sessions).getText()).isEqualTo("0");
    try (McpSyncClient mcp = gateway.mcpClient(id, token)) {
      assertThat(GatewayHarness.call(mcp, "get_env", Map.of("name", "SECRET_TOKEN"))).isEqualTo(SECRET);
      browser.until(d -> browser.find(sessions).getText().equals("1"));
      axe.check(browser, "console-list-live-session");
      browser.open("/deployments/" + id);
      browser.click("button.end-session");
      browser.until(d -> browser.find(".flash").getText().equals("Session ended."));
      assertThat(browser.find("#no-sessions").getText()).isEqualTo("No open session.");
    }

    browser.open("/");
    browser.until(d -> browser.find("[data-status-of='" + id + "']").getText().equals("running"));
    gateway.admin(HttpMethod.POST, "/api/deployments/" + id + "/stop", null);
    browser.until(d -> browser.find("[data-status-of='" + id + "']").getText().equals("stopped"));
    axe.check(browser, "console-list");

    browser.open("/deployments/" + id);
    List<String> audit = browser.driver().findElements(By.cssSelector("#audit tbody tr")).stream()
        .map(WebElement::getText).toList();
    assertThat(audit).anyMatch(row -> row.contains("console:" + ADMIN) && row.contains("deployment.created"))
        .anyMatch(row -> row.contains("admin") && row.contains("desired.stopped"));
    assertThat(String.join("\n", audit)).doesNotContain(SECRET);
    browser.type("#confirm", "browser-fixture").click("#delete");
    browser.until(d -> browser.path().equals("/"));
    assertThat(browser.find(".flash").getText()).isEqualTo("Deleted browser-fixture.");
    assertThat(gateway.admin(HttpMethod.GET, "/api/deployments/" + id, null).status()).isEqualTo(404);
    assertThat(browser.driver().findElements(By.cssSelector("#deployments"))).isEmpty();
  }
}
