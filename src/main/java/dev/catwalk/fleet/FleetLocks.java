package dev.catwalk.fleet;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * A replica's Postgres advisory locks, all on one dedicated connection (session-level locks: Postgres
 * releases them when their connection ends, so when their replica dies). Two kinds:
 * <ul>
 *   <li>the <em>reconciler lock</em>, which at most one replica of the fleet holds: tried at start and
 *   again every {@link #RETRY} while another replica holds it, kept until the connection ends;</li>
 *   <li>one lock per deployment, held while the deployment's backend resources change (provisioning,
 *   stopping, removal), so two replicas never work on one deployment at once.</li>
 * </ul>
 * The connection asks the server for TCP keepalives every few seconds, so the locks of a replica whose
 * host vanished without closing its connection are released within about {@link #DEAD_PEER_SECONDS}
 * seconds. It must be a direct session: through a transaction-pooling pgbouncer a session lock would
 * stay on a server connection other clients reuse. Used on one context (the deployment verticle's).
 */
public final class FleetLocks {

  private static final Logger LOG = LoggerFactory.getLogger(FleetLocks.class);
  /** How often a replica tries again for the reconciler lock, or to reconnect. */
  public static final Duration RETRY = Duration.ofSeconds(2);
  /** How often a wait for a deployment's lock tries again. */
  static final Duration LOCK_POLL = Duration.ofMillis(200);
  /** About how long Postgres takes to notice a lock holder whose host vanished (keepalive idle + interval × count). */
  public static final int DEAD_PEER_SECONDS = 5 + 2 * 3;
  /** First key of the reconciler lock ('CWRC'); the second is 0. */
  static final int RECONCILER_KEY = 0x43575243;
  /** First key of the deployment locks ('CWDP'); the second is {@code hashtext} of the deployment id. */
  static final int DEPLOYMENT_KEY = 0x43574450;

  private static final String KEEPALIVE = "SELECT set_config('tcp_keepalives_idle', '5', false),"
      + " set_config('tcp_keepalives_interval', '2', false), set_config('tcp_keepalives_count', '3', false)";
  private static final String TRY_RECONCILER = "SELECT pg_try_advisory_lock($1, 0)";
  private static final String TRY_DEPLOYMENT = "SELECT pg_try_advisory_lock($1, hashtext($2))";
  private static final String UNLOCK_DEPLOYMENT = "SELECT pg_advisory_unlock($1, hashtext($2))";

  private final Vertx vertx;
  private final PgConnectOptions options;
  private final String replica;
  private Consumer<Boolean> leadership = held -> { };
  private Future<PgConnection> connection;
  private boolean leader;
  private boolean closed;
  private long retryTimer = -1;
  private boolean warned;

  /**
   * @param options a direct (not pgbouncer) connection to the gateway's database
   * @param replica this replica's id, for log lines
   */
  public FleetLocks(Vertx vertx, PgConnectOptions options, String replica) {
    this.vertx = vertx;
    this.options = new PgConnectOptions(options);
    this.replica = replica;
  }

  /** Told {@code true} when this replica takes the reconciler lock and {@code false} when it loses it. */
  public FleetLocks leadershipHandler(Consumer<Boolean> handler) {
    this.leadership = handler;
    return this;
  }

  /** Starts trying for the reconciler lock (now, then every {@link #RETRY} until held). */
  public void start() {
    tryLeadership();
  }

  /** Whether this replica holds the reconciler lock. */
  public boolean leader() {
    return leader;
  }

  /** Takes the deployment's lock if no other replica holds it; false when one does. */
  public Future<Boolean> tryLock(UUID deploymentId) {
    return connection().compose(c -> c.preparedQuery(TRY_DEPLOYMENT)
        .execute(Tuple.of(DEPLOYMENT_KEY, deploymentId.toString()))).map(FleetLocks::bool);
  }

  /**
   * Takes the deployment's lock, waiting while another replica holds it (or while the database is
   * unreachable) for up to {@code limit}.
   *
   * @return a future failed with {@link LockTimeoutException} when the wait ran out
   */
  public Future<Void> lock(UUID deploymentId, Duration limit) {
    return lock(deploymentId, System.nanoTime() + limit.toNanos());
  }

  private Future<Void> lock(UUID deploymentId, long deadline) {
    return tryLock(deploymentId).recover(e -> Future.succeededFuture(false)).compose(held -> {
      if (held) {
        return Future.succeededFuture();
      }
      if (closed || System.nanoTime() > deadline) {
        return Future.failedFuture(new LockTimeoutException(deploymentId));
      }
      return vertx.timer(LOCK_POLL.toMillis()).compose(t -> lock(deploymentId, deadline));
    });
  }

  /** Releases the deployment's lock (once per time it was taken). */
  public Future<Void> unlock(UUID deploymentId) {
    return connection().compose(c -> c.preparedQuery(UNLOCK_DEPLOYMENT)
        .execute(Tuple.of(DEPLOYMENT_KEY, deploymentId.toString()))).map(rows -> {
          if (!bool(rows)) {
            LOG.warn("the lock of deployment {} was no longer held (its connection was lost)", deploymentId);
          }
          return null;
        });
  }

  /** Closes the connection: every lock of this replica is released, another replica takes over reconciling. */
  public Future<Void> close() {
    closed = true;
    vertx.cancelTimer(retryTimer);
    setLeader(false);
    Future<PgConnection> current = connection;
    connection = null;
    return current == null ? Future.succeededFuture()
        : current.compose(PgConnection::close).recover(e -> Future.succeededFuture());
  }

  private void tryLeadership() {
    retryTimer = -1;
    if (closed || leader) {
      return;
    }
    connection().compose(c -> c.preparedQuery(TRY_RECONCILER).execute(Tuple.of(RECONCILER_KEY)))
        .onSuccess(rows -> {
          warned = false;
          if (bool(rows) && !closed) {
            setLeader(true);
          } else {
            retryLater();
          }
        })
        .onFailure(e -> {
          if (!warned) {
            LOG.warn("replica {}: the reconciler lock cannot be tried ({}); trying again every {} s", replica,
                e.getMessage(), RETRY.toSeconds());
            warned = true;
          }
          retryLater();
        });
  }

  private void retryLater() {
    if (!closed && retryTimer < 0) {
      retryTimer = vertx.setTimer(RETRY.toMillis(), t -> tryLeadership());
    }
  }

  private void setLeader(boolean held) {
    if (leader == held) {
      return;
    }
    leader = held;
    if (!closed || !held) {
      LOG.info("replica {} {} the reconciler lock", replica, held ? "holds" : "no longer holds");
    }
    leadership.accept(held);
  }

  /** The dedicated connection, opened when there is none; a lost one is forgotten (its locks went with it). */
  private Future<PgConnection> connection() {
    if (closed) {
      return Future.failedFuture("the lock connection is closed");
    }
    if (connection == null || connection.failed()) {
      Future<PgConnection> opening = PgConnection.connect(vertx, options)
          .compose(c -> c.query(KEEPALIVE).execute().map(c).onFailure(e -> c.close()));
      opening.onSuccess(c -> c.closeHandler(v -> lost(opening)));
      connection = opening;
    }
    return connection;
  }

  private void lost(Future<PgConnection> which) {
    if (connection != which) {
      return;
    }
    connection = null;
    if (!closed) {
      LOG.warn("replica {}: the lock connection was lost; its locks are released", replica);
      setLeader(false);
      retryLater();
    }
  }

  private static boolean bool(RowSet<Row> rows) {
    return rows.iterator().next().getBoolean(0);
  }

  /** A deployment's lock stayed with another replica for longer than a command waits. */
  public static final class LockTimeoutException extends RuntimeException {
    LockTimeoutException(UUID deploymentId) {
      super("another replica is still working on deployment " + deploymentId, null, false, false);
    }
  }
}
