package dev.catwalk.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code package.json} and {@code pyproject.toml}: they name the published package and its
 * command. A private package, or one without a command, names nothing runnable. Go servers
 * published on npm carry their wrapper packages under {@code npm/NAME/package.json}; the one
 * without {@code os}/{@code cpu} restrictions is the package to run.
 */
public final class PackageExtractor {

  private static final TomlMapper TOML = new TomlMapper();

  private PackageExtractor() {
  }

  /** Evidence from a {@code package.json}, or null when it names no runnable package. */
  public static Evidence packageJson(String path, String text) {
    JsonObject json = LenientJson.object(text);
    if (json == null || json.getString("name") == null) {
      return null;
    }
    List<String> warnings = new ArrayList<>();
    String name = json.getString("name");
    if (Boolean.TRUE.equals(json.getValue("private")) || json.containsKey("workspaces")) {
      return null;
    }
    if (json.containsKey("os") || json.containsKey("cpu")) {
      return null;
    }
    List<String> bins = new ArrayList<>();
    Object bin = json.getValue("bin");
    if (bin instanceof String) {
      bins.add(CommandLines.unscoped(name));
    } else if (bin instanceof JsonObject map) {
      bins.addAll(map.fieldNames());
    }
    if (bins.isEmpty() && json.getString("mcpName") == null) {
      return null;
    }
    String version = ExtractionHeuristics.version(json.getString("version"));
    Evidence.Hint hint;
    if (bins.size() > 1 && !bins.contains(CommandLines.unscoped(name))) {
      String chosen = bins.getFirst();
      warnings.add(path + ": several commands (" + String.join(", ", bins) + ") and none named like the package;"
          + " using " + chosen);
      hint = new Evidence.Hint("command", name, version, "npx",
          List.of("-y", "-p", version == null ? name : name + "@" + version, chosen), "stdio", null, null);
    } else {
      hint = Evidence.Hint.pkg("npm", name, version, List.of());
    }
    return new Evidence(path, Evidence.PACKAGE, hint, List.of(), warnings);
  }

  /** Evidence from a {@code pyproject.toml}, or null when it names no project. */
  public static Evidence pyproject(String path, String text) {
    JsonNode root;
    try {
      root = TOML.readTree(text);
    } catch (IOException e) {
      return new Evidence(path, Evidence.PACKAGE, null, List.of(), List.of(path + " is not valid TOML"));
    }
    JsonNode project = root.path("project");
    String name = project.path("name").asText(null);
    if (name == null) {
      return null;
    }
    List<String> scripts = new ArrayList<>();
    for (Map.Entry<String, JsonNode> script : project.path("scripts").properties()) {
      scripts.add(script.getKey());
    }
    if (scripts.isEmpty()) {
      return new Evidence(path, Evidence.PACKAGE, null, List.of(),
          List.of(path + ": the project '" + name + "' declares no [project.scripts]; uvx cannot run it"));
    }
    String version = ExtractionHeuristics.version(project.path("version").asText(null));
    String normalized = name.toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    if (scripts.stream().anyMatch(s -> s.toLowerCase(java.util.Locale.ROOT).replace('_', '-').equals(normalized))) {
      return Evidence.of(path, Evidence.PACKAGE, Evidence.Hint.pkg("pypi", name, version, List.of()), List.of());
    }
    String script = scripts.getFirst();
    return Evidence.of(path, Evidence.PACKAGE, new Evidence.Hint("command", name, version, "uvx",
        List.of("--from", version == null ? name : name + "==" + version, script), "stdio", null, null), List.of());
  }
}
