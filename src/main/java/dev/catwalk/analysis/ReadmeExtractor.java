package dev.catwalk.analysis;

import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * README client configuration: fenced code blocks holding {@code mcpServers} (Claude Desktop,
 * Cursor...), VS Code {@code servers} with {@code inputs} ({@code password: true} marks a secret),
 * a bare server object or a map of named ones, remote {@code url} forms, and Markdown tables of variables
 * ({@code | `NAME` | required | description |}). Weaker evidence than structured metadata.
 */
public final class ReadmeExtractor {

  private static final Pattern FENCE = Pattern.compile("(?m)^\\s*(```|~~~)[^\\n]*\\n(.*?)^\\s*\\1", Pattern.DOTALL);
  private static final Pattern INPUT = Pattern.compile("\\$\\{input:([^}]+)}");
  private static final Pattern TABLE_NAME = Pattern.compile("^`?([A-Z][A-Z0-9_]{2,})`?$");
  private static final Pattern OPTIONAL = Pattern.compile("\\boptional(ly)?\\b|\\bif you (want|need|use)\\b|\\bnot required\\b");
  private static final Pattern PROSE_NAME = Pattern.compile("`([A-Z][A-Z0-9_]{2,})`");
  private static final Pattern INSTALL = Pattern.compile("(?m)\\b(?:(npm) (?:i|install) (?:-g|--global)|(pipx install|uv tool install))"
      + "\\s+((?:@[a-z0-9._-]+/)?[A-Za-z0-9._-]+(?:@[0-9][A-Za-z0-9.+-]*|==[0-9][A-Za-z0-9.+-]*)?)\\b");
  private static final Pattern LEADING_NAME = Pattern.compile("^`([A-Z][A-Z0-9_]{2,})`");
  private static final Pattern ENV_NOTE = Pattern.compile("(?i)\\benv\\W{0,6}`([A-Z][A-Z0-9_]{2,})`");
  private static final Pattern ENV_WORD = Pattern.compile("(?i)\\benv(ironment)?\\b|\\benv var");
  private static final Pattern SHELL_ASSIGNMENT = Pattern.compile(
      "(?m)^\\s*(?:export\\s+)?([A-Z][A-Z0-9_]{2,})=(\"[^\"\\n]*\"|'[^'\\n]*'|\\S*)|\\s-e\\s+([A-Z][A-Z0-9_]{2,})(?:=(\"[^\"\\n]*\"|\\S*))?");
  private static final Pattern PLACEHOLDER_NAME = Pattern.compile("^(YOUR|PUT|PASTE|REPLACE|INSERT|MY)_|_HERE$");
  private static final List<String> RUNTIME_PREFERENCE = List.of("npm", "pypi", "oci", "remote", "command");

  private ReadmeExtractor() {
  }

  /** Evidence from the README at {@code path}: one per usable snippet (preferred first), variables on the first. */
  public static List<Evidence> extract(String path, String text) {
    List<Evidence.Hint> hints = new ArrayList<>();
    Map<String, Evidence.Variable> variables = new LinkedHashMap<>();
    List<Set<String>> envSets = new ArrayList<>();
    Matcher fence = FENCE.matcher(text);
    while (fence.find()) {
      JsonObject block = parse(fence.group(2));
      if (block != null) {
        readBlock(block, hints, variables, envSets);
      }
    }
    keepRequiredOnlyInEverySnippet(variables, envSets);
    readTables(text, variables);
    readShellAndProse(text, variables);
    readProse(text, variables);
    if (hints.isEmpty()) {
      hints.addAll(installs(text));
    }
    hints.sort(Comparator.comparingInt(h -> RUNTIME_PREFERENCE.indexOf(h.runtime())));
    List<Evidence> evidence = new ArrayList<>();
    evidence.add(Evidence.of(path, Evidence.README, hints.isEmpty() ? null : hints.getFirst(),
        new ArrayList<>(variables.values())));
    for (Evidence.Hint other : hints.subList(Math.min(1, hints.size()), hints.size())) {
      evidence.add(Evidence.of(path, Evidence.README, other, List.of()));
    }
    return evidence;
  }

