package dev.catwalk.catalog;

import dev.catwalk.error.ApiException;
import dev.catwalk.error.BadRequestException;
import dev.catwalk.deploy.DeploymentConfig;
import dev.catwalk.deploy.Recipe;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a {@link Variant} and the values of its form into what {@code POST /api/deployments} stores:
 * the form's defaults and constants are filled in, the values are checked against the form (the same
 * validation and messages as the Deployments API), argument and URL fields are written into the command
 * line and URL (optional ones left out when not given), headers whose optional field is not given are
 * dropped, and the remaining fields form the deployment's configSchema and configuration.
 */
final class Materializer {

  private static final Pattern HEADER_FIELD = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

  private Materializer() {
  }

  /** The deployment's recipe, configSchema and configuration. */
  record Deployment(JsonObject recipe, JsonObject configSchema, JsonObject config) {
  }

  /**
   * @throws ApiException 400 naming the values that are wrong (never a value)
   */
  static Deployment materialize(Variant variant, JsonObject given) {
    JsonObject values = given == null ? new JsonObject() : given.copy();
    for (Variant.Input input : variant.inputs()) {
      Object fallback = input.property().containsKey("const") ? input.property().getValue("const")
          : input.property().getValue("default");
      if (fallback != null && values.getValue(input.field()) == null) {
        values.put(input.field(), fallback);
      }
    }
    DeploymentConfig.validate(variant.configSchema(), values);
    Map<String, String> text = new LinkedHashMap<>();
    values.forEach(entry -> {
      if (entry.getValue() != null && !"".equals(entry.getValue())) {
        text.put(entry.getKey(), entry.getValue() instanceof JsonArray ? null : DeploymentConfig.asEnvValue(entry.getValue()));
      }
    });
    JsonObject recipe = new JsonObject().put("runtime", variant.runtime());
    putIfSet(recipe, "package", variant.packageName());
    putIfSet(recipe, "version", variant.version());
    putIfSet(recipe, "command", variant.command());
    JsonArray args = new JsonArray();
    variant.args().forEach(arg -> args(arg, values, text).forEach(args::add));
    if (!args.isEmpty()) {
      recipe.put("args", args);
    }
    if (variant.url() != null) {
      Map<String, String> encoded = new LinkedHashMap<>();
      text.forEach((name, value) -> encoded.put(name, value == null ? null : urlPart(value)));
      recipe.put("url", fill(variant.url(), encoded, "the URL"));
    }
    JsonObject headers = new JsonObject();
    variant.headers().forEach((name, value) -> {
      Matcher fields = HEADER_FIELD.matcher(value);
      boolean complete = true;
      while (fields.find()) {
        complete &= variant.input(fields.group(1)) == null || text.containsKey(fields.group(1));
      }
      if (complete) {
        headers.put(name, value);
      }
    });
    if (!headers.isEmpty()) {
      recipe.put("headers", headers);
    }
    Recipe.fromJson(recipe.copy());
    return new Deployment(recipe, schema(variant), config(variant, values, text));
  }

  private static List<String> args(Variant.Arg arg, JsonObject values, Map<String, String> text) {
    List<String> out = new ArrayList<>();
    List<String> fields = arg.fields();
    if (arg.bool()) {
      if (!fields.isEmpty() && Boolean.TRUE.equals(values.getValue(fields.getFirst()))) {
        out.add(arg.flag());
      }
      return out;
    }
    if (arg.repeated() && fields.size() == 1 && values.getValue(fields.getFirst()) instanceof JsonArray items) {
      for (Object item : items) {
        if (arg.flag() != null) {
          out.add(arg.flag());
        }
        Map<String, String> one = new LinkedHashMap<>(text);
        one.put(fields.getFirst(), DeploymentConfig.asEnvValue(item));
        out.add(fill(arg.template(), one, "an argument"));
      }
      return out;
    }
    if (fields.stream().anyMatch(f -> text.get(f) == null)) {
      return out;
    }
    if (arg.flag() != null) {
      out.add(arg.flag());
    }
    if (arg.template() != null) {
      out.add(fill(arg.template(), text, "an argument"));
    }
    return out;
  }

  /** A value as one part of a URL: anything but unreserved characters percent-encoded, so it cannot change the host. */
  private static String urlPart(String value) {
    StringBuilder out = new StringBuilder();
    for (byte b : value.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if (c < 128 && (Character.isLetterOrDigit(c) || "-._~".indexOf(c) >= 0)) {
        out.append(c);
      } else {
        out.append('%').append(String.format("%02X", b & 0xff));
      }
    }
    return out.toString();
  }

  private static String fill(String template, Map<String, String> text, String where) {
    Matcher matcher = Variant.TOKEN.matcher(template);
    StringBuilder out = new StringBuilder();
    while (matcher.find()) {
      String value = text.get(matcher.group(1));
      if (value == null) {
        throw new BadRequestException("config: " + matcher.group(1) + " is needed for " + where);
      }
      matcher.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    matcher.appendTail(out);
    return out.toString();
  }

  private static JsonObject schema(Variant variant) {
    JsonObject properties = new JsonObject();
    JsonArray required = new JsonArray();
    Map<String, List<Variant.Input>> parts = new LinkedHashMap<>();
    for (Variant.Input input : variant.inputs()) {
      if (input.use().equals("part")) {
        parts.computeIfAbsent(input.target(), t -> new ArrayList<>()).add(input);
      } else if (!Variant.Input.BAKED.contains(input.use())) {
        properties.put(input.field(), input.property().copy());
        if (input.required()) {
          required.add(input.field());
        }
      }
    }
    parts.forEach((target, inputs) -> {
      JsonObject property = new JsonObject().put("title", dev.catwalk.analysis.ExtractionHeuristics.title(target))
          .put("description", "Built from " + String.join(", ", inputs.stream().map(Variant.Input::field).toList())
              + " when the deployment was created.").put("type", "string");
      if (inputs.stream().anyMatch(Variant.Input::secret)) {
        property.put("writeOnly", true);
      }
      properties.put(target, property);
      if (inputs.stream().anyMatch(Variant.Input::required)) {
        required.add(target);
      }
    });
    return new JsonObject().put("type", "object").put("properties", properties).put("required", required);
  }

  private static JsonObject config(Variant variant, JsonObject values, Map<String, String> text) {
    JsonObject config = new JsonObject();
    Map<String, String> targets = new LinkedHashMap<>();
    for (Variant.Input input : variant.inputs()) {
      if (input.use().equals("part")) {
        targets.put(input.target(), input.template());
      } else if (!Variant.Input.BAKED.contains(input.use()) && values.getValue(input.field()) != null) {
        config.put(input.field(), values.getValue(input.field()));
      }
    }
    targets.forEach((target, template) -> {
      boolean complete = Variant.TOKEN.matcher(template).results().allMatch(m -> text.get(m.group(1)) != null);
      if (complete) {
        config.put(target, fill(template, text, target));
      }
    });
    return config;
  }

  private static void putIfSet(JsonObject json, String field, String value) {
    if (value != null) {
      json.put(field, value);
    }
  }
}
