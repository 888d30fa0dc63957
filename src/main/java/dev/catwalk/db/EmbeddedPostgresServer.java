package dev.catwalk.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One embedded Postgres ({@link EmbeddedDatabase}); the only class that touches the library, loaded
 * only once it is known to be on the class path. Blocking: call on a worker thread.
 */
final class EmbeddedPostgresServer {

  /** The data directory inside the folder. */
  static final String DATA = "data";
  /** The server's own log inside the folder. */
  static final String LOG_FILE = "postgres.log";

  private static final Logger LOGGER = LoggerFactory.getLogger(EmbeddedPostgresServer.class);
  /** The library's lock file in the data directory, held while a server of this JVM uses it. */
  private static final String LOCK_FILE = "epg-lock";
  private static final long LEFTOVER_STOP_SECONDS = 30;

  private final EmbeddedPostgres postgres;
  private final DatabaseUrl admin;

  private EmbeddedPostgresServer(EmbeddedPostgres postgres) {
    this.postgres = postgres;
    this.admin = new DatabaseUrl("127.0.0.1", postgres.getPort(), "postgres", "postgres", "", "disable", null,
        "catwalk", 0, false, List.of());
  }

  /** Starts a server on a free port with its data in {@code folder/data}; {@code persistent} keeps the data. */
  static EmbeddedPostgresServer start(Path folder, boolean persistent) throws IOException, InterruptedException {
    Path data = folder.resolve(DATA);
    Files.createDirectories(data);
    stopLeftover(data);
    java.io.File log = folder.resolve(LOG_FILE).toFile();
    EmbeddedPostgres postgres = EmbeddedPostgres.builder()
        .setDataDirectory(data)
        .setCleanDataDirectory(!persistent)
        .setRegisterShutdownHook(true)
        .setOverrideWorkingDirectory(folder.resolve("bin").toFile())
        .setServerConfig("listen_addresses", "127.0.0.1")
        .setServerConfig("unix_socket_directories", "''")
        .setOutputRedirector(ProcessBuilder.Redirect.appendTo(log))
        .setErrorRedirector(ProcessBuilder.Redirect.appendTo(log))
        .start();
    return new EmbeddedPostgresServer(postgres);
  }

  /** Its {@code postgres} database as the superuser (trust authentication, loopback only). */
  DatabaseUrl admin() {
    return admin;
  }

  /** Stops the server (fast shutdown) and, for a throw-away one, removes its data. */
  Void stop() throws IOException {
    postgres.close();
    return null;
  }

  /**
   * A gateway killed without stopping its Postgres leaves the server running on the data directory;
   * it is stopped first, unless another process of ours still holds the directory.
   */
  private static void stopLeftover(Path data) throws IOException, InterruptedException {
    Path pidFile = data.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) {
      return;
    }
    try (FileChannel channel = FileChannel.open(data.resolve(LOCK_FILE), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE); FileLock lock = channel.tryLock()) {
      if (lock == null) {
        throw new DatabaseLookup.Unavailable("another catwalk uses the embedded Postgres in " + data);
      }
    } catch (OverlappingFileLockException e) {
      throw new DatabaseLookup.Unavailable("this process already uses the embedded Postgres in " + data);
    }
    List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
    if (lines.isEmpty() || !lines.get(0).strip().matches("\\d+")) {
      return;
    }
    var leftover = ProcessHandle.of(Long.parseLong(lines.get(0).strip()))
        .filter(p -> p.info().command().map(c -> c.endsWith("/postgres")).orElse(false));
    if (leftover.isPresent()) {
      LOGGER.warn("stopping the embedded Postgres (pid {}) a previous run left running on {}", leftover.get().pid(), data);
      leftover.get().destroy();
      try {
        leftover.get().onExit().get(LEFTOVER_STOP_SECONDS, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        throw new DatabaseLookup.Unavailable("the embedded Postgres a previous run left on " + data
            + " did not stop within " + LEFTOVER_STOP_SECONDS + " s (pid " + leftover.get().pid() + ")");
      }
    }
  }
}
