package dev.catwalk.analysis;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.regex.Pattern;

/**
 * The deterministic analysis: every extractor over the files of a {@link RepositorySnapshot}, then
 * the {@link Merger}. Pure and blocking-free of I/O, but parsing may be slow on large files, so the
 * verticle runs it on a worker thread.
 */
public final class Analyzer {

  /** Files the analyzer reads, by name relative to the analyzed folder (case-insensitive). */
  public static final List<String> FILES = List.of("server.json", "manifest.json", "manifest-dxt.json", "smithery.yaml",
      "smithery.yml", "package.json", "pyproject.toml", "README.md", "readme.md", "README.markdown", "README",
      ".env.example", ".env.sample", ".env.template", ".env.dist", "env.example", ".env.local.example", "Dockerfile");
  /** Wrapper packages of servers written in other languages and published on npm. */
  public static final Pattern NPM_WRAPPER = Pattern.compile("^npm/[^/]+/package\\.json$");

  private Analyzer() {
  }

  /** Source files read at most, per analysis. */
  public static final int MAX_SOURCES = 10;
  /** Folders whose source files may be read: the root, src (two levels), cmd/NAME, and a Python package folder. */
  private static final Pattern SOURCE_PLACE = Pattern.compile("^([^/]+|src/[^/]+|src/[^/]+/[^/]+|cmd/[^/]+/[^/]+"
      + "|[a-z0-9_]*(mcp|server)[a-z0-9_]*/[^/]+)$");
  /** Folders listed to find source files (besides the analyzed folder itself). */
  private static final Pattern SOURCE_FOLDER = Pattern.compile("^(src|cmd|src/[^/]+|cmd/[^/]+|[a-z0-9_]*(mcp|server)[a-z0-9_]*)$");
  private static final List<String> SOURCE_PRIORITY = List.of("config", "settings", "env", "constants", "server",
      "__main__", "main", "index", "cli", "stdio", "app");

  /** Whether the analyzer reads the file at {@code path} (relative to the analyzed folder). */
  public static boolean wants(String path) {
    return FILES.stream().anyMatch(name -> name.equalsIgnoreCase(path)) || NPM_WRAPPER.matcher(path).matches();
  }

  /** Whether {@code path} is a source file in a place the analyzer looks for environment reads. */
  public static boolean wantsSource(String path) {
    return CodeExtractor.isSource(path) && SOURCE_PLACE.matcher(path).matches();
  }

  /** Whether the folder at {@code path} is listed to find source files. */
  public static boolean listsFolder(String path) {
    return SOURCE_FOLDER.matcher(path).matches() && !path.matches(".*(^|/)(tests?|docs?|examples?|scripts?|e2e|evals?)$");
  }

  /** The source files to read among {@code paths}: well-named entry points and configuration first, at most {@link #MAX_SOURCES}. */
  public static List<String> chooseSources(java.util.Collection<String> paths) {
    return paths.stream().filter(Analyzer::wantsSource)
        .sorted(java.util.Comparator.comparingInt(Analyzer::sourceRank).thenComparingInt(String::length)
            .thenComparing(java.util.Comparator.naturalOrder()))
        .limit(MAX_SOURCES).toList();
  }

  private static int sourceRank(String path) {
    String stem = path.substring(path.lastIndexOf('/') + 1).replaceFirst("\\.[a-z]+$", "").toLowerCase(java.util.Locale.ROOT);
    int rank = SOURCE_PRIORITY.indexOf(stem);
    return rank < 0 ? SOURCE_PRIORITY.size() : rank;
  }

  /** Analyzes the snapshot without an LLM. */
  public static Analysis analyze(RepositorySnapshot snapshot) {
    List<Evidence> evidence = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    one(snapshot, List.of("server.json"), ServerJsonExtractor::extract, evidence, problems);
    one(snapshot, List.of("manifest.json", "manifest-dxt.json"), McpbExtractor::extract, evidence, problems);
    one(snapshot, List.of("smithery.yaml", "smithery.yml"), SmitheryExtractor::extract, evidence, problems);
    boolean npm = one(snapshot, List.of("package.json"), PackageExtractor::packageJson, evidence, problems);
    if (!npm) {
      for (Map.Entry<String, String> file : snapshot.files().entrySet()) {
        if (NPM_WRAPPER.matcher(file.getKey()).matches()) {
          run(file, PackageExtractor::packageJson, evidence, problems);
        }
      }
    }
    one(snapshot, List.of("pyproject.toml"), PackageExtractor::pyproject, evidence, problems);
    Map.Entry<String, String> readme = snapshot.first(List.of("README.md", "README.markdown", "README"));
    if (readme != null) {
      try {
        evidence.addAll(ReadmeExtractor.extract(readme.getKey(), readme.getValue()));
      } catch (RuntimeException e) {
        problems.add(readme.getKey() + " could not be read: " + e.getClass().getSimpleName());
      }
    }
    one(snapshot, Dotenv.TEMPLATES, Dotenv::template, evidence, problems);
    one(snapshot, List.of("Dockerfile"), Dotenv::dockerfile, evidence, problems);
    for (String source : chooseSources(snapshot.files().keySet())) {
      run(Map.entry(source, snapshot.files().get(source)), CodeExtractor::extract, evidence, problems);
    }
    Analysis analysis = Merger.merge(snapshot, evidence);
    analysis.warnings.addAll(problems);
    return analysis;
  }

  private static boolean one(RepositorySnapshot snapshot, List<String> names,
                             BiFunction<String, String, Evidence> extractor, List<Evidence> evidence,
                             List<String> problems) {
    Map.Entry<String, String> file = snapshot.first(names);
    return file != null && run(file, extractor, evidence, problems);
  }

  private static boolean run(Map.Entry<String, String> file, BiFunction<String, String, Evidence> extractor,
                             List<Evidence> evidence, List<String> problems) {
    try {
      Evidence found = extractor.apply(file.getKey(), file.getValue());
      if (found != null) {
        evidence.add(found);
        return found.recipe() != null;
      }
    } catch (RuntimeException e) {
      problems.add(file.getKey() + " could not be read: " + e.getClass().getSimpleName());
    }
    return false;
  }
}
