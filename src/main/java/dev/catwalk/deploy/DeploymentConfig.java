package dev.catwalk.deploy;

import dev.catwalk.error.ApiException;
import dev.catwalk.error.BadRequestException;
import dev.catwalk.error.Validation;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaException;
import io.vertx.json.schema.Validator;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A deployment's configuration values checked against its schema and split into plain values
 * (stored as JSON, shown by the API) and secrets (properties marked {@code writeOnly: true},
 * stored encrypted, shown only as set). Without a schema, every value is a secret string.
 *
 * @param plain   non-secret values, JSON-typed
 * @param secrets secret values, as the strings a process environment gets
 */
public record DeploymentConfig(JsonObject plain, Map<String, String> secrets) {

  private static final Pattern ENV_NAME = Pattern.compile("^[A-Za-z_][A-Za-z0-9_]{0,127}$");
  private static final int MAX_VALUE_LENGTH = 64 * 1024;
  private static final JsonSchemaOptions OPTIONS = new JsonSchemaOptions().setDraft(Draft.DRAFT202012)
      .setBaseUri("https://catwalk.invalid/config-schema").setOutputFormat(io.vertx.json.schema.OutputFormat.Basic);

  /**
   * Checks a configuration schema given at creation.
   *
   * @throws ApiException 400 when it is not a usable object schema of environment variables
   */
  public static JsonObject checkSchema(JsonObject schema) {
    if (schema == null) {
      return null;
    }
    Object type = schema.getValue("type");
    if (type != null && !"object".equals(type)) {
      throw new BadRequestException("configSchema.type: must be \"object\"");
    }
    Object declared = schema.getValue("properties", new JsonObject());
    if (!(declared instanceof JsonObject properties)) {
      throw new BadRequestException("configSchema.properties", "must be an object");
    }
    for (String name : properties.fieldNames()) {
      if (!ENV_NAME.matcher(name).matches()) {
        throw new BadRequestException("configSchema.properties: '" + Validation.printable(name)
            + "' is not a valid environment variable name");
      }
      if (!(properties.getValue(name) instanceof JsonObject)) {
        throw new BadRequestException("configSchema.properties." + name + ": must be a schema object");
      }
    }
    try {
      Validator.create(JsonSchema.of(schema.copy()), OPTIONS).validate(new JsonObject());
    } catch (SchemaException | IllegalArgumentException e) {
      throw new BadRequestException("configSchema: not a valid JSON Schema");
    }
    return schema;
  }

  /**
   * Validates {@code values} against {@code schema} (or, without one, takes them all as secrets).
   *
   * @throws ApiException 400 listing every value that is wrong, by name, never by value
   */
  public static DeploymentConfig validate(JsonObject schema, JsonObject values) {
    JsonObject config = values == null ? new JsonObject() : values;
    for (String name : config.fieldNames()) {
      if (!ENV_NAME.matcher(name).matches()) {
        throw new BadRequestException("config: '" + Validation.printable(name) + "' is not a valid variable name");
      }
      Object value = config.getValue(name);
      if (value instanceof String text && text.length() > MAX_VALUE_LENGTH) {
        throw new BadRequestException("config." + name + ": longer than " + MAX_VALUE_LENGTH + " characters");
      }
    }
    if (schema == null) {
      return withoutSchema(config);
    }
    JsonObject properties = schema.getJsonObject("properties", new JsonObject());
    dev.catwalk.error.Validation.rejectUnknownFields(config, "config", properties.fieldNames());
    OutputUnit result = Validator.create(JsonSchema.of(schema.copy()), OPTIONS).validate(config);
    if (!Boolean.TRUE.equals(result.getValid())) {
      throw new BadRequestException(describe(result, properties));
    }
    JsonObject plain = new JsonObject();
    Map<String, String> secrets = new LinkedHashMap<>();
    for (String name : config.fieldNames()) {
      Object value = config.getValue(name);
      if (value == null) {
        continue;
      }
      if (isSecret(properties, name)) {
        secrets.put(name, asEnvValue(value));
      } else {
        plain.put(name, value);
      }
    }
    return new DeploymentConfig(plain, secrets);
  }

