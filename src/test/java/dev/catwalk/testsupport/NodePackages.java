package dev.catwalk.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Node end-to-end scripts of {@code src/test/node} and their npm packages (pinned by its
 * {@code package-lock.json}), installed once into {@code target/node-e2e} with {@code npm ci}.
 */
public final class NodePackages {

  private static final Path SOURCES = Path.of("src/test/node");
  private static final Path WORK = Path.of("target/node-e2e");

  private NodePackages() {
  }

  /** The working directory with every script and {@code node_modules}, installed when the lock file changed. */
  public static synchronized Path install() throws IOException, InterruptedException {
    Files.createDirectories(WORK);
    try (var files = Files.list(SOURCES)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".mjs") || f.getFileName().toString().startsWith("package"))
          .toList()) {
        Files.copy(file, WORK.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    Path stamp = WORK.resolve("node_modules/.catwalk-installed-lock");
    String lock = Files.readString(SOURCES.resolve("package-lock.json"));
    if (!Files.exists(stamp) || !Files.readString(stamp).equals(lock)) {
      // Never inheritIO: the test JVM's stdin and stdout are Surefire's channel, and Node makes an inherited
      // stdin non-blocking ("std/in stream corrupted"). npm's output goes to a log beside node_modules.
      Path log = WORK.resolve("npm-ci.log");
      Process npm = new ProcessBuilder(List.of("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"))
          .directory(WORK.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .redirectErrorStream(true).redirectOutput(log.toFile()).start();
      if (!npm.waitFor(300, TimeUnit.SECONDS) || npm.exitValue() != 0) {
        npm.destroyForcibly();
        throw new IOException("npm ci failed in " + WORK + ":\n" + Files.readString(log));
      }
      Files.writeString(stamp, lock);
    }
    return WORK;
  }
}
