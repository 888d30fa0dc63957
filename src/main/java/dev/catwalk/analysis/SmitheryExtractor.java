package dev.catwalk.analysis;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code smithery.yaml}: the classic {@code startCommand} (type stdio with a {@code configSchema}
 * of camelCase keys and a JavaScript {@code commandFunction} whose {@code env} maps variable names
 * to {@code config.key}), the HTTP form, and the newer top-level {@code runtime}, {@code env} and
 * {@code configSchema} whose keys are variable names.
 */
public final class SmitheryExtractor {

  private static final Pattern COMMAND = Pattern.compile("command\\s*:\\s*['\"`]([^'\"`]+)['\"`]");
  private static final Pattern ARGS = Pattern.compile("args\\s*:\\s*\\[([^\\]]*)]");
  private static final Pattern STRING = Pattern.compile("['\"`]([^'\"`]*)['\"`]");
  private static final Pattern ENV_BLOCK = Pattern.compile("env\\s*:\\s*\\{([^}]*)}", Pattern.DOTALL);
  private static final Pattern ENV_ENTRY = Pattern.compile(
      "['\"]?([A-Za-z_][A-Za-z0-9_]*)['\"]?\\s*:\\s*(?:String\\()?\\s*(config\\.([A-Za-z0-9_]+)|config\\[['\"]([^'\"]+)['\"]]|['\"`]([^'\"`]*)['\"`])");

  private SmitheryExtractor() {
  }

  /** Evidence from the file at {@code path}. */
  public static Evidence extract(String path, String text) {
    JsonObject yaml;
    try {
      Object loaded = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
      if (!(loaded instanceof Map<?, ?> map)) {
        return new Evidence(path, Evidence.SMITHERY, null, List.of(), List.of(path + " is not a YAML mapping"));
      }
      yaml = new JsonObject(jsonSafe(map));
    } catch (YAMLException | ClassCastException e) {
      return new Evidence(path, Evidence.SMITHERY, null, List.of(), List.of(path + " is not valid YAML"));
    }
    List<String> warnings = new ArrayList<>();
    JsonObject start = LenientJson.object(yaml, "startCommand");
    List<Evidence.Variable> variables = new ArrayList<>();
    Evidence.Hint hint = null;
    String function = start.getString("commandFunction");
    JsonObject schema = LenientJson.object(start, "configSchema");
    if (function != null) {
      hint = commandHint(function);
      variables.addAll(mappedVariables(function, schema));
    }
    JsonObject topSchema = LenientJson.object(yaml, "configSchema");
    if (!topSchema.isEmpty() || function == null && !schema.isEmpty()) {
      variables.addAll(directVariables(topSchema.isEmpty() ? schema : topSchema));
    }
    for (Map.Entry<String, Object> env : LenientJson.object(yaml, "env")) {
      if (ExtractionHeuristics.isEnvName(env.getKey()) && !Dotenv.isNoise(env.getKey()) && variables.stream().noneMatch(v -> v.name().equals(env.getKey()))) {
        String value = String.valueOf(env.getValue());
        variables.add(ExtractionHeuristics.isPlaceholder(value) ? Evidence.Variable.named(env.getKey())
            : Evidence.Variable.named(env.getKey()).with(false, value));
      }
    }
    if ("http".equals(start.getString("type"))) {
      warnings.add(path + ": the Smithery deployment serves HTTP from a hosted build; no package is named here");
    }
    return new Evidence(path, Evidence.SMITHERY, hint, variables, warnings);
  }

  private static Evidence.Hint commandHint(String function) {
    Matcher command = COMMAND.matcher(function);
    if (!command.find()) {
      return null;
    }
    List<String> args = new ArrayList<>();
    Matcher list = ARGS.matcher(function);
    if (list.find()) {
      Matcher item = STRING.matcher(list.group(1));
      while (item.find()) {
        args.add(item.group(1));
      }
    }
    return CommandLines.interpret(command.group(1), args).hint();
  }

  private static List<Evidence.Variable> mappedVariables(String function, JsonObject schema) {
    List<Evidence.Variable> variables = new ArrayList<>();
    Matcher block = ENV_BLOCK.matcher(function);
    if (!block.find()) {
      return variables;
    }
    JsonObject properties = LenientJson.object(schema, "properties");
    JsonArray required = LenientJson.array(schema, "required");
    Matcher entry = ENV_ENTRY.matcher(block.group(1));
    while (entry.find()) {
      String name = entry.group(1);
      String key = entry.group(3) != null ? entry.group(3) : entry.group(4);
      if (key == null) {
        String literal = entry.group(5);
        variables.add(ExtractionHeuristics.isPlaceholder(literal) ? Evidence.Variable.named(name)
            : Evidence.Variable.named(name).with(false, literal));
        continue;
      }
      JsonObject property = LenientJson.object(properties, key);
      variables.add(fromProperty(name, property, required.contains(key)));
    }
    return variables;
  }

  private static List<Evidence.Variable> directVariables(JsonObject schema) {
    List<Evidence.Variable> variables = new ArrayList<>();
    JsonArray required = LenientJson.array(schema, "required");
    for (Map.Entry<String, Object> property : LenientJson.object(schema, "properties")) {
      if (ExtractionHeuristics.isEnvName(property.getKey()) && property.getKey().equals(property.getKey().toUpperCase(java.util.Locale.ROOT))
          && property.getValue() instanceof JsonObject object) {
        variables.add(fromProperty(property.getKey(), object, required.contains(property.getKey())));
      }
    }
    return variables;
  }

  private static Evidence.Variable fromProperty(String name, JsonObject property, boolean required) {
    List<String> choices = property.getValue("enum") instanceof JsonArray values
        ? values.stream().map(String::valueOf).toList() : null;
    Boolean secret = "password".equals(property.getString("format")) || Boolean.TRUE.equals(property.getValue("writeOnly"))
        ? Boolean.TRUE : null;
    Object fallback = property.getValue("default");
    if (fallback instanceof String text && ExtractionHeuristics.isPlaceholder(text) || fallback instanceof JsonObject
        || fallback instanceof JsonArray) {
      fallback = null;
    }
    String type = property.getValue("type") instanceof String text ? ExtractionHeuristics.type(text) : null;
    return new Evidence.Variable(name, property.getString("title"), property.getString("description"), type,
        fallback, choices, required, secret);
  }

  private static Map<String, Object> jsonSafe(Map<?, ?> map) {
    Map<String, Object> out = new LinkedHashMap<>();
    map.forEach((key, value) -> out.put(String.valueOf(key), jsonValue(value)));
    return out;
  }

  private static Object jsonValue(Object value) {
    if (value instanceof Map<?, ?> map) {
      return new JsonObject(jsonSafe(map));
    }
    if (value instanceof List<?> list) {
      return new JsonArray(list.stream().map(SmitheryExtractor::jsonValue).toList());
    }
    if (value instanceof String || value instanceof Number || value instanceof Boolean || value == null) {
      return value;
    }
    return String.valueOf(value);
  }
}
