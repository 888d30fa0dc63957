package dev.catwalk.testsupport;

import dev.catwalk.db.Database;
import dev.catwalk.db.DatabaseUrl;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import org.testcontainers.postgresql.PostgreSQLContainer;

import java.util.Locale;
import java.util.UUID;

/**
 * The Postgres the tests use: {@code TEST_DATABASE_URL} when set (CI points it at the local
 * server), else one Testcontainers container for the whole run. Each test class asks for its own
 * database with {@link #create}, so no test sees another's rows, and drops it with {@link #drop}.
 */
public final class TestDatabase {

  /** Environment variable naming a server the tests may create databases on. */
  public static final String ENV = "TEST_DATABASE_URL";

  private static DatabaseUrl admin;

  private TestDatabase() {
  }

  /** A URL of a maintenance database on the test server, with rights to create databases. */
  public static synchronized DatabaseUrl admin() {
    if (admin == null) {
      String url = System.getenv(ENV);
      admin = url != null && !url.isBlank() ? DatabaseUrl.parse(url) : startContainer();
    }
    return admin;
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

  @SuppressWarnings("resource")
  private static DatabaseUrl startContainer() {
    PostgreSQLContainer container = new PostgreSQLContainer("postgres:17-alpine");
    container.start();
    return new DatabaseUrl(container.getHost(), container.getFirstMappedPort(), container.getDatabaseName(),
        container.getUsername(), container.getPassword(), "disable", null, "catwalk-test", 0, false,
        java.util.List.of());
  }
}
