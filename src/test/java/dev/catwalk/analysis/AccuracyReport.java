package dev.catwalk.analysis;

import dev.catwalk.testsupport.FixtureRepos;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * The accuracy of the deterministic analyzer (no LLM) over the fixture corpus: per repository and
 * in total, whether runtime and package are right, recall and precision of the required
 * variables, recall of all variables, and whether secrets are flagged right. A program, not a
 * test ({@link AccuracyTest} checks the targets):
 * <pre>
 * ./mvnw -B -q test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/cp.txt
 * java -cp "target/test-classes:target/classes:$(cat target/cp.txt)" dev.catwalk.analysis.AccuracyReport
 * </pre>
 */
public final class AccuracyReport {

  /**
   * The score of one repository.
   *
   * @param name             OWNER__REPO
   * @param published        whether it has a package (or remote) to run
   * @param statesVariables  whether it names its variables anywhere
   * @param runtimeRight     runtime and package (URL for remotes) as expected
   * @param requiredFound    expected required variables found required
   * @param requiredExpected expected required variables
   * @param requiredReported variables reported required
   * @param allFound         expected variables found
   * @param allExpected      expected variables
   * @param secretsRight     variables whose secret flag is right, among the expected ones found
   * @param got              what the analyzer answered: runtime and package
   */
  public record Score(String name, boolean published, boolean statesVariables, boolean runtimeRight,
                      int requiredFound, int requiredExpected, int requiredReported, int allFound, int allExpected,
                      int secretsRight, String got) {

    /** Runtime and package right, and exactly the expected variables required. */
    public boolean fullyRight() {
      return runtimeRight && requiredFound == requiredExpected && requiredReported == requiredExpected;
    }
  }

  private AccuracyReport() {
  }

  /** Runs the report and prints it. */
  public static void main(String[] args) {
    System.out.print(render(scoreAll()));
  }

  /** Scores every fixture. */
  public static List<Score> scoreAll() {
    return FixtureRepos.all().stream().map(AccuracyReport::score).toList();
  }

  /** Scores one fixture. */
  public static Score score(FixtureRepos.Fixture fixture) {
    return score(fixture.owner() + "__" + fixture.repo(), Analyzer.analyze(fixture.snapshot()).toJson(),
        fixture.expected());
  }

  /**
   * Scores one answer against an expected one ({@code runtime}, {@code package} (the URL of a remote),
   * {@code required}, {@code variables}, {@code secrets}; variables of an {@code anyOf} group are
   * expected not to be required one by one).
   */
  public static Score score(String name, JsonObject answer, JsonObject expected) {
    JsonObject recipe = answer.getJsonObject("recipe");
    String runtime = recipe == null ? null : recipe.getString("runtime");
    String pkg = recipe == null ? null : "remote".equals(runtime) ? recipe.getString("url") : recipe.getString("package");
    boolean runtimeRight = Objects.equals(runtime, expected.getString("runtime"))
        && Objects.equals(pkg, expected.getString("package"));
    JsonObject schema = answer.getJsonObject("configSchema");
    Set<String> required = names(schema.getJsonArray("required"));
    Set<String> all = schema.getJsonObject("properties").fieldNames();
    Set<String> expectedRequired = names(expected.getJsonArray("required"));
    Set<String> expectedAll = names(expected.getJsonArray("variables"));
    Set<String> expectedSecrets = names(expected.getJsonArray("secrets"));
    int secretsRight = 0;
    for (String variable : expectedAll) {
      JsonObject property = schema.getJsonObject("properties").getJsonObject(variable);
      if (property != null && Boolean.TRUE.equals(property.getValue("writeOnly")) == expectedSecrets.contains(variable)) {
        secretsRight++;
      }
    }
    return new Score(name, expected.getString("runtime") != null,
        !expectedAll.isEmpty(), runtimeRight, intersect(required, expectedRequired), expectedRequired.size(),
        required.size(), intersect(all, expectedAll), expectedAll.size(), secretsRight,
        runtime == null ? "(none)" : runtime + " " + pkg);
  }

  /** The table and the totals. */
  public static String render(List<Score> scores) {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "%-34s %-7s %-9s %-9s %-9s %-8s  %s%n", "repository", "runtime",
        "req.rec", "req.prec", "all.rec", "secrets", "answer"));
    for (Score s : scores) {
      out.append(String.format(Locale.ROOT, "%-34s %-7s %-9s %-9s %-9s %-8s  %s%n", s.name(),
          s.published() ? (s.runtimeRight() ? "ok" : "WRONG") : (s.runtimeRight() ? "ok (-)" : "WRONG"),
          ratio(s.requiredFound(), s.requiredExpected()), ratio(s.requiredFound(), s.requiredReported()),
          ratio(s.allFound(), s.allExpected()), ratio(s.secretsRight(), s.allExpected()), s.got()));
    }
    List<Score> published = scores.stream().filter(Score::published).toList();
    List<Score> stating = scores.stream().filter(Score::statesVariables).toList();
    out.append(String.format(Locale.ROOT, "%nrepositories: %d (%d with a published package or remote, %d stating"
        + " their variables)%n", scores.size(), published.size(), stating.size()));
    out.append(String.format(Locale.ROOT, "fully right (runtime, package, required variables): %d/%d%n",
        scores.stream().filter(Score::fullyRight).count(), scores.size()));
    out.append(String.format(Locale.ROOT, "runtime and package right: %d/%d published (%d/%d overall)%n",
        published.stream().filter(Score::runtimeRight).count(), published.size(),
        scores.stream().filter(Score::runtimeRight).count(), scores.size()));
    out.append(String.format(Locale.ROOT, "required variables: recall %s, precision %s%n",
        percent(sum(scores, Score::requiredFound), sum(scores, Score::requiredExpected)),
        percent(sum(scores, Score::requiredFound), sum(scores, Score::requiredReported))));
    out.append(String.format(Locale.ROOT, "all variables: recall %s%n",
        percent(sum(stating, Score::allFound), sum(stating, Score::allExpected))));
    out.append(String.format(Locale.ROOT, "secrets flagged right: %s%n",
        percent(sum(stating, Score::secretsRight), sum(stating, Score::allExpected))));
    return out.toString();
  }

  /** Sum of one figure over scores. */
  public static int sum(List<Score> scores, java.util.function.ToIntFunction<Score> figure) {
    return scores.stream().mapToInt(figure).sum();
  }

  private static String ratio(int part, int whole) {
    return whole == 0 ? "-" : part + "/" + whole;
  }

  private static String percent(int part, int whole) {
    return whole == 0 ? "-" : String.format(Locale.ROOT, "%.1f%% (%d/%d)", 100.0 * part / whole, part, whole);
  }

  private static int intersect(Set<String> a, Set<String> b) {
    Set<String> both = new HashSet<>(a);
    both.retainAll(b);
    return both.size();
  }

  private static Set<String> names(JsonArray array) {
    Set<String> names = new HashSet<>();
    if (array != null) {
      array.forEach(item -> names.add(String.valueOf(item)));
    }
    return names;
  }

  /** For {@link AccuracyTest}: the scores that miss a target, described. */
  static List<String> misses(List<Score> scores) {
    List<String> misses = new ArrayList<>();
    for (Score s : scores) {
      if (!s.runtimeRight()) {
        misses.add(s.name() + ": runtime/package " + s.got());
      }
      if (s.requiredFound() < s.requiredExpected()) {
        misses.add(s.name() + ": required recall " + s.requiredFound() + "/" + s.requiredExpected());
      }
    }
    return misses;
  }
}
