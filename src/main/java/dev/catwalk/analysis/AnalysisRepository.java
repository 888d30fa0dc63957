package dev.catwalk.analysis;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.util.Optional;
import java.util.UUID;

/** The analysis cache in Postgres: one answer per host, repository, subfolder, commit and analyzer version. */
public final class AnalysisRepository {

  static final String SELECT = "SELECT result FROM analyses WHERE host = $1 AND repository = $2 AND subfolder = $3"
      + " AND commit_sha = $4 AND analyzer_version = $5";
  static final String UPSERT = "INSERT INTO analyses (id, host, repository, subfolder, commit_sha, analyzer_version,"
      + " result) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (host, repository, subfolder, commit_sha,"
      + " analyzer_version) DO UPDATE SET result = EXCLUDED.result, created_at = now()";

  private final Pool pool;

  /** A cache on {@code pool}. */
  public AnalysisRepository(Pool pool) {
    this.pool = pool;
  }

  /** The cached answer for the repository folder at {@code sha}, if any. */
  public Future<Optional<JsonObject>> find(RepositoryUrl url, String sha) {
    return pool.preparedQuery(SELECT).execute(key(url, sha)).map(AnalysisRepository::first);
  }

  /** Stores (or replaces) the answer for the repository folder at {@code sha}. */
  public Future<Void> store(RepositoryUrl url, String sha, JsonObject result) {
    Tuple key = key(url, sha);
    Tuple row = Tuple.of(UUID.randomUUID(), key.getString(0), key.getString(1), key.getString(2), key.getString(3),
        key.getInteger(4), result);
    return pool.preparedQuery(UPSERT).execute(row).mapEmpty();
  }

  private static Tuple key(RepositoryUrl url, String sha) {
    return Tuple.of(url.host(), url.key(), url.subdir(), sha, Analysis.ANALYZER_VERSION);
  }

  private static Optional<JsonObject> first(RowSet<Row> rows) {
    if (rows.size() == 0) {
      return Optional.empty();
    }
    Object result = rows.iterator().next().getValue("result");
    return Optional.of(result instanceof JsonObject json ? json : new JsonObject(String.valueOf(result)));
  }
}
