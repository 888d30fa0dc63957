package dev.catwalk.sandbox;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where this process keeps the temporary working directories of server processes started outside
 * the sandbox: {@code <java.io.tmpdir>/catwalk-sessions-<pid>}. A process killed with {@code kill -9}
 * cannot remove its own, so each gateway and runner removes, when it starts, those of processes that no
 * longer run.
 */
public final class SessionDirectories {

  private static final Logger LOG = LoggerFactory.getLogger(SessionDirectories.class);
  private static final String PREFIX = "catwalk-sessions-";
  private static final Pattern NAME = Pattern.compile(Pattern.quote(PREFIX) + "([0-9]{1,10})");

  private SessionDirectories() {
  }

  /** This process's directory of session directories, created when missing. */
  public static Path root() throws IOException {
    return Files.createDirectories(base().resolve(PREFIX + ProcessHandle.current().pid()));
  }

  /** Removes the session directories of processes that no longer run; how many roots were removed. */
  public static int removeStale() {
    return removeStale(base());
  }

  static int removeStale(Path base) {
    int removed = 0;
    try (Stream<Path> entries = Files.list(base)) {
      for (Path entry : entries.toList()) {
        Matcher matcher = NAME.matcher(entry.getFileName().toString());
        if (matcher.matches() && Files.isDirectory(entry) && !running(Long.parseLong(matcher.group(1)))) {
          Sandbox.deleteTree(entry);
          removed++;
        }
      }
    } catch (IOException | UncheckedIOException e) {
      LOG.warn("cannot look for stale session directories in {}: {}", base, e.getMessage());
    }
    if (removed > 0) {
      LOG.info("removed the session directories of {} process(es) that ended without removing them", removed);
    }
    return removed;
  }

  private static boolean running(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  private static Path base() {
    return Path.of(System.getProperty("java.io.tmpdir"));
  }
}
