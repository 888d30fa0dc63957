package dev.catwalk.analysis;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Merges the evidence of every file into one answer, in the trust order of {@link Evidence}: for
 * the recipe the most trusted file that says how to run the server wins (a less trusted file may
 * only add the version of the same package); for each variable and each of its attributes the
 * most trusted file that states it wins. Disagreements between files become warnings.
 */
public final class Merger {

  private Merger() {
  }

  /** The merged answer for {@code snapshot} from {@code evidence}. */
  public static Analysis merge(RepositorySnapshot snapshot, List<Evidence> evidence) {
    List<Evidence> ordered = new ArrayList<>(evidence);
    ordered.sort(Comparator.comparingInt(Evidence::trust));
    Analysis analysis = new Analysis(snapshot);
    snapshot.warnings().forEach(analysis.warnings::add);
    ordered.forEach(e -> analysis.warnings.addAll(e.warnings()));
    ordered.forEach(e -> analysis.trust.putIfAbsent(e.path(), e.trust()));
    mergeRecipe(analysis, ordered);
    for (Evidence item : ordered) {
      for (Evidence.Variable variable : item.variables()) {
        mergeVariable(analysis, item, variable);
      }
    }
    for (Analysis.Field field : analysis.variables.values()) {
      if (field.secret == null) {
        field.secret = Values.looksSecret(field.name);
        field.sources.put("writeOnly", Analysis.rule(field.secret ? "the name says it is a secret"
            : "nothing says it is a secret"));
      }
      weakRequired(analysis, field);
      if (field.required == null) {
        field.required = false;
        field.sources.put("required", Analysis.rule("no source says it is required"));
      }
      if (field.secret && field.defaultValue != null) {
        field.defaultValue = null;
        field.sources.remove("default");
      }
    }
    return analysis;
  }

  /**
   * Required only as far as weak evidence (README, dotenv, Dockerfile) guesses it: a variable with a
   * default, or a setting of the HTTP transport (port, host, CORS, TLS files...), which a stdio
   * deployment never uses, is not required. Code that fails without the variable outweighs a value
   * shown in the README, which is an example rather than the server's default.
   */
  private static void weakRequired(Analysis analysis, Analysis.Field field) {
    String from = field.files.get("required");
    if (!Boolean.TRUE.equals(field.required) || from == null || trustOf(analysis, from) < Evidence.README) {
      return;
    }
    if (field.defaultValue != null && trustOf(analysis, from) != Evidence.CODE) {
      field.required = false;
      field.sources.put("required", Analysis.rule("it has a default, so it is optional"));
    } else if (Values.isTransportSetting(field.name)) {
      field.required = false;
      field.sources.put("required", Analysis.rule("a setting of the HTTP transport, unused over stdio"));
    }
  }

  private static int trustOf(Analysis analysis, String path) {
    Integer trust = analysis.trust.get(path);
    return trust == null ? Integer.MAX_VALUE : trust;
  }

  /**
   * A bare command ({@code chroma-mcp}) that is the command of the published package another file names
   * is that package: run it from the registry rather than expect the program on the host.
   */
  private static Evidence packageOfCommand(Evidence chosen, List<Evidence> withRecipe) {
    Evidence.Hint hint = chosen.recipe();
    if (!"command".equals(hint.runtime()) || hint.packageName() != null || hint.command() == null) {
      return chosen;
    }
    String command = normalized(hint.command());
    for (Evidence other : withRecipe) {
      Evidence.Hint candidate = other.recipe();
      if (("npm".equals(candidate.runtime()) || "pypi".equals(candidate.runtime()))
          && normalized(CommandLines.unscoped(candidate.packageName())).equals(command)) {
        Evidence.Hint merged = candidate.args().isEmpty() ? new Evidence.Hint(candidate.runtime(),
            candidate.packageName(), candidate.version(), null, hint.args(), candidate.transport(), null, null) : candidate;
        return new Evidence(other.path(), other.trust(), merged, other.variables(), other.warnings());
      }
    }
    return chosen;
  }

  private static String normalized(String name) {
    return name.toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }

