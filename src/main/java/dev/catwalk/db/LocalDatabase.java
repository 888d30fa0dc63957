package dev.catwalk.db;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The first step of the {@link DatabaseLookup}: a Postgres answering on 127.0.0.1:5432, tried as
 * {@code $PGUSER}, the login name, then {@code postgres} (password {@code $PGPASSWORD}); it uses, and
 * creates if needed, the named database there (or the {@code postgres} database as it is).
 */
public final class LocalDatabase implements DatabaseLookup.Step {

  /** The database Catwalk uses (and creates) on a local server. */
  public static final String DEFAULT_NAME = "catwalk";

  private final Vertx vertx;
  private final String host;
  private final int port;
  private final String databaseName;

  /**
   * @param host         where to look for a local server (127.0.0.1 in production use)
   * @param port         its port (5432)
   * @param databaseName database to use and create there, or null for the server's {@code postgres} database
   */
  public LocalDatabase(Vertx vertx, String host, int port, String databaseName) {
    this.vertx = vertx;
    this.host = host;
    this.port = port;
    this.databaseName = databaseName;
  }

  /** 127.0.0.1:5432, database {@code catwalk}. */
  public static LocalDatabase standard(Vertx vertx) {
    return new LocalDatabase(vertx, "127.0.0.1", 5432, DEFAULT_NAME);
  }

  @Override
  public String name() {
    return "a local Postgres on " + host + ":" + port;
  }

  @Override
  public Future<DatabaseLookup.Found> attempt() {
    return portOpen().compose(open -> open ? useLocalServer()
        : Future.failedFuture(new DatabaseLookup.Unavailable("nothing answers there")));
  }

  private Future<Boolean> portOpen() {
    NetClient client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(1_000));
    return client.connect(port, host)
        .compose(socket -> socket.close().map(true))
        .otherwise(false)
        .eventually(client::close);
  }

  private Future<DatabaseLookup.Found> useLocalServer() {
    List<DatabaseUrl> candidates = new ArrayList<>();
    String password = System.getenv().getOrDefault("PGPASSWORD", "");
    for (String user : candidateUsers()) {
      candidates.add(new DatabaseUrl(host, port, "postgres", user, password, "disable", null, "catwalk", 2, false, List.of()));
    }
    return tryCandidates(candidates, 0, null)
        .compose(admin -> databaseName == null ? Future.succeededFuture(admin)
            : Database.ensureDatabase(vertx, admin, databaseName))
        .map(url -> DatabaseLookup.Found.external(url, "the local Postgres at " + url.location()));
  }

  private Future<DatabaseUrl> tryCandidates(List<DatabaseUrl> candidates, int index, Throwable last) {
    if (index >= candidates.size()) {
      return Future.failedFuture(new DatabaseException("it refused every user tried ("
          + String.join(", ", candidateUsers()) + "): " + (last == null ? "" : last.getMessage()), last));
    }
    DatabaseUrl candidate = candidates.get(index);
    var pool = Database.pool(vertx, candidate, 1);
    return Database.ping(pool, candidate, 3_000)
        .map(candidate)
        .eventually(pool::close)
        .recover(e -> tryCandidates(candidates, index + 1, e));
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
}
