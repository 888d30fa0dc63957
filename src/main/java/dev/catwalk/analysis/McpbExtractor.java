package dev.catwalk.analysis;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * MCP Bundle {@code manifest.json} (ex-DXT, manifest versions 0.1 to 0.4 and 1.0): the
 * {@code server.mcp_config} command and its {@code env}, whose {@code ${user_config.key}} values
 * name the {@code user_config} entries (title, description, type, required, default, sensitive).
 */
public final class McpbExtractor {

  private static final Pattern USER_CONFIG = Pattern.compile("\\$\\{user_config\\.([A-Za-z0-9_.-]+)}");

  private McpbExtractor() {
  }

  /** Whether the JSON is an MCPB manifest (not some other manifest.json). */
  public static boolean isManifest(JsonObject json) {
    return json != null && json.getValue("server") instanceof JsonObject
        && (json.containsKey("manifest_version") || json.containsKey("dxt_version") || json.containsKey("user_config"));
  }

  /** Evidence from the manifest at {@code path}, or null when it is not an MCPB manifest. */
  public static Evidence extract(String path, String text) {
    JsonObject json = LenientJson.object(text);
    if (!isManifest(json)) {
      return null;
    }
    JsonObject server = json.getJsonObject("server");
    JsonObject config = LenientJson.object(server, "mcp_config");
    JsonObject userConfig = LenientJson.object(json, "user_config");
    List<String> args = new ArrayList<>();
    for (Object arg : LenientJson.array(config, "args")) {
      args.add(String.valueOf(arg));
    }
    List<String> warnings = new ArrayList<>();
    Evidence.Hint hint = CommandLines.interpret(config.getString("command"), args).hint();
    if (hint != null && args.stream().anyMatch(a -> a.contains("${"))) {
      warnings.add(path + ": the bundle's arguments refer to its own files or user_config; not used as a recipe");
      hint = null;
    }
    List<Evidence.Variable> variables = new ArrayList<>();
    for (Map.Entry<String, Object> env : LenientJson.object(config, "env")) {
      if (!ExtractionHeuristics.isEnvName(env.getKey())) {
        continue;
      }
      String value = String.valueOf(env.getValue());
      Matcher ref = USER_CONFIG.matcher(value);
      if (ref.find() && userConfig.getValue(ref.group(1)) instanceof JsonObject option) {
        variables.add(fromOption(env.getKey(), option));
      } else if (!ExtractionHeuristics.isPlaceholder(value)) {
        variables.add(Evidence.Variable.named(env.getKey()).with(false, value));
      } else {
        variables.add(Evidence.Variable.named(env.getKey()));
      }
    }
    return new Evidence(path, Evidence.MCPB, hint, variables, warnings);
  }

  private static Evidence.Variable fromOption(String name, JsonObject option) {
    String type = switch (String.valueOf(option.getValue("type"))) {
      case "number" -> "number";
      case "boolean" -> "boolean";
      default -> "string";
    };
    Object fallback = option.getValue("default");
    if (fallback instanceof String text && (text.contains("${") || ExtractionHeuristics.isPlaceholder(text))
        || fallback instanceof JsonArray || fallback instanceof JsonObject) {
      fallback = null;
    }
    return new Evidence.Variable(name, option.getString("title"), option.getString("description"), type, fallback,
        null, LenientJson.bool(option, "required"), LenientJson.bool(option, "sensitive"));
  }
}