  private static void mergeRecipe(Analysis analysis, List<Evidence> ordered) {
    List<Evidence> withRecipe = ordered.stream().filter(e -> e.recipe() != null).toList();
    if (withRecipe.isEmpty()) {
      analysis.warnings.add("no file says how to run this server (no server.json package or remote, no published"
          + " package, no client configuration in the README)");
      return;
    }
    Evidence chosen = packageOfCommand(withRecipe.getFirst(), withRecipe);
    Evidence.Hint recipe = chosen.recipe();
    String versionFrom = chosen.path();
    for (Evidence other : withRecipe.subList(1, withRecipe.size())) {
      Evidence.Hint hint = other.recipe();
      boolean samePackage = Objects.equals(hint.packageName(), recipe.packageName()) && recipe.packageName() != null;
      if (!samePackage && !hint.identity().equals(recipe.identity())) {
        if (!other.path().equals(chosen.path())) {
          analysis.warnings.add(other.path() + " says to run " + hint.identity() + " but " + chosen.path()
              + " says " + recipe.identity() + "; using " + chosen.path() + " (more trusted)");
        }
        continue;
      }
      if (recipe.version() == null && hint.version() != null) {
        recipe = recipe.withVersion(hint.version());
        versionFrom = other.path();
      } else if (recipe.version() != null && hint.version() != null && !recipe.version().equals(hint.version())) {
        analysis.warnings.add(other.path() + " gives version " + hint.version() + " but " + versionFrom + " gives "
            + recipe.version() + "; using " + recipe.version());
      }
    }
    analysis.recipe = recipe;
    for (String field : List.of("runtime", "package", "command", "args", "transport", "url", "headers")) {
      analysis.recipeSources.put(field, analysis.file(chosen.path()));
    }
    if (recipe.version() != null) {
      analysis.recipeSources.put("version", analysis.file(versionFrom));
    }
  }

  private static void mergeVariable(Analysis analysis, Evidence item, Evidence.Variable variable) {
    Analysis.Field field = analysis.variables.computeIfAbsent(variable.name(), Analysis.Field::new);
    String path = item.path();
    if (field.firstPath == null) {
      field.firstPath = path;
      field.sources.put("name", analysis.file(path));
      field.files.put("name", path);
    }
    field.title = take(analysis, field, "title", field.title, variable.title(), path);
    field.description = take(analysis, field, "description", field.description, variable.description(), path);
    field.type = take(analysis, field, "type", field.type, variable.type(), path);
    field.choices = take(analysis, field, "enum", field.choices, variable.choices(), path);
    Object before = field.defaultValue;
    field.defaultValue = take(analysis, field, "default", field.defaultValue, variable.defaultValue(), path);
    if (before != null && variable.defaultValue() != null && !String.valueOf(before).equals(
        String.valueOf(variable.defaultValue())) && !path.equals(sourcePath(field, "default"))) {
      analysis.warnings.add(field.name + ": " + path + " gives the default '" + variable.defaultValue() + "' but "
          + sourcePath(field, "default") + " gives '" + before + "'; using '" + before + "'");
    }
    Boolean required = field.required;
    field.required = take(analysis, field, "required", field.required, variable.required(), path);
    if (required != null && variable.required() != null && !required.equals(variable.required())
        && !path.equals(sourcePath(field, "required"))) {
      analysis.warnings.add(field.name + ": " + path + " says it is " + (variable.required() ? "required" : "optional")
          + " but " + sourcePath(field, "required") + " says " + (required ? "required" : "optional") + "; using "
          + sourcePath(field, "required"));
    }
    field.secret = take(analysis, field, "writeOnly", field.secret, variable.secret(), path);
  }

  private static <T> T take(Analysis analysis, Analysis.Field field, String attribute, T current, T offered,
                            String path) {
    if (current != null || offered == null) {
      return current;
    }
    field.sources.put(attribute, analysis.file(path));
    field.files.put(attribute, path);
    return offered;
  }

  private static String sourcePath(Analysis.Field field, String attribute) {
    return field.files.get(attribute);
  }
}
