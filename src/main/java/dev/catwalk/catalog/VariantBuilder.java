package dev.catwalk.catalog;

import dev.catwalk.error.ApiException;
import dev.catwalk.analysis.LenientJson;
import dev.catwalk.analysis.ExtractionHeuristics;
import dev.catwalk.deploy.Recipe;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Collects one {@link Variant} while a mapper reads it: unique field names, form properties made from
 * registry inputs ({@code description, isRequired, isSecret, format, default, placeholder, choices,
 * isRepeated}), command-line items, headers, problems, warnings and the source of every part.
 */
final class VariantBuilder {

  /** {@code {name}} in a registry template (argument, header, environment or URL value). */
  static final Pattern REGISTRY_TOKEN = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_.-]*)}");
  private static final Pattern IDENTIFIER = Pattern.compile("^[A-Za-z_][A-Za-z0-9_]{0,63}$");

  private final String catalog;
  private final String entry;
  private final String entryVersion;
  final String id;
  final String kind;
  final String type;
  String probe;
  String runtime;
  String packageName;
  String version;
  String command;
  String url;
  boolean needsAnalysis;
  final List<Variant.Arg> args = new ArrayList<>();
  final Map<String, String> headers = new LinkedHashMap<>();
  final List<Variant.Input> inputs = new ArrayList<>();
  final List<Variant.Problem> problems = new ArrayList<>();
  final List<String> warnings = new ArrayList<>();
  final JsonObject sources = new JsonObject();
  private final Set<String> taken = new HashSet<>();

  VariantBuilder(String catalog, String entry, String entryVersion, String id, String kind, String type) {
    this.catalog = catalog;
    this.entry = entry;
    this.entryVersion = entryVersion;
    this.id = id;
    this.kind = kind;
    this.type = type;
  }

  /** Where a part came from: the entry and a JSON pointer into it. */
  JsonObject origin(String pointer) {
    JsonObject origin = new JsonObject().put("catalog", catalog).put("entry", entry);
    if (entryVersion != null && !entryVersion.isEmpty()) {
      origin.put("version", entryVersion);
    }
    return origin.put("pointer", pointer);
  }

  /** A part decided by one of Catwalk's mapping rules. */
  static JsonObject rule(String why) {
    return new JsonObject().put("rule", why);
  }

  void problem(String code, String message) {
    problems.add(new Variant.Problem(code, message));
  }

  void source(String path, JsonObject where) {
    sources.put(path, where);
  }

  /** A field name not used yet in this variant, from {@code preferred} (made a valid name first). */
  String field(String preferred) {
    String base = preferred != null && IDENTIFIER.matcher(preferred).matches() ? preferred
        : ExtractionHeuristics.envName(preferred == null ? "value" : preferred);
    if (base.length() > 60) {
      base = base.substring(0, 60);
    }
    String name = base;
    for (int n = 2; taken.contains(name.toLowerCase(Locale.ROOT)); n++) {
      name = base + "_" + n;
    }
    taken.add(name.toLowerCase(Locale.ROOT));
    return name;
  }

  /** Reserves an exact name (an environment variable's); false when it is taken already. */
  boolean reserve(String name) {
    return taken.add(name.toLowerCase(Locale.ROOT));
  }

  /** The input named {@code field}, or null. */
  Variant.Input inputOf(String field) {
    return inputs.stream().filter(i -> i.field().equals(field)).findFirst().orElse(null);
  }

  /** Adds a field; its property comes from the registry input {@code in} (null: a plain string). */
  Variant.Input input(String field, String use, JsonObject in, String pointer, String fallbackDescription,
                      String target, String template) {
    JsonObject property = property(field, in == null ? new JsonObject() : in, fallbackDescription);
    boolean required = in != null && Boolean.TRUE.equals(LenientJson.bool(in, "isRequired", "is_required"));
    Variant.Input input = new Variant.Input(field, use, property, required, target, template);
    inputs.add(input);
    source("configSchema.properties." + field, origin(pointer));
    return input;
  }

  /** Adds a field whose property is given. */
  Variant.Input input(String field, String use, JsonObject property, boolean required, JsonObject origin) {
    Variant.Input input = new Variant.Input(field, use, property, required, null, null);
    inputs.add(input);
    source("configSchema.properties." + field, origin);
    return input;
  }

  /**
   * Replaces each {@code {name}} of a registry template by a field ({@code {FIELD}}, or {@code ${FIELD}} when
   * {@code dollar}); a token's input is its entry in {@code variables}, else the parent's own attributes.
   *
   * @return the template with field tokens, and the fields it made
   */
  Template template(String value, JsonObject parent, String pointer, String use, String target, boolean dollar) {
    JsonObject variables = LenientJson.object(parent, "variables");
    Map<String, String> fields = new LinkedHashMap<>();
    Matcher matcher = REGISTRY_TOKEN.matcher(value);
    StringBuilder out = new StringBuilder();
    List<String> made = new ArrayList<>();
    while (matcher.find()) {
      String token = matcher.group(1);
      String field = fields.get(token);
      if (field == null) {
        field = field(token);
        fields.put(token, field);
        made.add(field);
        JsonObject definition = variables.getValue(token) instanceof JsonObject object ? object : null;
        JsonObject in = definition != null ? inherit(definition, parent) : parent;
        String where = definition != null ? pointer + "/variables/" + token : pointer;
        input(field, use, in, where, "The value of {" + token + "}.", target, null);
      }
      matcher.appendReplacement(out, Matcher.quoteReplacement(dollar ? "${" + field + "}" : "{" + field + "}"));
    }
    matcher.appendTail(out);
    String text = out.toString();
    if (target != null) {
      inputs.replaceAll(input -> made.contains(input.field()) ? new Variant.Input(input.field(), input.use(),
          input.property(), input.required(), target, text) : input);
    }
    return new Template(text, made);
  }

  /** A template with field tokens, and the fields it introduced. */
  record Template(String text, List<String> fields) {
  }

  /** A variable's input completed by its parent's: a variable says little more than its own attributes. */
  private static JsonObject inherit(JsonObject variable, JsonObject parent) {
    JsonObject merged = variable.copy();
    for (String attribute : List.of("isRequired", "isSecret", "description")) {
      if (!merged.containsKey(attribute) && parent.containsKey(attribute)) {
        merged.put(attribute, parent.getValue(attribute));
      }
    }
    return merged;
  }

  /** A form property from a registry input. */
  static JsonObject property(String field, JsonObject in, String fallbackDescription) {
    String format = LenientJson.string(in, "format");
    String type = ExtractionHeuristics.type(format) == null || "filepath".equalsIgnoreCase(format) ? "string" : ExtractionHeuristics.type(format);
    JsonObject property = new JsonObject().put("title", ExtractionHeuristics.title(field));
    String description = LenientJson.string(in, "description");
    property.put("description", description != null && !description.isBlank() ? description.strip()
        : fallbackDescription);
    boolean repeated = Boolean.TRUE.equals(LenientJson.bool(in, "isRepeated", "is_repeated"));
    if (repeated) {
      property.put("type", "array").put("items", new JsonObject().put("type", type));
    } else {
      property.put("type", type);
    }
    Object fallback = in.getValue("default");
    if (fallback != null && !(fallback instanceof String text && ExtractionHeuristics.isPlaceholder(text))) {
      Object typed = typed(fallback, type);
      property.put("default", repeated ? new JsonArray().add(typed) : typed);
    }
    JsonArray choices = LenientJson.array(in, "choices");
    if (!choices.isEmpty()) {
      JsonArray typedChoices = new JsonArray(choices.stream().map(c -> typed(c, type)).toList());
      if (repeated) {
        property.getJsonObject("items").put("enum", typedChoices);
      } else {
        property.put("enum", typedChoices);
      }
    }
    String placeholder = LenientJson.string(in, "placeholder");
    if (placeholder != null && !placeholder.isBlank()) {
      property.put("examples", new JsonArray().add(placeholder));
    }
    if (Boolean.TRUE.equals(LenientJson.bool(in, "isSecret", "is_secret"))) {
      property.put("writeOnly", true);
    }
    if ("filepath".equalsIgnoreCase(format)) {
      property.put("description", property.getString("description")
          + " (a path on the machine that runs the server)");
    }
    return property;
  }

  /** {@code value} as a JSON value of {@code type}, or as text when it is not one. */
  static Object typed(Object value, String type) {
    String text = String.valueOf(value).strip();
    try {
      return switch (type) {
        case "number" -> value instanceof Number ? value : text.matches("-?\\d+") ? (Object) Long.valueOf(text)
            : (Object) Double.valueOf(text);
        case "integer" -> value instanceof Number n ? n.longValue() : Long.valueOf(text);
        case "boolean" -> value instanceof Boolean ? value : text.equalsIgnoreCase("true") ? Boolean.TRUE
            : text.equalsIgnoreCase("false") ? Boolean.FALSE : text;
        default -> value instanceof String ? value : text;
      };
    } catch (NumberFormatException e) {
      return text;
    }
  }

  /** The variant, after checking that its recipe (with sample values in its templates) is one Catwalk accepts. */
  Variant build() {
    if (problems.isEmpty() && runtime != null) {
      try {
        Recipe.fromJson(sampleRecipe());
      } catch (ApiException e) {
        problem("invalid-recipe", "the derived recipe is not valid: " + e.getMessage());
      }
    }
    boolean mapped = problems.isEmpty() && runtime != null;
    return new Variant(id, kind, type, mapped ? probe : null, mapped ? runtime : null, packageName, version, command,
        args, url, headers, inputs, problems, warnings, sources, needsAnalysis);
  }

  private JsonObject sampleRecipe() {
    JsonObject recipe = new JsonObject().put("runtime", runtime);
    if (packageName != null) {
      recipe.put("package", packageName);
    }
    if (version != null) {
      recipe.put("version", version);
    }
    if (command != null) {
      recipe.put("command", command);
    }
    JsonArray sample = new JsonArray();
    for (Variant.Arg arg : args) {
      if (arg.flag() != null) {
        sample.add(arg.flag());
      }
      if (!arg.bool() && arg.template() != null) {
        sample.add(Variant.TOKEN.matcher(arg.template()).replaceAll("x"));
      }
    }
    if (!sample.isEmpty()) {
      recipe.put("args", sample);
    }
    if (url != null) {
      recipe.put("url", Variant.TOKEN.matcher(url).replaceAll("x"));
    }
    if (!headers.isEmpty()) {
      recipe.put("headers", new JsonObject(new LinkedHashMap<>(headers)));
    }
    return recipe;
  }
}