  /** Global installs in shell snippets ({@code npm install -g pkg}, {@code pipx install pkg}...), when no snippet says how to run. */
  private static List<Evidence.Hint> installs(String text) {
    List<Evidence.Hint> found = new ArrayList<>();
    Matcher fence = FENCE.matcher(text);
    while (fence.find()) {
      Matcher install = INSTALL.matcher(fence.group(2));
      while (install.find()) {
        String spec = install.group(3);
        boolean npm = install.group(1) != null;
        int at = npm ? spec.lastIndexOf('@') : spec.indexOf("==");
        String name = at > 0 ? spec.substring(0, at) : spec;
        String version = at > 0 ? Values.version(spec.substring(at + (npm ? 1 : 2))) : null;
        found.add(Evidence.Hint.pkg(npm ? "npm" : "pypi", name, version, List.of()));
      }
    }
    return found;
  }

  private static JsonObject parse(String block) {
    JsonObject json = Json.object(block);
    if (json == null && block.strip().startsWith("\"")) {
      json = Json.object("{" + block + "}");
    }
    return json;
  }

  /**
   * A variable that only some of the README's client snippets set is one of several alternatives
   * (or an optional extra), not something the server needs: only variables every snippet sets stay required.
   */
  private static void keepRequiredOnlyInEverySnippet(Map<String, Evidence.Variable> variables,
                                                     List<Set<String>> envSets) {
    if (envSets.size() < 2) {
      return;
    }
    variables.replaceAll((name, variable) -> Boolean.TRUE.equals(variable.required())
        && envSets.stream().anyMatch(set -> !set.contains(name)) ? variable.with(null, variable.defaultValue()) : variable);
  }

  /** Prose that names a variable and calls it optional (outside code blocks) makes it optional. */
  private static void readProse(String text, Map<String, Evidence.Variable> variables) {
    String prose = FENCE.matcher(text).replaceAll("");
    for (String line : prose.split("\\R")) {
      String lower = line.toLowerCase(Locale.ROOT);
      if (!OPTIONAL.matcher(lower).find() || line.strip().startsWith("|")) {
        continue;
      }
      Matcher name = PROSE_NAME.matcher(line);
      while (name.find()) {
        Evidence.Variable variable = variables.get(name.group(1));
        if (variable != null && !Boolean.FALSE.equals(variable.required())) {
          variables.put(variable.name(), variable.with(false, variable.defaultValue()));
        }
      }
    }
  }

