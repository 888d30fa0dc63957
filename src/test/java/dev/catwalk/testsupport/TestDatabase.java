package dev.catwalk.testsupport;

import dev.catwalk.db.Database;
import dev.catwalk.db.DatabaseLookup;
import dev.catwalk.db.DatabaseUrl;
import dev.catwalk.db.EmbeddedDatabase;
import dev.catwalk.db.LocalDatabase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * The Postgres the tests use, found the way {@code serve} finds one: {@code TEST_DATABASE_URL} when
 * set, else a Postgres on 127.0.0.1:5432, else an embedded Postgres (a throw-away data directory,
 * stopped when the JVM exits), else a Testcontainers container when a Docker engine answers, else a
 * failure that names each step and why it was not available. Each test class asks for its own
 * database with {@link #create}, so no test sees another's rows, and drops it with {@link #drop}.
 */
public final class TestDatabase {

  /** Environment variable naming a server the tests may create databases on. */
  public static final String ENV = "TEST_DATABASE_URL";

  private static DatabaseLookup.Found admin;

  private TestDatabase() {
  }

  /** A URL of a maintenance database on the test server, with rights to create databases. */
  public static synchronized DatabaseUrl admin() {
    if (admin == null) {
      String url = System.getenv(ENV);
      admin = url != null && !url.isBlank() ? DatabaseLookup.Found.external(DatabaseUrl.parse(url), ENV) : lookUp();
    }
    return admin.url();
  }

  /** What the tests' database is, for people. */
  public static synchronized String description() {
    admin();
    return admin.description();
  }

  /** Creates a fresh, empty database named after {@code owner} and returns its URL. */
  public static DatabaseUrl create(Vertx vertx, Class<?> owner) {
    String name = ("cw_" + owner.getSimpleName() + "_" + UUID.randomUUID().toString().substring(0, 8))
        .toLowerCase(Locale.ROOT);
    return Database.ensureDatabase(vertx, admin(), name).await();
  }

  /** Drops a database made by {@link #create}. */
  public static void drop(Vertx vertx, DatabaseUrl database) {
    drop(vertx, admin(), database.database());
  }

  /** Drops database {@code name} (and ends its connections) on the server {@code admin} points at. */
  public static void drop(Vertx vertx, DatabaseUrl admin, String name) {
    if (!name.matches("[a-z_][a-z0-9_]{0,62}")) {
      throw new IllegalArgumentException("unsafe database name: " + name);
    }
    Pool pool = Database.pool(vertx, admin, 1);
    pool.query("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)").execute().eventually(pool::close).await();
  }

  /** The lookup of the tests (without {@code TEST_DATABASE_URL}). */
  public static DatabaseLookup lookup(Vertx vertx, Path embeddedFolder) {
    return new DatabaseLookup(ENV, List.of(new LocalDatabase(vertx, "127.0.0.1", 5432, null),
        EmbeddedDatabase.throwaway(vertx, embeddedFolder), new ContainerDatabase(vertx)));
  }

  private static DatabaseLookup.Found lookUp() {
    Vertx vertx = Vertx.vertx();
    try {
      return lookup(vertx, Files.createTempDirectory("catwalk-test-postgres-")).resolve().await();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      vertx.close().await();
    }
  }

  /** Prints which database the tests would use here, or why there is none (exit 1); for checks in other environments. */
  public static void main(String[] args) {
    try {
      System.out.println("test database: " + description());
      System.exit(0);
    } catch (RuntimeException e) {
      System.err.println(e.getMessage());
      System.exit(1);
    }
  }

  /** A Postgres container, when a Docker engine answers. */
  private record ContainerDatabase(Vertx vertx) implements DatabaseLookup.Step {

    @Override
    public String name() {
      return "a Testcontainers Postgres";
    }

    @Override
    public Future<DatabaseLookup.Found> attempt() {
      return vertx.executeBlocking(() -> {
        if (!dockerReachable()) {
          throw new DatabaseLookup.Unavailable("no Docker engine answers");
        }
        return start();
      }, false);
    }

    @SuppressWarnings("resource")
    private static DatabaseLookup.Found start() {
      PostgreSQLContainer container = new PostgreSQLContainer("postgres:17-alpine");
      container.start();
      DatabaseUrl url = new DatabaseUrl(container.getHost(), container.getFirstMappedPort(),
          container.getDatabaseName(), container.getUsername(), container.getPassword(), "disable", null,
          "catwalk-test", 0, false, List.of());
      return DatabaseLookup.Found.external(url, "a Testcontainers Postgres at " + url.location());
    }

    private static boolean dockerReachable() {
      try {
        return DockerClientFactory.instance().isDockerAvailable();
      } catch (RuntimeException | LinkageError e) {
        return false;
      }
    }
  }
}
