package dev.catwalk.analysis;

import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * README client configuration: fenced code blocks holding {@code mcpServers} (Claude Desktop,
 * Cursor...), VS Code {@code servers} with {@code inputs} ({@code password: true} marks a secret),
 * a bare server object, remote {@code url} forms, and Markdown tables of variables
 * ({@code | `NAME` | required | description |}). Weaker evidence than structured metadata.
 */
public final class ReadmeExtractor {

  private static final Pattern FENCE = Pattern.compile("(?m)^\\s*(```|~~~)[^\\n]*\\n(.*?)^\\s*\\1", Pattern.DOTALL);
  private static final Pattern INPUT = Pattern.compile("\\$\\{input:([^}]+)}");
  private static final Pattern TABLE_NAME = Pattern.compile("^`?([A-Z][A-Z0-9_]{2,})`?$");
  private static final List<String> RUNTIME_PREFERENCE = List.of("npm", "pypi", "oci", "remote", "command");

  private ReadmeExtractor() {
  }

  /** Evidence from the README at {@code path}: one per usable snippet (preferred first), variables on the first. */
  public static List<Evidence> extract(String path, String text) {
    List<Evidence.Hint> hints = new ArrayList<>();
    Map<String, Evidence.Variable> variables = new LinkedHashMap<>();
    Matcher fence = FENCE.matcher(text);
    while (fence.find()) {
      JsonObject block = parse(fence.group(2));
      if (block != null) {
        readBlock(block, hints, variables);
      }
    }
    readTables(text, variables);
    hints.sort(Comparator.comparingInt(h -> RUNTIME_PREFERENCE.indexOf(h.runtime())));
    List<Evidence> evidence = new ArrayList<>();
    evidence.add(Evidence.of(path, Evidence.README, hints.isEmpty() ? null : hints.getFirst(),
        new ArrayList<>(variables.values())));
    for (Evidence.Hint other : hints.subList(Math.min(1, hints.size()), hints.size())) {
      evidence.add(Evidence.of(path, Evidence.README, other, List.of()));
    }
    return evidence;
  }

  private static JsonObject parse(String block) {
    JsonObject json = Json.object(block);
    if (json == null && block.strip().startsWith("\"")) {
      json = Json.object("{" + block + "}");
    }
    return json;
  }

  private static void readBlock(JsonObject block, List<Evidence.Hint> hints, Map<String, Evidence.Variable> variables) {
    JsonObject mcp = Json.object(block, "mcp");
    JsonObject servers = firstObject(block.getValue("mcpServers"), block.getValue("servers"),
        mcp.getValue("servers"), block.getValue("context_servers"));
    Map<String, JsonObject> inputs = inputs(block, mcp);
    if (servers == null && (block.containsKey("command") || block.containsKey("url"))) {
      servers = new JsonObject().put("server", block);
    }
    if (servers == null) {
      return;
    }
    for (Map.Entry<String, Object> entry : servers) {
      if (entry.getValue() instanceof JsonObject server) {
        readServer(server, inputs, hints, variables);
      }
    }
  }

  private static JsonObject firstObject(Object... candidates) {
    for (Object candidate : candidates) {
      if (candidate instanceof JsonObject object && !object.isEmpty()) {
        return object;
      }
    }
    return null;
  }

  private static Map<String, JsonObject> inputs(JsonObject block, JsonObject mcp) {
    Map<String, JsonObject> inputs = new LinkedHashMap<>();
    for (Object item : Json.array(block.containsKey("inputs") ? block : mcp, "inputs")) {
      if (item instanceof JsonObject input && input.getString("id") != null) {
        inputs.put(input.getString("id"), input);
      }
    }
    return inputs;
  }

  private static void readServer(JsonObject server, Map<String, JsonObject> inputs, List<Evidence.Hint> hints,
                                 Map<String, Evidence.Variable> variables) {
    String url = Json.string(server, "url", "httpUrl", "serverUrl");
    if (url != null && server.getString("command") == null) {
      String type = server.getString("type");
      String transport = "sse".equals(type) || url.endsWith("/sse") ? "sse" : "streamable-http";
      hints.add(new Evidence.Hint("remote", null, null, null, List.of(), transport, url, Map.of()));
      return;
    }
    List<String> args = new ArrayList<>();
    Json.array(server, "args").forEach(arg -> args.add(String.valueOf(arg)));
    CommandLines.Interpreted interpreted = CommandLines.interpret(server.getString("command"), args);
    if (interpreted.hint() != null) {
      hints.add(interpreted.hint());
    }
    interpreted.variables().forEach(v -> variables.merge(v.name(), v, ReadmeExtractor::prefer));
    for (Map.Entry<String, Object> env : Json.object(server, "env")) {
      if (Values.isEnvName(env.getKey())) {
        Evidence.Variable variable = envVariable(env.getKey(), String.valueOf(env.getValue()), inputs);
        variables.merge(env.getKey(), variable, ReadmeExtractor::prefer);
      }
    }
  }

