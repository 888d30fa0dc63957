package dev.catwalk.analysis;

import dev.catwalk.error.ApiException;
import dev.catwalk.deploy.Recipe;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The answer for one repository folder at one commit while it is being built (merged from the
 * files, then possibly completed by the LLM), and its JSON form: {@code recipe},
 * {@code configSchema}, {@code sources} (per field: the file and commit, the LLM, or the rule it
 * came from), {@code warnings} and the repository with its {@code commit}.
 */
public final class Analysis {

  /** Bumped whenever extraction changes, so cached answers of older analyzers are not served. */
  public static final int ANALYZER_VERSION = 2;

  final RepositorySnapshot snapshot;
  Evidence.Hint recipe;
  final Map<String, JsonObject> recipeSources = new LinkedHashMap<>();
  final Map<String, Field> variables = new LinkedHashMap<>();
  final Set<String> warnings = new LinkedHashSet<>();
  /** Trust rank of each file that gave evidence, by path. */
  final Map<String, Integer> trust = new LinkedHashMap<>();

  Analysis(RepositorySnapshot snapshot) {
    this.snapshot = snapshot;
  }

  /** One configuration variable being merged; {@code sources} by attribute. */
  static final class Field {
    final String name;
    String firstPath;
    String title;
    String description;
    String type;
    Object defaultValue;
    List<String> choices;
    Boolean required;
    Boolean secret;
    final Map<String, JsonObject> sources = new LinkedHashMap<>();
    final Map<String, String> files = new LinkedHashMap<>();

    Field(String name) {
      this.name = name;
    }
  }

  /** The recipe found, or null. */
  public Evidence.Hint recipe() {
    return recipe;
  }

  /** The names of the variables found, in order. */
  public List<String> variableNames() {
    return List.copyOf(variables.keySet());
  }

  /** The warnings so far. */
  public List<String> warnings() {
    return List.copyOf(warnings);
  }

  /** A source that is a file of the snapshot. */
  JsonObject file(String relativePath) {
    return new JsonObject().put("path", snapshot.repoPath(relativePath)).put("commit", snapshot.commitSha());
  }

  /** A source that is one of the analyzer's rules. */
  static JsonObject rule(String why) {
    return new JsonObject().put("rule", why);
  }

  /** The answer as the API gives it. */
  public JsonObject toJson() {
    JsonObject recipeJson = recipeJson();
    JsonObject schema = configSchema();
    List<String> allWarnings = new ArrayList<>(warnings);
    if (recipeJson != null) {
      try {
        Recipe.fromJson(recipeJson.copy());
      } catch (ApiException e) {
        allWarnings.add("the Deployments API would refuse this recipe: " + e.getMessage());
      }
    }
    JsonObject sources = new JsonObject();
    recipeSources.forEach((field, source) -> {
      if (recipeJson != null && recipeJson.containsKey(field)) {
        sources.put("recipe." + field, source);
      }
    });
    variables.values().forEach(field -> field.sources.forEach((attribute, source) ->
        sources.put("configSchema.properties." + field.name + (attribute.equals("name") ? "" : "." + attribute), source)));
    return new JsonObject()
        .put("repository", new JsonObject().put("host", snapshot.host()).put("owner", snapshot.owner())
            .put("repo", snapshot.repo()).put("subfolder", snapshot.subdir()).put("commit", snapshot.commitSha()))
        .put("commit", snapshot.commitSha())
        .put("recipe", recipeJson)
        .put("configSchema", schema)
        .put("sources", sources)
        .put("warnings", new JsonArray(allWarnings))
        .put("analyzerVersion", ANALYZER_VERSION);
  }

  private JsonObject recipeJson() {
    if (recipe == null) {
      return null;
    }
    JsonObject json = new JsonObject().put("runtime", recipe.runtime());
    putIfSet(json, "package", recipe.packageName());
    putIfSet(json, "version", recipe.version());
    putIfSet(json, "command", recipe.command());
    if (!recipe.args().isEmpty()) {
      json.put("args", new JsonArray(new ArrayList<>(recipe.args())));
    }
    String transport = recipe.transport() != null ? recipe.transport()
        : recipe.runtime().equals("remote") ? "streamable-http" : "stdio";
    json.put("transport", transport);
    putIfSet(json, "url", recipe.url());
    if (!recipe.headers().isEmpty()) {
      json.put("headers", new JsonObject(new LinkedHashMap<>(recipe.headers())));
    }
    return json;
  }

  private JsonObject configSchema() {
    JsonObject properties = new JsonObject();
    JsonArray required = new JsonArray();
    for (Field field : variables.values()) {
      String type = field.type == null ? "string" : field.type;
      JsonObject property = new JsonObject()
          .put("title", field.title != null ? field.title : Values.title(field.name))
          .put("description", field.description != null ? field.description
              : "Passed to the server as the environment variable " + field.name + ".")
          .put("type", type);
      if (field.defaultValue != null) {
        property.put("default", typed(field.defaultValue, type));
      }
      if (field.choices != null && !field.choices.isEmpty()) {
        property.put("enum", new JsonArray(field.choices.stream().map(c -> typed(c, type)).toList()));
      }
      if (Boolean.TRUE.equals(field.secret)) {
        property.put("writeOnly", true);
      }
      properties.put(field.name, property);
      if (Boolean.TRUE.equals(field.required)) {
        required.add(field.name);
      }
    }
    return new JsonObject().put("type", "object").put("properties", properties).put("required", required);
  }

  private static Object typed(Object value, String type) {
    String text = String.valueOf(value);
    try {
      return switch (type) {
        case "number" -> value instanceof Number ? value : text.matches("-?\\d+") ? (Object) Long.valueOf(text) : (Object) Double.valueOf(text);
        case "integer" -> value instanceof Number n ? n.longValue() : Long.valueOf(text);
        case "boolean" -> value instanceof Boolean ? value
            : text.equalsIgnoreCase("true") ? Boolean.TRUE : text.equalsIgnoreCase("false") ? Boolean.FALSE : text;
        default -> text;
      };
    } catch (NumberFormatException e) {
      return text;
    }
  }

  private static void putIfSet(JsonObject json, String field, String value) {
    if (value != null) {
      json.put(field, value);
    }
  }
}
