package dev.catwalk.analysis;

import dev.catwalk.testsupport.FakeGitHub;
import dev.catwalk.testsupport.FixtureRepos;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The accuracy of the deterministic analyzer (no LLM) on real MCP server repositories: the
 * expected answers of {@code src/test/resources/analysis/corpus/truth.json} (written by reading
 * each repository at the commit it names) against what the analyzer answers when the fetched
 * snapshots are served through {@link FakeGitHub} and read over HTTP by {@link GitHubClient},
 * exactly as {@code POST /api/analyze} reads GitHub. The snapshots are not part of this project:
 * fetch them into a folder of {@code OWNER__REPO} directories (the files of the repository at
 * that commit) and pass the folder (default {@code /work/corpus/repos}):
 * <pre>
 * ./mvnw -o -B -q test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/cp.txt
 * java -cp "target/test-classes:target/classes:$(cat target/cp.txt)" dev.catwalk.analysis.CorpusReport /work/corpus/repos [-v]
 * </pre>
 * {@code -v} also prints, per repository, the variables missed, wrongly required and wrongly flagged.
 */
public final class CorpusReport {

  private CorpusReport() {
  }

  /** Runs the report over the folder given (or {@code /work/corpus/repos}) and prints it. */
  public static void main(String[] args) throws IOException {
    Path folder = Path.of(args.length > 0 ? args[0] : "/work/corpus/repos");
    boolean verbose = List.of(args).contains("-v");
    JsonArray truth = truth().getJsonArray("repositories");
    Map<String, FixtureRepos.Fixture> fixtures = new LinkedHashMap<>();
    List<JsonObject> entries = new ArrayList<>();
    for (Object item : truth) {
      JsonObject entry = ((JsonObject) item).copy();
      String name = entry.getString("name");
      String[] parts = name.split("__", 2);
      entry.put("url", entry.getString("url", "https://github.com/" + parts[0] + "/" + parts[1]));
      if (!Files.isDirectory(folder.resolve(name))) {
        System.out.println("skipped (no snapshot in " + folder + "): " + name);
        continue;
      }
      fixtures.putIfAbsent(name, new FixtureRepos.Fixture(parts[0], parts[1], folder.resolve(name), entry));
      entries.add(entry);
    }
    Vertx vertx = Vertx.vertx();
    List<AccuracyReport.Score> scores = new ArrayList<>();
    StringBuilder details = new StringBuilder();
    try (FakeGitHub github = FakeGitHub.start(vertx, new ArrayList<>(fixtures.values()))) {
      WebClient client = WebClient.create(vertx);
      GitHubClient reader = new GitHubClient(client, new GitHubClient.Options(github.url(), Duration.ofSeconds(10),
          40, 512 * 1024));
      for (JsonObject entry : entries) {
        RepositoryUrl url = RepositoryUrl.parse(entry.getString("url"), Set.of());
        String label = entry.getString("name") + (url.subdir().isEmpty() ? "" : "/" + url.subdir());
        JsonObject answer;
        try {
          GitHubClient.Session session = reader.session(url, null);
          RepositorySnapshot snapshot = session.commit().compose(session::snapshot).await();
          answer = Analyzer.analyze(snapshot).toJson();
        } catch (RuntimeException e) {
          answer = new JsonObject().putNull("recipe").put("configSchema", new JsonObject()
              .put("properties", new JsonObject()).put("required", new JsonArray()));
          details.append(label).append(": analysis failed: ").append(e.getMessage()).append('\n');
        }
        AccuracyReport.Score score = AccuracyReport.score(label, answer, entry);
        scores.add(score);
        if (verbose) {
          details.append(explain(label, answer, entry));
        }
      }
      client.close();
    } finally {
      vertx.close().await();
    }
    System.out.print(AccuracyReport.render(scores));
    System.out.print(details);
  }

  /** The expected answers. */
  public static JsonObject truth() throws IOException {
    try (InputStream in = CorpusReport.class.getResourceAsStream("/analysis/corpus/truth.json")) {
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  private static String explain(String label, JsonObject answer, JsonObject expected) {
    JsonObject schema = answer.getJsonObject("configSchema");
    Set<String> found = schema.getJsonObject("properties").fieldNames();
    List<String> required = names(schema.getJsonArray("required"));
    List<String> expectedAll = names(expected.getJsonArray("variables"));
    List<String> expectedRequired = names(expected.getJsonArray("required"));
    List<String> secrets = names(expected.getJsonArray("secrets"));
    List<String> missed = expectedAll.stream().filter(v -> !found.contains(v)).toList();
    JsonObject sources = answer.getJsonObject("sources", new JsonObject());
    List<String> extraRequired = required.stream().filter(v -> !expectedRequired.contains(v))
        .map(v -> v + " (" + source(sources, v, ".required") + ")").toList();
    List<String> missedRequired = expectedRequired.stream().filter(v -> !required.contains(v)).toList();
    List<String> badSecret = expectedAll.stream().filter(found::contains).filter(v -> Boolean.TRUE.equals(
        schema.getJsonObject("properties").getJsonObject(v).getValue("writeOnly")) != secrets.contains(v)).toList();
    List<String> unexpected = found.stream().filter(v -> !expectedAll.contains(v))
        .map(v -> v + " (" + source(sources, v, "") + ")").toList();
    JsonObject recipe = answer.getJsonObject("recipe");
    StringBuilder out = new StringBuilder("-- ").append(label).append(": recipe ")
        .append(recipe == null ? "(none)" : recipe.encode()).append('\n');
    append(out, "missed", missed);
    append(out, "required but should not be", extraRequired);
    append(out, "required missed", missedRequired);
    append(out, "secret flag wrong", badSecret);
    append(out, "reported, not expected", unexpected);
    return out.toString();
  }

  private static String source(JsonObject sources, String variable, String attribute) {
    JsonObject source = sources.getJsonObject("configSchema.properties." + variable + attribute, new JsonObject());
    return source.getString("path", String.valueOf(source.getString("rule")));
  }

  private static void append(StringBuilder out, String what, List<String> names) {
    if (!names.isEmpty()) {
      out.append("   ").append(what).append(": ").append(String.join(", ", names)).append('\n');
    }
  }

  private static List<String> names(JsonArray array) {
    List<String> names = new ArrayList<>();
    if (array != null) {
      array.forEach(item -> names.add(String.valueOf(item)));
    }
    return names;
  }
}