  private static Evidence.Variable envVariable(String name, String value, Map<String, JsonObject> inputs) {
    Matcher input = INPUT.matcher(value);
    if (input.find()) {
      JsonObject described = inputs.getOrDefault(input.group(1), new JsonObject());
      Boolean secret = Boolean.TRUE.equals(described.getValue("password")) ? Boolean.TRUE : null;
      return new Evidence.Variable(name, null, described.getString("description"), null,
          Values.isPlaceholder(described.getString("default")) ? null : described.getString("default"), null, true,
          secret);
    }
    if (Values.isPlaceholder(value) || Values.looksSecret(name)) {
      return Evidence.Variable.named(name).with(true, null);
    }
    return Evidence.Variable.named(name).with(null, value);
  }

  private static Evidence.Variable prefer(Evidence.Variable first, Evidence.Variable second) {
    return new Evidence.Variable(first.name(), first.title() != null ? first.title() : second.title(),
        first.description() != null ? first.description() : second.description(),
        first.type() != null ? first.type() : second.type(),
        first.defaultValue() != null ? first.defaultValue() : second.defaultValue(),
        first.choices() != null ? first.choices() : second.choices(),
        first.required() != null ? first.required() : second.required(),
        first.secret() != null ? first.secret() : second.secret());
  }

  private static void readTables(String text, Map<String, Evidence.Variable> variables) {
    String[] lines = text.split("\\R");
    List<String> header = null;
    for (String line : lines) {
      String trimmed = line.strip();
      if (!trimmed.startsWith("|")) {
        header = null;
        continue;
      }
      List<String> cells = cells(trimmed);
      if (header == null) {
        header = cells.stream().map(c -> c.toLowerCase(Locale.ROOT)).toList();
        continue;
      }
      if (cells.stream().allMatch(c -> c.matches("[:\\- ]*"))) {
        continue;
      }
      Matcher name = TABLE_NAME.matcher(cells.isEmpty() ? "" : cells.getFirst());
      if (name.matches()) {
        variables.merge(name.group(1), tableRow(name.group(1), header, cells), ReadmeExtractor::prefer);
      }
    }
  }

  private static Evidence.Variable tableRow(String name, List<String> header, List<String> cells) {
    String description = null;
    Boolean required = null;
    Object fallback = null;
    for (int i = 1; i < Math.min(header.size(), cells.size()); i++) {
      String column = header.get(i);
      String cell = cells.get(i).replace("`", "").strip();
      if (column.contains("required")) {
        required = yesNo(cell);
      } else if (column.contains("default")) {
        fallback = cell.isEmpty() || cell.equals("-") || cell.equalsIgnoreCase("none") || Values.isPlaceholder(cell)
            ? null : cell;
      } else if (column.contains("description") || column.contains("purpose") || column.contains("meaning")) {
        description = cell;
      }
    }
    if (required == null && description != null) {
      required = Dotenv.requiredFromText(description);
    }
    return new Evidence.Variable(name, null, description, null, fallback, null, required, null);
  }

  private static Boolean yesNo(String cell) {
    String lower = cell.toLowerCase(Locale.ROOT);
    if (lower.startsWith("yes") || lower.equals("true") || lower.contains("✅") || lower.contains("required")) {
      return true;
    }
    if (lower.startsWith("no") || lower.equals("false") || lower.contains("optional") || lower.contains("❌")) {
      return false;
    }
    return null;
  }

  private static List<String> cells(String row) {
    String inner = row.substring(1, row.endsWith("|") && row.length() > 1 ? row.length() - 1 : row.length());
    List<String> cells = new ArrayList<>();
    for (String cell : inner.split("\\|", -1)) {
      cells.add(cell.strip());
    }
    return cells;
  }
}
