package dev.catwalk.analysis;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The files of one repository folder at one commit, as the extractors read them: what
 * {@link GitHubClient} fetched, or a fixture directory read from disk.
 *
 * @param host      GitHub host
 * @param owner     repository owner
 * @param repo      repository name
 * @param subdir    the analyzed folder ({@code ""} for the root)
 * @param commitSha the commit the files are at
 * @param files     text of each file, by path relative to {@code subdir}
 * @param warnings  what could not be read (too large, not fetched), for the answer
 */
public record RepositorySnapshot(String host, String owner, String repo, String subdir, String commitSha,
                                 Map<String, String> files, List<String> warnings) {

  public RepositorySnapshot {
    files = java.util.Collections.unmodifiableMap(new TreeMap<>(files));
    warnings = List.copyOf(warnings);
  }

  /** A snapshot with no warnings. */
  public static RepositorySnapshot of(String owner, String repo, String subdir, String commitSha,
                                      Map<String, String> files) {
    return new RepositorySnapshot(RepositoryUrl.GITHUB, owner, repo, subdir, commitSha, files, new ArrayList<>());
  }

  /** The path of {@code relative} from the repository root. */
  public String repoPath(String relative) {
    return subdir.isEmpty() ? relative : subdir + "/" + relative;
  }

  /** The text of the first of {@code names} present (case-insensitive), or null. */
  public Map.Entry<String, String> first(List<String> names) {
    for (String name : names) {
      for (Map.Entry<String, String> file : files.entrySet()) {
        if (file.getKey().equalsIgnoreCase(name)) {
          return file;
        }
      }
    }
    return null;
  }
}
