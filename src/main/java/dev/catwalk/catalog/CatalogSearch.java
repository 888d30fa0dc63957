package dev.catwalk.catalog;

import dev.catwalk.error.ApiException;
import dev.catwalk.error.BadRequestException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One search of the local catalog, as SQL. Words match as prefixes in names, titles, descriptions and
 * tool names (Postgres full text, {@code simple} configuration, so {@code every} finds
 * {@code server-everything}); a query also matches names and titles that contain it or resemble it
 * (pg_trgm word similarity, for typos). Ranking: full-text rank (name and title count most, then the
 * description, then the namespace and tools; {@code ts_rank}, which saturates, so among entries whose names
 * match the boosts decide), plus trigram similarity of the name, plus an exact word of the name; deprecated
 * entries come after all others, entries that map to a recipe and entries of the official registry rise a little. Only the latest version of
 * each server, never deleted ones, only enabled sources; a Glama entry whose repository a registry entry
 * also names is left out (the registry's is shown). Pages are cursors over the ranked list.
 *
 * @param query    the words as typed, or null for everything
 * @param kind     only entries that publish this kind (npm, pypi, oci, nuget, mcpb, cargo, go, remote, repository), or null
 * @param probes   only entries with a way to run that needs one of these (the backend filter), or null
 * @param sources  the enabled sources
 * @param offset   where the page starts
 * @param limit    page size
 */
record CatalogSearch(String query, String kind, Collection<String> probes, Collection<String> sources, int offset,
                     int limit) {

  /** What {@code runtime=} accepts. */
  static final Set<String> KINDS = Set.of("npm", "pypi", "oci", "nuget", "mcpb", "cargo", "go", "remote",
      "repository");
  private static final int MAX_QUERY = 200;

  /** The words of the query: lower-case letters and digits. */
  List<String> words() {
    if (query == null) {
      return List.of();
    }
    List<String> words = new ArrayList<>();
    for (String word : query.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
      if (!word.isEmpty() && words.size() < 16) {
        words.add(word);
      }
    }
    return words;
  }

  /** The query for trigram and substring matching: its words joined by spaces. */
  String phrase() {
    return String.join(" ", words());
  }

  String sql() {
    boolean text = !words().isEmpty();
    StringBuilder sql = new StringBuilder("SELECT ").append(CatalogRepository.Columns.ALL)
        .append(", count(*) OVER () AS total, ");
    sql.append(text ? "ts_rank(e.search, to_tsquery('simple', $2)) + 0.6 * word_similarity($3, e.short_text)"
        + " + CASE WHEN $3 = ANY(string_to_array(e.short_text, ' ')) THEN 0.5 ELSE 0 END" : "0");
    sql.append(" - CASE WHEN e.status = 'deprecated' THEN 10 ELSE 0 END")
        .append(" + CASE WHEN cardinality(e.runtimes) > 0 THEN 0.1 ELSE 0 END")
        .append(" + CASE WHEN e.source = 'registry' THEN 0.1 ELSE 0 END AS score")
        .append(" FROM catalog_entries e WHERE e.is_latest AND e.status <> 'deleted' AND e.source = ANY($1)");
    int next = text ? 4 : 2;
    if (text) {
      sql.append(" AND (e.search @@ to_tsquery('simple', $2) OR $3 <% e.short_text OR e.short_text LIKE '%' || $3 || '%')");
    }
    if (kind != null) {
      sql.append(" AND $").append(next++).append(" = ANY(e.kinds)");
    }
    if (probes != null) {
      sql.append(" AND e.runtimes && $").append(next++);
    }
    sql.append(" AND NOT (e.source = 'glama' AND e.repository_key IS NOT NULL AND 'registry' = ANY($1) AND EXISTS")
        .append(" (SELECT 1 FROM catalog_entries r WHERE r.source = 'registry' AND r.is_latest")
        .append(" AND r.status <> 'deleted' AND r.repository_key = e.repository_key))")
        .append(" ORDER BY score DESC, e.name, e.source")
        .append(" LIMIT $").append(next++).append(" OFFSET $").append(next);
    return sql.toString();
  }

  List<Object> parameters() {
    List<Object> parameters = new ArrayList<>();
    parameters.add(sources.toArray(new String[0]));
    if (!words().isEmpty()) {
      parameters.add(String.join(" & ", words().stream().map(w -> w + ":*").toList()));
      parameters.add(phrase());
    }
    if (kind != null) {
      parameters.add(kind);
    }
    if (probes != null) {
      parameters.add(probes.toArray(new String[0]));
    }
    parameters.add(limit);
    parameters.add(offset);
    return parameters;
  }

  /** The cursor of the page after this one. */
  String nextCursor() {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(("o:" + (offset + limit))
        .getBytes(StandardCharsets.US_ASCII));
  }

  /**
   * The offset a cursor stands for.
   *
   * @throws ApiException 400 when it is not a cursor this API gave
   */
  static int offsetOf(String cursor) {
    if (cursor == null || cursor.isEmpty()) {
      return 0;
    }
    try {
      String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.US_ASCII);
      if (text.matches("o:\\d{1,7}")) {
        return Integer.parseInt(text.substring(2));
      }
    } catch (IllegalArgumentException e) {
      // reported below
    }
    throw new BadRequestException("cursor: not a cursor of this API (pass nextCursor as it was given)");
  }

  /**
   * Checks the query's length.
   *
   * @throws ApiException 400 for a query longer than 200 characters
   */
  static String checkQuery(String query) {
    if (query != null && query.length() > MAX_QUERY) {
      throw new BadRequestException("q: at most " + MAX_QUERY + " characters");
    }
    return query == null || query.isBlank() ? null : query.strip();
  }
}
