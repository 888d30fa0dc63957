package dev.catwalk.catalog;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The catalog in Postgres: entries (one row per server version), which version of each server is the
 * latest, the sync state of each source, and the local search (full text with prefixes, trigram
 * similarity for typos, substrings of names). A page of a sync is stored with its cursor in one
 * transaction, so an interrupted sync resumes where it stopped and never leaves half a page.
 */
public final class CatalogRepository {

  static final String UPSERT = "INSERT INTO catalog_entries (source, name, version, entry_id, title, description,"
      + " status, status_message, official_latest, published_at, source_updated_at, repository_url, repository_key,"
      + " kinds, runtimes, tools, raw, mapping, mapper_version, generation, synced_at)"
      + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, now())"
      + " ON CONFLICT (source, name, version) DO UPDATE SET entry_id = EXCLUDED.entry_id, title = EXCLUDED.title,"
      + " description = EXCLUDED.description, status = EXCLUDED.status, status_message = EXCLUDED.status_message,"
      + " official_latest = EXCLUDED.official_latest, published_at = EXCLUDED.published_at,"
      + " source_updated_at = EXCLUDED.source_updated_at, repository_url = EXCLUDED.repository_url,"
      + " repository_key = EXCLUDED.repository_key, kinds = EXCLUDED.kinds,"
      + " runtimes = CASE WHEN catalog_entries.raw = EXCLUDED.raw AND catalog_entries.analysis IS NOT NULL"
      + " THEN catalog_entries.runtimes ELSE EXCLUDED.runtimes END, tools = EXCLUDED.tools,"
      + " analysis = CASE WHEN catalog_entries.raw = EXCLUDED.raw THEN catalog_entries.analysis END,"
      + " analyzed_at = CASE WHEN catalog_entries.raw = EXCLUDED.raw THEN catalog_entries.analyzed_at END,"
      + " raw = EXCLUDED.raw, mapping = EXCLUDED.mapping, mapper_version = EXCLUDED.mapper_version,"
      + " generation = EXCLUDED.generation, synced_at = now()";
  static final String VERSIONS_OF = "SELECT name, version, status, official_latest, published_at FROM catalog_entries"
      + " WHERE source = $1 AND name = ANY($2)";
  static final String SET_LATEST = "UPDATE catalog_entries SET is_latest = coalesce(version = $3, false)"
      + " WHERE source = $1 AND name = $2 AND is_latest <> coalesce(version = $3, false)";
  static final String ENSURE_SYNC = "INSERT INTO catalog_sync (source) VALUES ($1) ON CONFLICT (source) DO NOTHING";
  static final String SELECT_SYNC = "SELECT phase, cursor, walk_started_at, watermark, generation, last_attempt_at,"
      + " last_success_at, last_error, last_error_at, skipped FROM catalog_sync WHERE source = $1";
  static final String SAVE_CURSOR = "UPDATE catalog_sync SET cursor = $2, walk_started_at = $3, generation = $4,"
      + " skipped = skipped + $5 WHERE source = $1";
  static final String ATTEMPT = "UPDATE catalog_sync SET last_attempt_at = now() WHERE source = $1";
  static final String START_WALK = "UPDATE catalog_sync SET skipped = 0, walk_started_at = coalesce(walk_started_at, $2),"
      + " generation = CASE WHEN cursor IS NULL THEN generation + 1 ELSE generation END WHERE source = $1"
      + " RETURNING generation, walk_started_at, cursor";
  static final String FINISH_WALK = "UPDATE catalog_sync SET phase = $2, cursor = NULL, walk_started_at = NULL,"
      + " watermark = $3, last_success_at = now(), last_error = NULL, last_error_at = NULL WHERE source = $1";
  static final String FAIL = "UPDATE catalog_sync SET last_error = $2, last_error_at = now() WHERE source = $1";
  static final String SWEEP = "UPDATE catalog_entries SET status = 'deleted', is_latest = false, synced_at = now()"
      + " WHERE source = $1 AND generation < $2 AND status <> 'deleted'";
  static final String COUNTS = "SELECT source, count(*) FILTER (WHERE is_latest AND status <> 'deleted') AS live"
      + " FROM catalog_entries GROUP BY source";
  static final String BY_ENTRY = "SELECT " + Columns.ALL + " FROM catalog_entries e WHERE e.entry_id = $1";
  static final String STORE_ANALYSIS = "UPDATE catalog_entries SET analysis = $4, analyzed_at = now(), runtimes = $5"
      + " WHERE source = $1 AND name = $2 AND version = $3";
  static final String STALE = "SELECT source, name, version, raw FROM catalog_entries WHERE mapper_version < $1"
      + " ORDER BY source, name, version LIMIT $2";
  static final String REMAP = "UPDATE catalog_entries SET mapping = $4, kinds = $5, runtimes = $6, mapper_version = $7,"
      + " analysis = NULL, analyzed_at = NULL WHERE source = $1 AND name = $2 AND version = $3";
  static final String DISTINCT_RUNTIMES = "SELECT DISTINCT unnest(runtimes) AS probe FROM catalog_entries"
      + " WHERE is_latest";

  private final Pool pool;

  public CatalogRepository(Pool pool) {
    this.pool = pool;
  }

  /** The columns a stored entry is read from. */
  static final class Columns {
    static final String ALL = "e.source, e.name, e.version, e.entry_id, e.title, e.description, e.status,"
        + " e.status_message, e.is_latest, e.published_at, e.source_updated_at, e.repository_url, e.kinds, e.runtimes,"
        + " e.mapping, e.analysis, e.analyzed_at, e.synced_at";

    private Columns() {
    }
  }

  /** An entry as stored. */
  public record Stored(String source, String name, String version, UUID entryId, String title, String description,
                       String status, String statusMessage, boolean latest, OffsetDateTime publishedAt,
                       OffsetDateTime updatedAt, String repositoryUrl, List<String> kinds, List<String> runtimes,
                       JsonObject mapping, JsonObject analysis, OffsetDateTime analyzedAt, OffsetDateTime syncedAt) {

    static Stored fromRow(Row row) {
      return new Stored(row.getString("source"), row.getString("name"), row.getString("version"),
          row.getUUID("entry_id"), row.getString("title"), row.getString("description"), row.getString("status"),
          row.getString("status_message"), row.getBoolean("is_latest"), row.getOffsetDateTime("published_at"),
          row.getOffsetDateTime("source_updated_at"), row.getString("repository_url"), strings(row, "kinds"),
          strings(row, "runtimes"), (JsonObject) row.getValue("mapping"), (JsonObject) row.getValue("analysis"),
          row.getOffsetDateTime("analyzed_at"), row.getOffsetDateTime("synced_at"));
    }

    private static List<String> strings(Row row, String column) {
      Object value = row.getValue(column);
      return value instanceof String[] array ? List.of(array) : List.of();
    }
  }

  /** A source's sync state. */
  public record SyncState(String phase, String cursor, OffsetDateTime walkStartedAt, OffsetDateTime watermark,
                          long generation, OffsetDateTime lastAttemptAt, OffsetDateTime lastSuccessAt,
                          String lastError, OffsetDateTime lastErrorAt, int skipped) {
  }

  /** One row of a page: the mapped entry and the row as received. */
  public record PageRow(MappedEntry entry, JsonObject raw) {
  }

  /** The sync state of {@code source} (that of a source never synced when it has none yet). */
  public Future<SyncState> syncState(String source) {
    return pool.preparedQuery(SELECT_SYNC).execute(Tuple.of(source)).map(rows -> {
      if (rows.size() == 0) {
        return new SyncState("backfill", null, null, null, 0, null, null, null, null, 0);
      }
      Row row = rows.iterator().next();
      return new SyncState(row.getString("phase"), row.getString("cursor"), row.getOffsetDateTime("walk_started_at"),
          row.getOffsetDateTime("watermark"), row.getLong("generation"), row.getOffsetDateTime("last_attempt_at"),
          row.getOffsetDateTime("last_success_at"), row.getString("last_error"), row.getOffsetDateTime("last_error_at"),
          row.getInteger("skipped"));
    });
  }

  /**
   * Starts (or resumes) a walk: records the attempt, keeps the start time of an interrupted walk and, for
   * a new walk, opens a new generation.
   *
   * @return the state the walk continues from
   */
  public Future<SyncState> beginWalk(String source, OffsetDateTime now) {
    return pool.preparedQuery(ENSURE_SYNC).execute(Tuple.of(source))
        .compose(v -> pool.preparedQuery(ATTEMPT).execute(Tuple.of(source)))
        .compose(v -> pool.preparedQuery(START_WALK).execute(Tuple.of(source, now)))
        .compose(v -> syncState(source));
  }

  /**
   * Stores a page: upserts its rows, settles which version of each server named in it is the latest,
   * and saves the cursor to resume from, all in one transaction.
   */
  public Future<Void> storePage(String source, List<PageRow> rows, SyncState walk, String nextCursor, int skipped) {
    return pool.withTransaction(tx -> upsert(tx, rows, walk.generation())
        .compose(v -> settleLatest(tx, source, rows.stream().map(r -> r.entry().name()).distinct().toList()))
        .compose(v -> tx.preparedQuery(SAVE_CURSOR).execute(Tuple.of(source, nextCursor, walk.walkStartedAt(),
            walk.generation(), skipped)))
        .mapEmpty());
  }

  /** Ends a walk: the next phase and watermark, success now, no error; for a crawl, sweeps what it did not see. */
  public Future<Void> finishWalk(String source, String phase, OffsetDateTime watermark, Long sweepBelow) {
    return pool.withTransaction(tx -> {
      Future<?> swept = sweepBelow == null ? Future.succeededFuture()
          : tx.preparedQuery(SWEEP).execute(Tuple.of(source, sweepBelow));
      return swept.compose(v -> tx.preparedQuery(FINISH_WALK).execute(Tuple.of(source, phase, watermark)))
          .mapEmpty();
    });
  }

  /** Records a failed run (the message is safe to show). */
  public Future<Void> fail(String source, String error) {
    return pool.preparedQuery(ENSURE_SYNC).execute(Tuple.of(source))
        .compose(v -> pool.preparedQuery(FAIL).execute(Tuple.of(source, error))).mapEmpty();
  }

  /** Live (latest, not deleted) entries per source. */
  public Future<Map<String, Long>> counts() {
    return pool.query(COUNTS).execute().map(rows -> {
      Map<String, Long> counts = new LinkedHashMap<>();
      rows.forEach(row -> counts.put(row.getString("source"), row.getLong("live")));
      return counts;
    });
  }

  /** Every stored version of the entry with this id, newest first by publication. */
  public Future<List<Stored>> versions(UUID entryId) {
    return pool.preparedQuery(BY_ENTRY).execute(Tuple.of(entryId)).map(rows -> {
      List<Stored> all = new ArrayList<>();
      rows.forEach(row -> all.add(Stored.fromRow(row)));
      all.sort(Comparator.comparing(Stored::publishedAt, Comparator.nullsFirst(Comparator.naturalOrder())).reversed());
      return all;
    });
  }

  /** Keeps the repository analysis that completed an entry, and the runtimes it makes runnable. */
  public Future<Void> storeAnalysis(Stored entry, JsonObject analysis, List<String> runtimes) {
    return pool.preparedQuery(STORE_ANALYSIS).execute(Tuple.tuple().addValue(entry.source()).addValue(entry.name())
        .addValue(entry.version()).addValue(analysis).addValue(runtimes.toArray(new String[0]))).mapEmpty();
  }

  /** Up to {@code limit} rows mapped by an older mapper: {@code (source, name, version, raw)}. */
  public Future<List<JsonObject>> stale(int limit) {
    return pool.preparedQuery(STALE).execute(Tuple.of(MappedEntry.MAPPER_VERSION, limit)).map(rows -> {
      List<JsonObject> out = new ArrayList<>();
      rows.forEach(row -> out.add(new JsonObject().put("source", row.getString("source"))
          .put("name", row.getString("name")).put("version", row.getString("version"))
          .put("raw", row.getValue("raw"))));
      return out;
    });
  }

  /** Stores the mapping of a stale row again (its analysis is dropped: it was made for the old mapping). */
  public Future<Void> remap(String source, String name, String version, MappedEntry mapped) {
    return pool.preparedQuery(REMAP).execute(Tuple.from(List.of(source, name, version, mapped.mappingJson(),
        mapped.kinds().toArray(new String[0]), mapped.runtimes().toArray(new String[0]), MappedEntry.MAPPER_VERSION)))
        .mapEmpty();
  }

  /** Every probe some live entry needs. */
  public Future<Set<String>> probesInUse() {
    return pool.query(DISTINCT_RUNTIMES).execute().map(rows -> {
      Set<String> probes = new LinkedHashSet<>();
      rows.forEach(row -> probes.add(row.getString("probe")));
      return probes;
    });
  }

  /** A page of search results and how many match in all. */
  public record Page(List<Stored> items, long total) {
  }

  /** Runs a search (see {@link CatalogSearch}). */
  public Future<Page> search(CatalogSearch search) {
    return pool.preparedQuery(search.sql()).execute(Tuple.from(search.parameters())).map(rows -> {
      List<Stored> items = new ArrayList<>();
      long total = 0;
      for (Row row : rows) {
        items.add(Stored.fromRow(row));
        total = row.getLong("total");
      }
      return new Page(items, total);
    });
  }

  private static Future<Void> upsert(SqlClient tx, List<PageRow> rows, long generation) {
    if (rows.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Tuple> batch = new ArrayList<>();
    for (PageRow row : rows) {
      MappedEntry e = row.entry();
      batch.add(Tuple.from(java.util.Arrays.asList(e.source(), e.name(), e.version(), e.entryId(), e.title(),
          e.description(), e.status(), e.statusMessage(), e.officialLatest(), e.publishedAt(), e.updatedAt(),
          e.repositoryUrl(), RepositoryKey.of(e.repositoryUrl(), e.repositorySubfolder()),
          e.kinds().toArray(new String[0]), e.runtimes().toArray(new String[0]), String.join(" ", e.tools()),
          row.raw(), e.mappingJson(), MappedEntry.MAPPER_VERSION, generation)));
    }
    return tx.preparedQuery(UPSERT).executeBatch(batch).mapEmpty();
  }

  private static Future<Void> settleLatest(SqlClient tx, String source, List<String> names) {
    if (names.isEmpty()) {
      return Future.succeededFuture();
    }
    return tx.preparedQuery(VERSIONS_OF).execute(Tuple.tuple().addValue(source).addValue(names.toArray(new String[0])))
        .compose(rows -> {
      Map<String, List<LatestVersion.Candidate>> byName = new LinkedHashMap<>();
      names.forEach(name -> byName.put(name, new ArrayList<>()));
      for (Row row : rows) {
        byName.computeIfAbsent(row.getString("name"), n -> new ArrayList<>()).add(new LatestVersion.Candidate(
            row.getString("version"), row.getString("status"), row.getBoolean("official_latest"),
            row.getOffsetDateTime("published_at")));
      }
      List<Tuple> updates = new ArrayList<>();
      byName.forEach((name, candidates) -> updates.add(Tuple.of(source, name,
          LatestVersion.choose(candidates).orElse(null))));
      return tx.preparedQuery(SET_LATEST).executeBatch(updates).mapEmpty();
    });
  }

  /** The stored version asked for, else the latest, else (every version deleted) the one published last. */
  static Optional<Stored> pick(List<Stored> versions, String version) {
    if (version != null) {
      return versions.stream().filter(v -> v.version().equals(version)).findFirst();
    }
    return versions.stream().filter(Stored::latest).findFirst().or(() -> versions.stream().findFirst());
  }
}
