package dev.catwalk.testsupport.browser;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The accessibility check finds what it is there to find: a page with an unlabeled input and faint text fails. */
class AxeTest {

  private static Browser browser;
  private static Axe axe;

  @BeforeAll
  static void start() {
    assertThat(Browser.installed()).as("chromium and chromedriver (apt-get install chromium chromium-driver)").isTrue();
    browser = Browser.start("data:text/html;charset=utf-8,");
    axe = Axe.load();
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.close();
    }
  }

  private static void show(String html) {
    browser.open(URLEncoder.encode(html, StandardCharsets.UTF_8).replace("+", "%20"));
  }

  @Test
  void aBrokenPageFailsWithTheRuleAndTheElement() {
    show("<!DOCTYPE html><html><head><title>t</title></head><body><main><h1>Form</h1>"
        + "<p style='color:#ccc;background:#fff'>faint text</p><input id='q'></main></body></html>");
    Axe.Report report = axe.run(browser, "broken");
    assertThat(report.blocking()).extracting(Axe.Violation::rule).contains("label", "color-contrast", "html-has-lang");
    assertThat(report.blocking().stream().filter(v -> v.rule().equals("label")).findFirst().orElseThrow().targets())
        .containsExactly("#q");
    assertThatThrownBy(() -> axe.check(browser, "axe-broken-fixture")).isInstanceOf(AssertionError.class)
        .hasMessageContaining("label").hasMessageContaining("#q");
  }

  @Test
  void aCleanPagePasses() {
    show("<!DOCTYPE html><html lang='en'><head><title>t</title></head><body><main><h1>Form</h1>"
        + "<label for='q'>Query</label><input id='q'></main></body></html>");
    Axe.Report report = axe.check(browser, "axe-clean-fixture");
    assertThat(report.violations()).isEmpty();
    assertThat(report.passed()).isGreaterThan(5);
  }
}
