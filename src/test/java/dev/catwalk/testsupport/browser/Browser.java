package dev.catwalk.testsupport.browser;

import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * A real browser for page tests: Debian's headless {@code chromium} driven through {@code chromedriver}
 * (both from apt; no download at run time), with a fresh profile that is deleted on {@link #close()}.
 * Screenshots go to {@code target/screenshots}.
 */
public final class Browser implements AutoCloseable {

  /** The browser binary. */
  public static final String CHROMIUM = "/usr/bin/chromium";
  /** The driver binary. */
  public static final String CHROMEDRIVER = "/usr/bin/chromedriver";
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final ChromeDriver driver;
  private final Path profile;
  private final String base;

  private Browser(ChromeDriver driver, Path profile, String base) {
    this.driver = driver;
    this.profile = profile;
    this.base = base;
  }

  /** Whether chromium and chromedriver are installed (tests that need them say so when not). */
  public static boolean installed() {
    return Files.isExecutable(Path.of(CHROMIUM)) && Files.isExecutable(Path.of(CHROMEDRIVER));
  }

  /** Starts a headless browser for pages at {@code base} ({@code http://127.0.0.1:PORT}). */
  public static Browser start(String base) {
    try {
      Path profile = Files.createTempDirectory("catwalk-chromium-");
      ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM).addArguments("--headless=new", "--no-sandbox",
          "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update",
          "--disable-sync", "--no-first-run", "--no-default-browser-check", "--window-size=1280,1000",
          "--user-data-dir=" + profile);
      ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER))
          .usingAnyFreePort().build();
      ChromeDriver driver = new ChromeDriver(service, options);
      driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(90)).scriptTimeout(Duration.ofSeconds(30));
      return new Browser(driver, profile, base);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The driver, for what this class does not wrap. */
  public ChromeDriver driver() {
    return driver;
  }

  /** Opens {@code path} on the base URL. */
  public Browser open(String path) {
    driver.get(base + path);
    return this;
  }

  /** The current path (and query). */
  public String path() {
    String url = driver.getCurrentUrl();
    return url.startsWith(base) ? url.substring(base.length()) : url;
  }

  /** The element matching {@code css}, waiting for it to appear. */
  public WebElement find(String css) {
    return until(d -> d.findElement(By.cssSelector(css)));
  }

  /** Types {@code text} into the input matching {@code css} (cleared first). */
  public Browser type(String css, String text) {
    WebElement input = find(css);
    input.clear();
    input.sendKeys(text);
    return this;
  }

  /** Clicks the element matching {@code css}. */
  public Browser click(String css) {
    find(css).click();
    return this;
  }

  /** Waits until {@code condition} returns something other than null or false (up to 30 s). */
  public <T> T until(Function<org.openqa.selenium.WebDriver, T> condition) {
    try {
      return new WebDriverWait(driver, WAIT).ignoring(org.openqa.selenium.NoSuchElementException.class)
          .ignoring(org.openqa.selenium.StaleElementReferenceException.class).until(condition::apply);
    } catch (org.openqa.selenium.TimeoutException e) {
      String text = driver.findElements(By.tagName("body")).stream().map(WebElement::getText).findFirst().orElse("");
      throw new AssertionError("waited 30 s in vain on " + path() + "; the page says:\n"
          + text.substring(0, Math.min(text.length(), 3000)), e);
    }
  }

  /** Runs a script in the page and returns its result. */
  public Object script(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  /** Writes a PNG screenshot to {@code target/screenshots/NAME.png}. */
  public Path screenshot(String name) {
    try {
      Path target = Path.of("target", "screenshots", name + ".png");
      Files.createDirectories(target.getParent());
      Files.write(target, driver.getScreenshotAs(OutputType.BYTES));
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      try (Stream<Path> files = Files.walk(profile)) {
        files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
      } catch (IOException e) {
        // a profile left in /tmp is harmless
      }
    }
  }
}