  /** Whether {@code name} is a secret in {@code schema} (every variable is, without a schema). */
  public static boolean isSecret(JsonObject schema, String name) {
    if (schema == null) {
      return true;
    }
    JsonObject properties = schema.containsKey("properties") ? schema.getJsonObject("properties") : schema;
    JsonObject property = properties.getJsonObject(name);
    return property != null && Boolean.TRUE.equals(property.getValue("writeOnly"));
  }

  /** A JSON value as an environment variable value (strings as they are, other JSON encoded). */
  public static String asEnvValue(Object value) {
    if (value instanceof String text) {
      return text;
    }
    if (value instanceof JsonObject object) {
      return object.encode();
    }
    if (value instanceof io.vertx.core.json.JsonArray array) {
      return array.encode();
    }
    return String.valueOf(value);
  }

  private static DeploymentConfig withoutSchema(JsonObject config) {
    Map<String, String> secrets = new LinkedHashMap<>();
    for (String name : config.fieldNames()) {
      Object value = config.getValue(name);
      if (value instanceof JsonObject || value instanceof io.vertx.core.json.JsonArray) {
        throw new BadRequestException("config." + name + ": must be a string, number or boolean without a configSchema");
      }
      if (value != null) {
        secrets.put(name, asEnvValue(value));
      }
    }
    return new DeploymentConfig(new JsonObject(), secrets);
  }

  private static String describe(OutputUnit result, JsonObject properties) {
    List<String> problems = new ArrayList<>();
    collect(result, problems, properties);
    return problems.isEmpty() ? "config: does not match the configSchema" : String.join("; ", new TreeSet<>(problems));
  }

  private static void collect(OutputUnit unit, List<String> problems, JsonObject properties) {
    if (unit.getErrors() != null && !unit.getErrors().isEmpty()) {
      unit.getErrors().forEach(error -> collect(error, problems, properties));
      return;
    }
    if (unit.getError() == null) {
      return;
    }
    String location = unit.getInstanceLocation() == null ? "" : unit.getInstanceLocation();
    String name = location.replaceFirst("^#?/?", "");
    String keyword = unit.getKeywordLocation() == null ? "" : unit.getKeywordLocation();
    String rule = keyword.substring(keyword.lastIndexOf('/') + 1);
    if (rule.equals("properties")) {
      return; // the property's own rule is reported
    }
    if (rule.equals("required")) {
      missing(unit.getError(), properties).forEach(variable -> problems.add("config." + variable + ": required"));
    } else if (!name.isEmpty()) {
      problems.add("config." + name + ": " + rule(properties.getJsonObject(name), rule));
    } else {
      problems.add("config: violates '" + rule + "'");
    }
  }

  private static List<String> missing(String error, JsonObject properties) {
    List<String> names = new ArrayList<>();
    for (String name : properties.fieldNames()) {
      if (error.contains("'" + name + "'") || error.contains("\"" + name + "\"") || error.contains(name)) {
        names.add(name);
      }
    }
    return names;
  }

  /** The broken rule, said with the schema's own values (the allowed ones, the pattern), never the value given. */
  private static String rule(JsonObject property, String rule) {
    if (property == null) {
      return "violates '" + rule + "'";
    }
    return switch (rule) {
      case "type" -> "must be of type " + property.getValue("type");
      case "enum" -> dev.catwalk.error.Validation.oneOf(property.getJsonArray("enum").getList());
      case "const" -> dev.catwalk.error.Validation.oneOf(List.of(property.getValue("const")));
      case "pattern" -> "must match the pattern " + property.getString("pattern");
      case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength" ->
          "violates '" + rule + "' (" + property.getValue(rule) + ")";
      default -> "violates '" + rule + "'";
    };
  }
}
