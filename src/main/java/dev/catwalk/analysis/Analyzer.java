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

  /** Whether the analyzer reads the file at {@code path} (relative to the analyzed folder). */
  public static boolean wants(String path) {
    return FILES.stream().anyMatch(name -> name.equalsIgnoreCase(path)) || NPM_WRAPPER.matcher(path).matches();
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
