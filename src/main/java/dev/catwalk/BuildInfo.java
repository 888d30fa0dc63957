package dev.catwalk;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * What the build wrote into {@code catwalk-version.properties}. It imports nothing of Catwalk's, so
 * that the command line ({@code Main}) and what serves the version over HTTP can both read it
 * without depending on each other.
 */
public final class BuildInfo {

  private static final String RESOURCE = "/catwalk-version.properties";

  private BuildInfo() {
  }

  /** The build's version, or {@code unknown} when it was not built by Maven. */
  public static String version() {
    try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
      Properties properties = new Properties();
      if (in != null) {
        properties.load(in);
      }
      return properties.getProperty("version", "unknown");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
