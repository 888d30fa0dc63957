package dev.catwalk.catalog;

import dev.catwalk.error.ApiException;
import dev.catwalk.deploy.Recipe;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Map;

/**
 * Completes an entry's {@code repository} variant with the answer of the repository analysis
 * ({@code catwalk.analysis.analyze}): its recipe, and a form made of the analysis' variables first (the
 * repository's own files) and then the ones only the catalog source names. {@code sources} keeps, per
 * field, the analysis' file and commit or the catalog pointer it came from.
 */
final class Completion {

  private Completion() {
  }

  /** The variant completed by {@code analysis}; {@code source}, {@code name} and {@code version} name its entry. */
  static Variant complete(String source, String name, String version, Variant repository, JsonObject analysis) {
    VariantBuilder b = new VariantBuilder(source, name, version, repository.id(), "repository", "repository");
    b.warnings.addAll(repository.warnings().stream()
        .filter(w -> !w.startsWith("the entry publishes no package")).toList());
    analysis.getJsonArray("warnings", new JsonArray()).forEach(w -> b.warnings.add("analysis: " + w));
    JsonObject analyzed = analysis.getJsonObject("sources", new JsonObject());
    JsonObject where = new JsonObject().put("repository", analysis.getJsonObject("repository", new JsonObject()));
    JsonObject recipe = analysis.getJsonObject("recipe");
    if (recipe == null) {
      b.problem("no-recipe", "the repository analysis found no way to run the server");
    } else {
      try {
        Recipe parsed = Recipe.fromJson(recipe.copy());
        b.runtime = parsed.runtime();
        b.packageName = parsed.packageName();
        b.version = parsed.version();
        b.command = parsed.command();
        parsed.args().forEach(arg -> b.args.add(Variant.Arg.fixed(arg)));
        b.url = parsed.url();
        b.headers.putAll(parsed.headers());
        b.probe = probeOf(parsed);
      } catch (ApiException e) {
        b.problem("invalid-recipe", "the repository analysis proposes a recipe Catwalk refuses: " + e.getMessage());
      }
    }
    analyzed.forEach(part -> {
      if (part.getKey().startsWith("recipe.")) {
        b.source(part.getKey(), analysisSource(part.getValue(), where));
      }
    });
    JsonObject schema = analysis.getJsonObject("configSchema", new JsonObject());
    JsonObject properties = schema.getJsonObject("properties", new JsonObject());
    JsonArray required = schema.getJsonArray("required", new JsonArray());
    String headerText = String.join("\n", b.headers.values());
    for (Map.Entry<String, Object> property : properties) {
      if (!(property.getValue() instanceof JsonObject definition) || !b.reserve(property.getKey())) {
        continue;
      }
      String field = property.getKey();
      String use = headerText.contains("${" + field + "}") ? "header" : "env";
      b.input(field, use, definition.copy(), required.contains(field),
          analysisSource(analyzed.getValue("configSchema.properties." + field), where));
    }
    for (Variant.Input input : repository.inputs()) {
      if (b.reserve(input.field())) {
        b.input(input.field(), input.use(), input.property().copy(), input.required(),
            repository.sources().getJsonObject("configSchema.properties." + input.field(), new JsonObject()));
      }
    }
    return b.build();
  }

  private static JsonObject analysisSource(Object source, JsonObject where) {
    JsonObject out = where.copy();
    out.put("analysis", source instanceof JsonObject object ? object : new JsonObject());
    return out;
  }

  /** What a backend needs to run {@code recipe}: its runtime, or for a command the runtime behind its program. */
  static String probeOf(Recipe recipe) {
    if (!recipe.runtime().equals("command")) {
      return recipe.runtime();
    }
    return switch (recipe.command()) {
      case "npx" -> "npm";
      case "uvx" -> "pypi";
      case "docker" -> "oci";
      default -> "command:" + recipe.command();
    };
  }
}
