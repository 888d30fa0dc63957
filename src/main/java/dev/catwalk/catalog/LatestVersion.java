package dev.catwalk.catalog;

import java.time.OffsetDateTime;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Which version of a server the catalog shows, by the registry's rules for aggregators: among the
 * versions not deleted, the one the registry marks latest; else the highest semantic version (a
 * semantic version beats any other); else the one published last.
 */
final class LatestVersion {

  private LatestVersion() {
  }

  /** One stored version. */
  record Candidate(String version, String status, boolean officialLatest, OffsetDateTime publishedAt) {
  }

  private static final Comparator<Candidate> BY_PUBLICATION = Comparator.comparing(Candidate::publishedAt,
      Comparator.nullsFirst(Comparator.naturalOrder())).thenComparing(Candidate::version);

  /** The version to show, or empty when every version is deleted. */
  static Optional<String> choose(List<Candidate> versions) {
    List<Candidate> live = versions.stream().filter(c -> !"deleted".equals(c.status())).toList();
    Optional<Candidate> marked = live.stream().filter(Candidate::officialLatest).max(BY_PUBLICATION);
    if (marked.isPresent()) {
      return marked.map(Candidate::version);
    }
    Optional<Candidate> semantic = live.stream().filter(c -> SemVer.isValid(c.version()))
        .max(Comparator.comparing(Candidate::version, SemVer.PRECEDENCE));
    if (semantic.isPresent()) {
      return semantic.map(Candidate::version);
    }
    return live.stream().max(BY_PUBLICATION).map(Candidate::version);
  }
}