  private static void readBlock(JsonObject block, List<Evidence.Hint> hints, Map<String, Evidence.Variable> variables,
                                List<Set<String>> envSets) {
    JsonObject mcp = Json.object(block, "mcp");
    JsonObject servers = firstObject(block.getValue("mcpServers"), block.getValue("servers"),
        mcp.getValue("servers"), block.getValue("context_servers"));
    Map<String, JsonObject> inputs = inputs(block, mcp);
    if (servers == null && (block.containsKey("command") || block.containsKey("url"))) {
      servers = new JsonObject().put("server", block);
    }
    if (servers == null && !block.isEmpty() && block.stream().allMatch(entry -> entry.getValue() instanceof JsonObject server
        && (server.containsKey("command") || server.containsKey("url")))) {
      servers = block;
    }
    if (servers == null) {
      return;
    }
    for (Map.Entry<String, Object> entry : servers) {
      if (entry.getValue() instanceof JsonObject server) {
        Set<String> names = readServer(server, inputs, hints, variables);
        if (names.stream().anyMatch(name -> !Values.isTransportSetting(name))) {
          envSets.add(names);
        }
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

  private static Set<String> readServer(JsonObject server, Map<String, JsonObject> inputs, List<Evidence.Hint> hints,
                                        Map<String, Evidence.Variable> variables) {
    Set<String> names = new HashSet<>();
    String url = Json.string(server, "url", "httpUrl", "serverUrl");
    if (url != null && server.getString("command") == null) {
      String type = server.getString("type");
      String transport = "sse".equals(type) || url.endsWith("/sse") ? "sse" : "streamable-http";
      hints.add(new Evidence.Hint("remote", null, null, null, List.of(), transport, url, Map.of()));
      return names;
    }
    List<String> args = new ArrayList<>();
    Json.array(server, "args").forEach(arg -> args.add(String.valueOf(arg)));
    CommandLines.Interpreted interpreted = CommandLines.interpret(server.getString("command"), args);
    if (interpreted.hint() != null) {
      hints.add(interpreted.hint());
    }
    interpreted.variables().forEach(v -> {
      variables.merge(v.name(), v, ReadmeExtractor::prefer);
      names.add(v.name());
    });
    for (Map.Entry<String, Object> env : Json.object(server, "env")) {
      if (Values.isEnvName(env.getKey())) {
        Evidence.Variable variable = envVariable(env.getKey(), String.valueOf(env.getValue()), inputs);
        variables.merge(env.getKey(), variable, ReadmeExtractor::prefer);
        names.add(env.getKey());
      }
    }
    return names;
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
      String name = tableName(cells);
      if (name != null) {
        variables.merge(name, tableRow(name, header, cells), ReadmeExtractor::prefer);
      }
    }
  }

  /** The variable a table row documents: its first cell ({@code `NAME`}, {@code `NAME` / `--flag`}), or an {@code env `NAME`} note. */
  private static String tableName(List<String> cells) {
    if (cells.isEmpty()) {
      return null;
    }
    Matcher whole = TABLE_NAME.matcher(cells.getFirst());
    if (whole.matches()) {
      return whole.group(1);
    }
    Matcher leading = LEADING_NAME.matcher(cells.getFirst());
    if (leading.find() && isConfigName(leading.group(1))) {
      return leading.group(1);
    }
    for (String cell : cells) {
      Matcher note = ENV_NOTE.matcher(cell);
      if (note.find() && isConfigName(note.group(1))) {
        return note.group(1);
      }
    }
    return null;
  }

  /**
   * Variables set in shell snippets ({@code export NAME=value}, {@code NAME=value \} before a
   * command, {@code docker run -e NAME[=value]}) and named in prose next to the words environment or env.
   */
  private static void readShellAndProse(String text, Map<String, Evidence.Variable> variables) {
    Matcher fence = FENCE.matcher(text);
    while (fence.find()) {
      if (parse(fence.group(2)) != null) {
        continue;
      }
      Matcher assignment = SHELL_ASSIGNMENT.matcher(fence.group(2));
      while (assignment.find()) {
        String name = assignment.group(1) != null ? assignment.group(1) : assignment.group(3);
        String value = assignment.group(1) != null ? assignment.group(2) : assignment.group(4);
        discovered(variables, name, value);
      }
    }
    String prose = FENCE.matcher(text).replaceAll("");
    for (String line : prose.split("\\R")) {
      if (line.strip().startsWith("|") || !ENV_WORD.matcher(line).find()) {
        continue;
      }
      Matcher name = PROSE_NAME.matcher(line);
      while (name.find()) {
        discovered(variables, name.group(1), null);
      }
    }
  }

  private static void discovered(Map<String, Evidence.Variable> variables, String name, String value) {
    if (!isConfigName(name) || variables.containsKey(name)) {
      return;
    }
    String unquoted = value == null ? "" : value.replaceAll("^[\"']|[\"']$", "");
    Evidence.Variable variable = Evidence.Variable.named(name);
    variables.put(name, unquoted.isEmpty() || Values.isPlaceholder(unquoted) || Values.looksSecret(name) ? variable
        : variable.with(null, unquoted));
  }

  /** An environment variable of the server's own, not a placeholder word or build and runtime noise. */
  private static boolean isConfigName(String name) {
    return name.contains("_") && Values.isEnvName(name) && !PLACEHOLDER_NAME.matcher(name).find() && !Dotenv.isNoise(name);
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
