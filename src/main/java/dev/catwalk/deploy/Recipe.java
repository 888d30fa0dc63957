package dev.catwalk.deploy;

import dev.catwalk.error.ApiException;
import dev.catwalk.error.BadRequestException;
import dev.catwalk.error.Validation;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How to run an MCP server: {@code {runtime, package, version, command, args, transport, url, headers}}.
 * <ul>
 *   <li>{@code npm}: {@code npx -y package@version args…}</li>
 *   <li>{@code pypi}: {@code uvx package==version args…}</li>
 *   <li>{@code oci}: {@code docker run -i --rm -e NAME… image:version args…}</li>
 *   <li>{@code command}: {@code command args…} as given</li>
 *   <li>{@code remote}: an existing Streamable HTTP server at {@code url}; {@code headers} are sent
 *       with every request and may name configuration values as {@code ${NAME}}</li>
 * </ul>
 */
public record Recipe(String runtime, String packageName, String version, String command, List<String> args,
                     String transport, String url, Map<String, String> headers) {

  /** The runtimes Catwalk can run. */
  public static final List<String> RUNTIMES = List.of("npm", "pypi", "oci", "command", "remote");

  private static final Set<String> FIELDS = Set.of("runtime", "package", "version", "command", "args", "transport",
      "url", "headers");
  private static final Pattern PACKAGE = Pattern.compile("^(@[a-z0-9][a-z0-9._~-]*/)?[A-Za-z0-9][A-Za-z0-9._~-]*$");
  private static final Pattern IMAGE = Pattern.compile("^[a-z0-9][a-z0-9._/:@-]{0,254}$");
  private static final Pattern VERSION = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9.+_-]{0,63}$");
  private static final Pattern HEADER_NAME = Pattern.compile("^[A-Za-z0-9-]{1,64}$");
  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");
  private static final int MAX_ARGS = 64;
  private static final int MAX_ARG_LENGTH = 128 * 1024;

  public Recipe {
    args = List.copyOf(args);
    headers = Map.copyOf(headers);
  }

  /**
   * Reads and checks a recipe from a request.
   *
   * @throws ApiException 400 naming what is wrong
   */
  public static Recipe fromJson(JsonObject json) {
    if (json == null) {
      throw bad("recipe: missing");
    }
    dev.catwalk.error.Validation.rejectUnknownFields(json, "recipe", FIELDS);
    String runtime = string(json, "runtime");
    if (runtime == null || !RUNTIMES.contains(runtime)) {
      throw bad("recipe.runtime: " + dev.catwalk.error.Validation.oneOf(RUNTIMES));
    }
    String transport = string(json, "transport");
    String expectedTransport = runtime.equals("remote") ? "streamable-http" : "stdio";
    if (transport != null && !transport.equals(expectedTransport)) {
      throw bad("recipe.transport: a " + runtime + " server is run over " + expectedTransport);
    }
    Recipe recipe = new Recipe(runtime, string(json, "package"), string(json, "version"), string(json, "command"),
        args(json), expectedTransport, string(json, "url"), headers(json));
    recipe.check();
    return recipe;
  }

  /** The recipe as stored and shown. */
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("runtime", runtime).put("transport", transport);
    putIfSet(json, "package", packageName);
    putIfSet(json, "version", version);
    putIfSet(json, "command", command);
    if (!args.isEmpty()) {
      json.put("args", new JsonArray(new ArrayList<>(args)));
    }
    putIfSet(json, "url", url);
    if (!headers.isEmpty()) {
      json.put("headers", new JsonObject(new LinkedHashMap<>(headers)));
    }
    return json;
  }

  /** This recipe at another package version (PATCH). */
  public Recipe withVersion(String otherVersion) {
    Recipe changed = new Recipe(runtime, packageName, otherVersion, command, args, transport, url, headers);
    changed.check();
    return changed;
  }

  /** The program a local backend runs first (what must be installed). */
  public String executable() {
    return switch (runtime) {
      case "npm" -> "npx";
      case "pypi" -> "uvx";
      case "oci" -> "docker";
      case "command" -> command;
      default -> null;
    };
  }

  /**
   * The local command line.
   *
   * @param envNames configuration variables, passed through to a container by name
   */
  public List<String> commandLine(Set<String> envNames) {
    List<String> line = new ArrayList<>();
    switch (runtime) {
      case "npm" -> line.addAll(List.of("npx", "-y", version == null ? packageName : packageName + "@" + version));
      case "pypi" -> line.addAll(List.of("uvx", version == null ? packageName : packageName + "==" + version));
      case "oci" -> {
        line.addAll(List.of("docker", "run", "-i", "--rm"));
        envNames.stream().sorted().forEach(name -> line.addAll(List.of("-e", name)));
        line.add(version == null ? packageName : packageName + ":" + version);
      }
      case "command" -> line.add(command);
      default -> throw new IllegalStateException("a " + runtime + " server has no command line");
    }
    line.addAll(args);
    return line;
  }

  /** The headers of a remote server with {@code ${NAME}} replaced by configuration values (missing ones become empty). */
  public Map<String, String> resolvedHeaders(Map<String, String> values) {
    Map<String, String> resolved = new LinkedHashMap<>();
    headers.forEach((name, value) -> resolved.put(name, substitute(value, values)));
    return resolved;
  }

  /** Configuration variable names the headers refer to. */
  public Set<String> headerVariables() {
    Set<String> names = new java.util.TreeSet<>();
    headers.values().forEach(value -> PLACEHOLDER.matcher(value).results().forEach(m -> names.add(m.group(1))));
    return names;
  }

  private static String substitute(String template, Map<String, String> values) {
    Matcher matcher = PLACEHOLDER.matcher(template);
    StringBuilder out = new StringBuilder();
    while (matcher.find()) {
      matcher.appendReplacement(out, Matcher.quoteReplacement(values.getOrDefault(matcher.group(1), "")));
    }
    matcher.appendTail(out);
    return out.toString();
  }

  private void check() {
    switch (runtime) {
      case "npm", "pypi" -> {
        require(packageName, "package");
        if (!PACKAGE.matcher(packageName).matches()) {
          throw bad("recipe.package: '" + Validation.printable(packageName) + "' is not a valid package name");
        }
      }
      case "oci" -> {
        require(packageName, "package");
        if (!IMAGE.matcher(packageName).matches()) {
          throw bad("recipe.package: '" + Validation.printable(packageName) + "' is not a valid image reference");
        }
      }
      case "command" -> {
        require(command, "command");
        if (command.isBlank() || command.length() > MAX_ARG_LENGTH || command.indexOf('\0') >= 0) {
          throw bad("recipe.command: not a usable program name");
        }
      }
      default -> checkRemote();
    }
    boolean packaged = List.of("npm", "pypi", "oci").contains(runtime);
    if (packaged && command != null) {
      throw bad("recipe.command: a " + runtime + " server is named by its package; pass options in args");
    }
    if (!packaged && (packageName != null || version != null)) {
      throw bad("recipe.package and recipe.version belong to npm, pypi and oci servers");
    }
    if (version != null && !VERSION.matcher(version).matches()) {
      throw bad("recipe.version: '" + Validation.printable(version) + "' is not a valid version");
    }
    if (!runtime.equals("remote") && (url != null || !headers.isEmpty())) {
      throw bad("recipe.url and recipe.headers belong to remote servers only");
    }
  }

  private void checkRemote() {
    require(url, "url");
    URI uri;
    try {
      uri = new URI(url);
    } catch (java.net.URISyntaxException e) {
      throw bad("recipe.url: not a URL");
    }
    if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null
        || uri.getUserInfo() != null) {
      throw bad("recipe.url: must be an http(s) URL with a host and no user info");
    }
    if (command != null || !args.isEmpty()) {
      throw bad("recipe: a remote server has a url, not a command or args");
    }
    headers.forEach((name, value) -> {
      if (!HEADER_NAME.matcher(name).matches() || value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
        throw bad("recipe.headers: '" + Validation.printable(name) + "' is not a valid header");
      }
    });
  }

  private static void require(String value, String field) {
    if (value == null || value.isBlank()) {
      throw bad("recipe." + field + ": missing");
    }
  }

  private static String string(JsonObject json, String field) {
    Object value = json.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String text)) {
      throw bad("recipe." + field + ": must be a string");
    }
    return text;
  }

  private static List<String> args(JsonObject json) {
    Object value = json.getValue("args");
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof JsonArray array) || array.size() > MAX_ARGS) {
      throw bad("recipe.args: must be an array of at most " + MAX_ARGS + " strings");
    }
    List<String> args = new ArrayList<>();
    for (Object arg : array) {
      if (!(arg instanceof String text) || text.length() > MAX_ARG_LENGTH || text.indexOf('\0') >= 0) {
        throw bad("recipe.args: must be an array of strings");
      }
      args.add(text);
    }
    return args;
  }

  private static Map<String, String> headers(JsonObject json) {
    Object value = json.getValue("headers");
    if (value == null) {
      return Map.of();
    }
    if (!(value instanceof JsonObject object)) {
      throw bad("recipe.headers: must be an object of strings");
    }
    Map<String, String> headers = new LinkedHashMap<>();
    object.forEach(entry -> {
      if (!(entry.getValue() instanceof String text)) {
        throw bad("recipe.headers." + Validation.printable(entry.getKey()) + ": must be a string");
      }
      headers.put(entry.getKey(), text);
    });
    return headers;
  }

  private static void putIfSet(JsonObject json, String field, String value) {
    if (value != null) {
      json.put(field, value);
    }
  }

  private static ApiException bad(String message) {
    return new BadRequestException(message);
  }
}
