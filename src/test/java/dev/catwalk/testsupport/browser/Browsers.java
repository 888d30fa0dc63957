package dev.catwalk.testsupport.browser;

import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.time.Duration;

/**
 * Real headless browsers for page tests: Debian's {@code chromium} driven through its
 * {@code chromedriver} (both installed by {@code .ci/run}); nothing is downloaded.
 */
public final class Browsers {

  /** Debian's chromium. */
  public static final String CHROMIUM = "/usr/bin/chromium";
  /** Debian's chromedriver. */
  public static final String CHROMEDRIVER = "/usr/bin/chromedriver";

  private Browsers() {
  }

  /** A new headless chromium with a fresh profile; quit it after the test. */
  public static ChromeDriver chromium() {
    ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM)
        .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
            "--no-first-run", "--window-size=1024,768");
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER))
        .usingAnyFreePort().build();
    ChromeDriver driver = new ChromeDriver(service, options);
    driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
    return driver;
  }
}
