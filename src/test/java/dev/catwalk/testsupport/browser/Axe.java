package dev.catwalk.testsupport.browser;

import dev.catwalk.testsupport.NodePackages;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The axe-core accessibility engine (the npm package pinned in {@code src/test/node/package-lock.json}, installed by
 * {@link NodePackages}) injected into the page a {@link Browser} shows. {@link #check} runs every rule axe runs by
 * default (WCAG 2.x A/AA and best practices) on the whole page, prints a summary (violations by impact) to the test
 * output and to {@code target/accessibility.txt}, writes the page's screenshot, and fails on any serious or critical
 * violation, naming the rule and the elements.
 */
public final class Axe {

  /** The impacts that fail a check. */
  public static final List<String> BLOCKING = List.of("serious", "critical");
  private static final Path SUMMARY = Path.of("target", "accessibility.txt");

  private final String source;

  private Axe(String source) {
    this.source = source;
  }

  /** axe-core's script from the installed package. */
  public static Axe load() {
    try {
      Path work = NodePackages.install();
      return new Axe(Files.readString(work.resolve("node_modules/axe-core/axe.min.js")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * One violated rule.
   *
   * @param rule    axe rule id
   * @param impact  minor, moderate, serious or critical
   * @param help    what the rule asks for
   * @param targets CSS selectors of the offending elements
   */
  public record Violation(String rule, String impact, String help, List<String> targets) {
  }

  /**
   * What axe found on one page.
   *
   * @param page       the name the test gave the page
   * @param path       the page's path
   * @param passed     how many rules found nothing wrong
   * @param violations every violated rule
   */
  public record Report(String page, String path, int passed, List<Violation> violations) {

    /** Violated rules by impact. */
    public Map<String, Integer> byImpact() {
      Map<String, Integer> counts = new TreeMap<>();
      violations.forEach(v -> counts.merge(v.impact(), 1, Integer::sum));
      return counts;
    }

    /** The serious and critical violations. */
    public List<Violation> blocking() {
      return violations.stream().filter(v -> BLOCKING.contains(v.impact())).toList();
    }

    /** One line: the page, its path and its violations by impact (rule ids in brackets). */
    public String summary() {
      String rules = violations.isEmpty() ? "none"
          : String.join(", ", violations.stream().map(v -> v.impact() + " " + v.rule()).toList());
      String where = path.length() > 80 ? path.substring(0, 77) + "..." : path;
      return "axe " + page + " (" + where + "): " + passed + " rules passed, " + violations.size() + " violated "
          + byImpact() + " [" + rules + "]";
    }
  }

  /**
   * Checks the page {@code browser} shows now (injecting axe once per page load), writes its screenshot as
   * {@code target/screenshots/NAME.png}, prints the summary, and throws if anything serious or critical was found.
   */
  public Report check(Browser browser, String name) {
    browser.screenshot(name);
    Report report = run(browser, name);
    System.out.println(report.summary());
    try {
      Files.createDirectories(SUMMARY.getParent());
      Files.writeString(SUMMARY, report.summary() + System.lineSeparator(), StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (!report.blocking().isEmpty()) {
      StringBuilder text = new StringBuilder("accessibility: serious or critical violations on " + name + " ("
          + report.path() + "):");
      report.blocking().forEach(v -> text.append("\n  ").append(v.impact()).append(' ').append(v.rule()).append(": ")
          .append(v.help()).append(" at ").append(v.targets()));
      throw new AssertionError(text.toString());
    }
    return report;
  }

  /** Runs axe on the page without judging it. */
  public Report run(Browser browser, String name) {
    if (!Boolean.TRUE.equals(browser.script("return typeof window.axe === 'object';"))) {
      browser.script(source);
    }
    Object raw = browser.driver().executeAsyncScript("""
        const done = arguments[arguments.length - 1];
        window.axe.run(document, { resultTypes: ['violations'] })
          .then((r) => done(JSON.stringify({ passed: r.passes.length, violations: r.violations.map((v) => ({
            rule: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) })) })))
          .catch((e) => done(JSON.stringify({ error: String(e) })));
        """);
    JsonObject result = new JsonObject(String.valueOf(raw));
    if (result.containsKey("error")) {
      throw new AssertionError("axe did not run on " + name + ": " + result.getString("error"));
    }
    List<Violation> violations = result.getJsonArray("violations").stream().map(JsonObject.class::cast)
        .map(v -> new Violation(v.getString("rule"), v.getString("impact"), v.getString("help"),
            v.getJsonArray("targets").stream().map(String::valueOf).toList()))
        .toList();
    return new Report(name, browser.path(), result.getInteger("passed"), violations);
  }
}
