package dev.catwalk.db;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * Finds a database for {@code serve} on a developer machine when {@code DATABASE_URL} is unset:
 * a Postgres answering on 127.0.0.1:5432 (database {@code catwalk} there, created if needed),
 * else a Postgres container started with Testcontainers when a Docker engine is reachable,
 * else a failure that says how to point Catwalk at a database.
 */
public final class LocalDatabase {

  /** The database Catwalk uses (and creates) on a local server. */
  public static final String DEFAULT_NAME = "catwalk";
  /** Image for the Testcontainers fallback. */
  public static final String CONTAINER_IMAGE = "postgres:17-alpine";

  private static final Logger LOG = LoggerFactory.getLogger(LocalDatabase.class);

  private final Vertx vertx;
  private final String host;
  private final int port;
  private final String databaseName;
  private final BooleanSupplier dockerAvailable;

  /**
   * @param host            where to look for a local server (127.0.0.1 in production use)
   * @param port            its port (5432)
   * @param databaseName    database to use and create there
   * @param dockerAvailable whether a Docker engine can be used for the container fallback
   */
  public LocalDatabase(Vertx vertx, String host, int port, String databaseName, BooleanSupplier dockerAvailable) {
    this.vertx = vertx;
    this.host = host;
    this.port = port;
    this.databaseName = databaseName;
    this.dockerAvailable = dockerAvailable;
  }

  /** The standard lookup: 127.0.0.1:5432, database {@code catwalk}, Docker as Testcontainers sees it. */
  public static LocalDatabase standard(Vertx vertx) {
    return new LocalDatabase(vertx, "127.0.0.1", 5432, DEFAULT_NAME, LocalDatabase::dockerReachable);
  }

  /** Resolves a database as described on the class. */
  public Future<DatabaseUrl> resolve() {
    return portOpen().compose(open -> open ? useLocalServer() : useContainerOrFail());
  }

  private Future<Boolean> portOpen() {
    NetClient client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(1_000));
    return client.connect(port, host)
        .compose(socket -> socket.close().map(true))
        .otherwise(false)
        .eventually(client::close);
  }

  private Future<DatabaseUrl> useLocalServer() {
    List<DatabaseUrl> candidates = new ArrayList<>();
    String password = System.getenv().getOrDefault("PGPASSWORD", "");
    for (String user : candidateUsers()) {
      candidates.add(new DatabaseUrl(host, port, "postgres", user, password, "disable", null, "catwalk", 2, false, List.of()));
    }
    return tryCandidates(candidates, 0, null)
        .compose(admin -> Database.ensureDatabase(vertx, admin, databaseName))
        .onSuccess(url -> LOG.info("DATABASE_URL is not set: using the local Postgres at {}", url.location()));
  }

  private Future<DatabaseUrl> tryCandidates(List<DatabaseUrl> candidates, int index, Throwable last) {
    if (index >= candidates.size()) {
      return Future.failedFuture(new DatabaseException("DATABASE_URL is not set and the local Postgres at "
          + host + ":" + port + " refused every user tried (" + String.join(", ", candidateUsers()) + "): "
          + (last == null ? "" : last.getMessage()) + "\nSet DATABASE_URL, for example postgres://USER:PASSWORD@"
          + host + ":" + port + "/" + databaseName + "?sslmode=disable", last));
    }
    DatabaseUrl candidate = candidates.get(index);
    var pool = Database.pool(vertx, candidate, 1);
    return Database.ping(pool, candidate, 3_000)
        .map(candidate)
        .eventually(pool::close)
        .recover(e -> tryCandidates(candidates, index + 1, e));
  }

  private Future<DatabaseUrl> useContainerOrFail() {
    if (!dockerAvailable.getAsBoolean()) {
      return Future.failedFuture(new DatabaseException("DATABASE_URL is not set, no Postgres answers on "
          + host + ":" + port + " and no Docker engine is reachable.\n"
          + "Point Catwalk at a database: export DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/DATABASE\n"
          + "(or start a local Postgres on 127.0.0.1:5432, or a Docker engine for a throw-away one)", null));
    }
    return vertx.executeBlocking(this::startContainer, false);
  }

  @SuppressWarnings("resource")
  private DatabaseUrl startContainer() {
    PostgreSQLContainer container = new PostgreSQLContainer(CONTAINER_IMAGE)
        .withDatabaseName(databaseName).withUsername("catwalk").withPassword("catwalk");
    container.start();
    LOG.warn("DATABASE_URL is not set and no local Postgres answers: started a throw-away Postgres container "
        + "({}); its data is lost when Catwalk stops", CONTAINER_IMAGE);
    return new DatabaseUrl(container.getHost(), container.getFirstMappedPort(), databaseName, "catwalk", "catwalk",
        "disable", null, "catwalk", 0, false, List.of());
  }

  private static Set<String> candidateUsers() {
    Set<String> users = new LinkedHashSet<>();
    String pgUser = System.getenv("PGUSER");
    if (pgUser != null && !pgUser.isBlank()) {
      users.add(pgUser);
    }
    users.add(System.getProperty("user.name"));
    users.add("postgres");
    return users;
  }

  private static boolean dockerReachable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }
}
