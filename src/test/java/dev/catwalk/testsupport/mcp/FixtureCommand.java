package dev.catwalk.testsupport.mcp;

import java.nio.file.Path;
import java.util.List;

/** The command line that runs {@link FixtureServer} as its own JVM with the test class path. */
public final class FixtureCommand {

  private FixtureCommand() {
  }

  /** {@code java … -cp <test class path> dev.catwalk.testsupport.mcp.FixtureServer}, with the running JDK. */
  public static List<String> command() {
    return List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xshare:auto",
        "-XX:TieredStopAtLevel=1",
        "-XX:+UseSerialGC",
        "-Xmx256m",
        "-cp",
        System.getProperty("java.class.path"),
        FixtureServer.class.getName());
  }
}
