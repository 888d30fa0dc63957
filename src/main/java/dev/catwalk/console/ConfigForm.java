package dev.catwalk.console;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The configuration form of a deployment, generated from its {@code configSchema}: one {@link Field} per
 * property, with the input the browser needs to check it ({@code writeOnly} a password, {@code enum} a select,
 * {@code boolean} a checkbox, numbers with their bounds, strings with pattern and lengths, {@code required} marked,
 * {@code default} pre-filled, {@code description} as help). The server still validates every value against the
 * schema; the form only reads the inputs back into a configuration ({@link #read}), it keeps no rule of its own.
 */
public final class ConfigForm {

  /** Form fields carry the variable name behind this prefix, so they never collide with the page's own fields. */
  public static final String PREFIX = "cfg.";

  private ConfigForm() {
  }

  /**
   * One input of the form.
   *
   * @param name      the variable name
   * @param input     the input: {@code text}, {@code password}, {@code number}, {@code checkbox}, {@code select},
   *                  {@code url} or {@code email}
   * @param label     what the label says (the schema's title, else the name)
   * @param help      the schema's description, or null
   * @param required  whether a value is required
   * @param value     the value to show (typed before, or the default); never a secret
   * @param options   the choices of a select (with an empty first choice when not required)
   * @param pattern   a pattern the value must match, or null
   * @param min       minimum of a number, or null
   * @param max       maximum of a number, or null
   * @param step      {@code 1} for integers, {@code any} for other numbers, null otherwise
   * @param minLength shortest string, or null
   * @param maxLength longest string, or null
   * @param secret    whether the value is secret (never shown back)
   * @param secretSet whether a secret value is already set (stored, or typed before an error), so empty keeps it
   * @param source    where the field came from (analysis or catalog), or null
   * @param error     the server's message about this field, or null
   */
  public record Field(String name, String input, String label, String help, boolean required, String value,
                      List<String> options, String pattern, String min, String max, String step, Integer minLength,
                      Integer maxLength, boolean secret, boolean secretSet, String source, String error) {

    /** The form field's name ({@link #PREFIX} + variable). */
    public String param() {
      return PREFIX + name;
    }

    /** The element id of the input. */
    public String id() {
      return "cfg-" + name;
    }

    /** Whether a checkbox is checked. */
    public boolean checked() {
      return "true".equals(value);
    }
  }

  /**
   * The fields of {@code schema}, in its order.
   *
   * @param values    values to show (typed before an error, or the stored configuration); secrets are ignored
   * @param secretSet names of secrets that have a value already
   * @param sources   {@code sources} of an analysis or catalog entry (keys {@code configSchema.properties.NAME…}), or null
   * @param errors    messages by variable name
   */
  public static List<Field> fields(JsonObject schema, Map<String, String> values, java.util.Set<String> secretSet,
                                   JsonObject sources, Map<String, String> errors) {
    List<Field> fields = new ArrayList<>();
    if (schema == null || !(schema.getValue("properties") instanceof JsonObject properties)) {
      return fields;
    }
    JsonArray required = schema.getJsonArray("required", new JsonArray());
    for (String name : properties.fieldNames()) {
      if (!(properties.getValue(name) instanceof JsonObject property)) {
        continue;
      }
      fields.add(field(name, property, required.contains(name), values.get(name), secretSet.contains(name),
          source(sources, name), errors.get(name)));
    }
    return fields;
  }

  private static Field field(String name, JsonObject property, boolean required, String typed, boolean secretSet,
                             String source, String error) {
    String type = property.getValue("type") instanceof String t ? t : "string";
    boolean secret = Boolean.TRUE.equals(property.getValue("writeOnly"));
    List<String> options = null;
    String input;
    if (property.getValue("enum") instanceof JsonArray choices) {
      input = "select";
      options = new ArrayList<>();
      if (!required) {
        options.add("");
      }
      for (Object choice : choices) {
        options.add(String.valueOf(choice));
      }
    } else if (type.equals("boolean")) {
      input = "checkbox";
    } else if (type.equals("number") || type.equals("integer")) {
      input = "number";
    } else if (secret) {
      input = "password";
    } else if ("uri".equals(property.getString("format")) || "url".equals(property.getString("format"))) {
      input = "url";
    } else if ("email".equals(property.getString("format"))) {
      input = "email";
    } else {
      input = "text";
    }
    Object fallback = property.getValue("default");
    String value = secret ? null : typed != null ? typed : fallback == null ? null : String.valueOf(fallback);
    String label = property.getValue("title") instanceof String title && !title.isBlank() ? title : name;
    String help = property.getValue("description") instanceof String d && !d.isBlank() ? d : null;
    boolean number = input.equals("number");
    return new Field(name, input, label, help, required && !(secret && secretSet), value, options,
        property.getValue("pattern") instanceof String p ? p : null,
        number ? text(property.getValue("minimum")) : null, number ? text(property.getValue("maximum")) : null,
        number ? (type.equals("integer") ? "1" : "any") : null,
        number ? null : integer(property.getValue("minLength")), number ? null : integer(property.getValue("maxLength")),
        secret, secretSet, source, error);
  }

  /**
   * Reads the submitted form into a configuration for the schema: checkboxes as booleans, numbers as numbers
   * (a value that is not a number is passed on as typed, for the server to name), empty optional values left out.
   *
   * @param keepEmptySecrets leave out empty secrets (editing keeps the stored value, a retry keeps the typed one)
   */
  public static JsonObject read(JsonObject schema, MultiMap form, boolean keepEmptySecrets) {
    JsonObject config = new JsonObject();
    if (schema == null || !(schema.getValue("properties") instanceof JsonObject properties)) {
      return config;
    }
    for (String name : properties.fieldNames()) {
      if (!(properties.getValue(name) instanceof JsonObject property)) {
        continue;
      }
      String type = property.getValue("type") instanceof String t ? t : "string";
      String raw = form.get(PREFIX + name);
      if (type.equals("boolean") && !(property.getValue("enum") instanceof JsonArray)) {
        config.put(name, raw != null);
        continue;
      }
      if (raw == null || raw.isEmpty()) {
        continue;
      }
      config.put(name, typed(type, raw));
    }
    return config;
  }

  /** The typed values of a submitted form to show again after an error (every value but the secrets), by name. */
  public static Map<String, String> typed(JsonObject schema, MultiMap form) {
    Map<String, String> values = new LinkedHashMap<>();
    if (schema == null || !(schema.getValue("properties") instanceof JsonObject properties)) {
      return values;
    }
    for (String name : properties.fieldNames()) {
      if (properties.getValue(name) instanceof JsonObject property && !Boolean.TRUE.equals(property.getValue("writeOnly"))) {
        String type = property.getValue("type") instanceof String t ? t : "string";
        if (type.equals("boolean") && !(property.getValue("enum") instanceof JsonArray)) {
          values.put(name, String.valueOf(form.get(PREFIX + name) != null));
        } else if (form.get(PREFIX + name) != null) {
          values.put(name, form.get(PREFIX + name));
        }
      }
    }
    return values;
  }

  /** The names of the schema's secret ({@code writeOnly}) properties. */
  public static java.util.Set<String> secrets(JsonObject schema) {
    java.util.Set<String> names = new java.util.LinkedHashSet<>();
    if (schema != null && schema.getValue("properties") instanceof JsonObject properties) {
      properties.forEach(entry -> {
        if (entry.getValue() instanceof JsonObject p && Boolean.TRUE.equals(p.getValue("writeOnly"))) {
          names.add(entry.getKey());
        }
      });
    }
    return names;
  }

  /** A stored configuration's plain values as text, by name (for an edit form). */
  public static Map<String, String> shown(JsonObject config) {
    Map<String, String> values = new LinkedHashMap<>();
    if (config != null) {
      config.forEach(entry -> values.put(entry.getKey(), entry.getValue() == null ? null : String.valueOf(entry.getValue())));
    }
    return values;
  }

  private static Object typed(String type, String raw) {
    try {
      if (type.equals("integer")) {
        return Long.parseLong(raw.strip());
      }
      if (type.equals("number")) {
        double value = Double.parseDouble(raw.strip());
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? (Object) (long) value : (Object) value;
      }
    } catch (NumberFormatException e) {
      return raw;
    }
    return raw;
  }

  private static String source(JsonObject sources, String name) {
    if (sources == null) {
      return null;
    }
    String prefix = "configSchema.properties." + name;
    for (String key : sources.fieldNames()) {
      if ((key.equals(prefix) || key.startsWith(prefix + ".")) && sources.getValue(key) instanceof JsonObject source) {
        if (source.getValue("path") instanceof String path) {
          return path;
        }
        if (source.getValue("llm") instanceof String model) {
          return "suggested by " + model;
        }
        if (source.getValue("rule") instanceof String rule) {
          return rule;
        }
        if (source.getValue("source") instanceof String registry) {
          return registry;
        }
      }
    }
    return null;
  }

  private static String text(Object value) {
    return value instanceof Number n ? n.toString() : null;
  }

  private static Integer integer(Object value) {
    return value instanceof Number n ? n.intValue() : null;
  }
}
