package dev.catwalk.testsupport;

import dev.catwalk.analysis.Analyzer;
import dev.catwalk.analysis.RepositorySnapshot;
import dev.catwalk.analysis.RepositoryUrl;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The fixture repositories of {@code src/test/resources/analysis/repos}: one directory per
 * repository, named {@code OWNER__REPO}, holding its files, and beside it {@code OWNER__REPO.expected.json}
 * with the URL to analyze and the expected answer (runtime, package, required variables, all
 * variables, secrets). Served by {@link FakeGitHub}, or read straight into a snapshot.
 */
public final class FixtureRepos {

  private FixtureRepos() {
  }

  /**
   * One fixture.
   *
   * @param owner    repository owner
   * @param repo     repository name
   * @param root     its directory
   * @param expected the expected answer and the URL to analyze
   */
  public record Fixture(String owner, String repo, Path root, JsonObject expected) {
    /** The URL to paste. */
    public String url() {
      return expected.getString("url");
    }

    /** The commit SHA of the fixture: {@code commit} of the expected answer (a real corpus snapshot), else a fake one. */
    public String sha() {
      String commit = expected.getString("commit");
      return commit != null ? commit : FixtureRepos.sha(owner + "/" + repo);
    }

    /** The default branch: {@code branch} of the expected answer, else {@code main}. */
    public String branch() {
      return expected.getString("branch", "main");
    }

    /** The snapshot the analyzer would see for {@link #url()}, read from disk. */
    public RepositorySnapshot snapshot() {
      RepositoryUrl parsed = RepositoryUrl.parse(url(), Set.of());
      Path folder = parsed.subdir().isEmpty() ? root : root.resolve(parsed.subdir());
      Map<String, String> files = new TreeMap<>();
      try (Stream<Path> walk = Files.walk(folder)) {
        for (Path file : walk.filter(Files::isRegularFile).toList()) {
          String relative = folder.relativize(file).toString().replace('\\', '/');
          if (Analyzer.wants(relative) || Analyzer.wantsSource(relative)) {
            files.put(relative, Files.readString(file));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return RepositorySnapshot.of(owner, repo, parsed.subdir(), sha(), files);
    }
  }

  /** The directory that holds the fixtures. */
  public static Path directory() {
    try {
      return Path.of(FixtureRepos.class.getResource("/analysis/repos").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Every fixture, by name. */
  public static List<Fixture> all() {
    try (Stream<Path> list = Files.list(directory())) {
      return list.filter(Files::isDirectory).sorted().map(FixtureRepos::load).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The fixture named {@code OWNER__REPO}. */
  public static Fixture named(String name) {
    return load(directory().resolve(name));
  }

  private static Fixture load(Path dir) {
    String[] name = dir.getFileName().toString().split("__", 2);
    try {
      JsonObject expected = new JsonObject(Files.readString(dir.resolveSibling(dir.getFileName() + ".expected.json")));
      return new Fixture(name[0], name[1], dir, expected);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A stable 40-hex fake commit SHA for {@code text}. */
  public static String sha(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
