package dev.catwalk.catalog;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One way to run a catalog entry: a package of the entry (npm, pypi, oci; nuget, mcpb, cargo and go are
 * listed with the reason they cannot run), one of its remotes, or its repository (completed by the
 * repository analysis). It holds a recipe template and the inputs that fill it, or the problems that
 * keep it from mapping to a recipe at all.
 *
 * <p>Templates: in {@link #args} and {@link #url}, {@code {FIELD}} names an input; header values name inputs
 * as {@code ${FIELD}}, the Deployments API's own placeholder, so they stay placeholders in the deployment.
 *
 * @param id          stable within the entry: {@code npm}, {@code oci}, {@code remote}, {@code remote-2}, {@code repository}…
 * @param kind        {@code package}, {@code remote} or {@code repository}
 * @param type        the package's registry type, the remote's transport, or {@code repository}
 * @param probe       what a backend must offer to run it: {@code npm}, {@code pypi}, {@code oci}, {@code remote} or
 *                    {@code command:<program>}; null while it has problems or needs analysis
 * @param runtime     the recipe's runtime ({@code npm}, {@code pypi}, {@code oci}, {@code command}, {@code remote}), or null
 * @param packageName package or image of the recipe, or null
 * @param version     pinned version (or image tag), or null
 * @param command     program of a {@code command} recipe, or null
 * @param args        command-line items
 * @param url         remote URL template, or null
 * @param headers     remote headers, values with {@code ${FIELD}} placeholders
 * @param inputs      the configuration form's fields, in order
 * @param problems    why it does not map to a recipe (empty when it does)
 * @param warnings    what was left out or guessed
 * @param sources     where each part came from, by path ({@code recipe.runtime}, {@code configSchema.properties.X})
 * @param needsAnalysis whether the repository analysis must complete it first
 */
public record Variant(String id, String kind, String type, String probe, String runtime, String packageName,
                      String version, String command, List<Arg> args, String url, Map<String, String> headers,
                      List<Input> inputs, List<Problem> problems, List<String> warnings, JsonObject sources,
                      boolean needsAnalysis) {

  /** {@code {FIELD}} in an argument or URL template. */
  static final Pattern TOKEN = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_]*)}");

  public Variant {
    args = List.copyOf(args);
    headers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    inputs = List.copyOf(inputs);
    problems = List.copyOf(problems);
    warnings = List.copyOf(warnings);
  }

  /** Why a variant cannot become a recipe: a stable {@code code} (for counting) and a message for people. */
  public record Problem(String code, String message) {
    JsonObject toJson() {
      return new JsonObject().put("code", code).put("message", message);
    }

    static Problem fromJson(JsonObject json) {
      return new Problem(json.getString("code"), json.getString("message"));
    }
  }

  /**
   * One field of the configuration form and where its value goes.
   *
   * @param field    the property name in the configSchema
   * @param use      {@code env} (an environment variable of that name), {@code header} (named by a header template),
   *                 {@code argument} or {@code url} (filled into the command line or URL at deploy time),
   *                 {@code constant} (an environment variable with a fixed value), or {@code part} (a part of the
   *                 environment variable {@code target}, built from {@code template} at deploy time)
   * @param property the JSON Schema of the field (title, description, type, default, enum, writeOnly…)
   * @param required whether the server needs it
   * @param target   for {@code part}: the environment variable it is part of
   * @param template for {@code part}: the value of {@code target} with {@code {FIELD}} tokens
   */
  public record Input(String field, String use, JsonObject property, boolean required, String target,
                      String template) {

    /** Uses whose values are filled in at deploy time and are not configuration variables of the deployment. */
    static final List<String> BAKED = List.of("argument", "url", "part");

    /** Whether the field is a secret. */
    public boolean secret() {
      return Boolean.TRUE.equals(property.getValue("writeOnly"));
    }

    JsonObject toJson() {
      JsonObject json = new JsonObject().put("field", field).put("use", use).put("property", property)
          .put("required", required);
      if (target != null) {
        json.put("target", target).put("template", template);
      }
      return json;
    }

    static Input fromJson(JsonObject json) {
      return new Input(json.getString("field"), json.getString("use"), json.getJsonObject("property"),
          json.getBoolean("required", false), json.getString("target"), json.getString("template"));
    }
  }

  /**
   * One command-line item: {@code flag} (or nothing) followed by {@code template} with its {@code {FIELD}}
   * tokens filled in. An item whose fields are not all set is left out; a {@code bool} item is just the flag,
   * present when its field is true; a {@code repeated} item is repeated for each value of its (array) field.
   */
  public record Arg(String flag, String template, boolean bool, boolean repeated) {

    /** A fixed item. */
    static Arg fixed(String value) {
      return new Arg(null, value, false, false);
    }

    /** The fields the item needs. */
    List<String> fields() {
      List<String> names = new ArrayList<>();
      if (template != null) {
        Matcher matcher = TOKEN.matcher(template);
        while (matcher.find()) {
          names.add(matcher.group(1));
        }
      }
      return names;
    }

    /** The item for display: fields as {@code ${FIELD}}. */
    List<String> display() {
      List<String> out = new ArrayList<>();
      if (flag != null) {
        out.add(flag);
      }
      if (!bool && template != null) {
        out.add(TOKEN.matcher(template).replaceAll("\\${$1}"));
      }
      return out;
    }

    JsonObject toJson() {
      JsonObject json = new JsonObject();
      if (flag != null) {
        json.put("flag", flag);
      }
      if (template != null) {
        json.put("template", template);
      }
      if (bool) {
        json.put("bool", true);
      }
      if (repeated) {
        json.put("repeated", true);
      }
      return json;
    }

    static Arg fromJson(JsonObject json) {
      return new Arg(json.getString("flag"), json.getString("template"), json.getBoolean("bool", false),
          json.getBoolean("repeated", false));
    }
  }

  /** Whether it maps to a recipe as it is (no problems, no analysis pending). */
  public boolean mapped() {
    return problems.isEmpty() && !needsAnalysis && runtime != null;
  }

  /** The input named {@code field}, or null. */
  Input input(String field) {
    return inputs.stream().filter(i -> i.field().equals(field)).findFirst().orElse(null);
  }

  /** The configuration form: a JSON Schema object with one property per input. */
  public JsonObject configSchema() {
    JsonObject properties = new JsonObject();
    JsonArray required = new JsonArray();
    for (Input input : inputs) {
      properties.put(input.field(), input.property().copy());
      if (input.required()) {
        required.add(input.field());
      }
    }
    return new JsonObject().put("type", "object").put("properties", properties).put("required", required);
  }

  /** The recipe for display: what the Deployments API gets, with inputs still shown as {@code ${FIELD}}. */
  public JsonObject displayRecipe() {
    if (runtime == null) {
      return null;
    }
    JsonObject recipe = new JsonObject().put("runtime", runtime)
        .put("transport", runtime.equals("remote") ? "streamable-http" : "stdio");
    putIfSet(recipe, "package", packageName);
    putIfSet(recipe, "version", version);
    putIfSet(recipe, "command", command);
    List<String> shown = new ArrayList<>();
    args.forEach(arg -> shown.addAll(arg.display()));
    if (!shown.isEmpty()) {
      recipe.put("args", new JsonArray(shown));
    }
    if (url != null) {
      recipe.put("url", TOKEN.matcher(url).replaceAll("\\${$1}"));
    }
    if (!headers.isEmpty()) {
      recipe.put("headers", new JsonObject(new LinkedHashMap<>(headers)));
    }
    return recipe;
  }

  /** Stored form (the catalog's {@code mapping} column). */
  JsonObject toJson() {
    JsonObject json = new JsonObject().put("id", id).put("kind", kind).put("type", type).put("probe", probe)
        .put("runtime", runtime).put("package", packageName).put("version", version).put("command", command)
        .put("args", new JsonArray(args.stream().map(Arg::toJson).toList())).put("url", url)
        .put("headers", new JsonObject(new LinkedHashMap<>(headers)))
        .put("inputs", new JsonArray(inputs.stream().map(Input::toJson).toList()))
        .put("problems", new JsonArray(problems.stream().map(Problem::toJson).toList()))
        .put("warnings", new JsonArray(warnings)).put("sources", sources).put("needsAnalysis", needsAnalysis);
    return json;
  }

  static Variant fromJson(JsonObject json) {
    Map<String, String> headers = new LinkedHashMap<>();
    json.getJsonObject("headers", new JsonObject()).forEach(e -> headers.put(e.getKey(), String.valueOf(e.getValue())));
    return new Variant(json.getString("id"), json.getString("kind"), json.getString("type"), json.getString("probe"),
        json.getString("runtime"), json.getString("package"), json.getString("version"), json.getString("command"),
        objects(json.getJsonArray("args")).stream().map(Arg::fromJson).toList(), json.getString("url"), headers,
        objects(json.getJsonArray("inputs")).stream().map(Input::fromJson).toList(),
        objects(json.getJsonArray("problems")).stream().map(Problem::fromJson).toList(),
        json.getJsonArray("warnings", new JsonArray()).stream().map(String::valueOf).toList(),
        json.getJsonObject("sources", new JsonObject()), json.getBoolean("needsAnalysis", false));
  }

  private static List<JsonObject> objects(JsonArray array) {
    List<JsonObject> out = new ArrayList<>();
    if (array != null) {
      array.forEach(item -> out.add((JsonObject) item));
    }
    return out;
  }

  private static void putIfSet(JsonObject json, String field, String value) {
    if (value != null) {
      json.put(field, value);
    }
  }
}
