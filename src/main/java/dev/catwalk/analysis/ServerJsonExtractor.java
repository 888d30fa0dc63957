package dev.catwalk.analysis;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * MCP Registry {@code server.json}, every published schema version: the camelCase fields of
 * 2025-09-16 and later and the snake_case ones of 2025-07-09 (with {@code version_detail} and
 * {@code transport_type} of early drafts). Reads packages (npm, pypi, oci; others are reported),
 * their arguments and environment variables, and remotes with their headers.
 */
public final class ServerJsonExtractor {

  private static final List<String> PREFERRED = List.of("npm", "pypi", "oci");
  private static final Pattern TOKEN = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_.-]*)}");

  private ServerJsonExtractor() {
  }

  /** Evidence from the file at {@code path}. */
  public static Evidence extract(String path, String text) {
    JsonObject json = LenientJson.object(text);
    List<String> warnings = new ArrayList<>();
    if (json == null) {
      return new Evidence(path, Evidence.SERVER_JSON, null, List.of(), List.of(path + " is not a JSON object"));
    }
    JsonArray packages = LenientJson.array(json, "packages");
    JsonObject chosen = choosePackage(packages, warnings, path);
    if (chosen != null) {
      return fromPackage(path, json, chosen, warnings);
    }
    JsonArray remotes = LenientJson.array(json, "remotes");
    JsonObject remote = chooseRemote(remotes);
    if (remote != null) {
      return fromRemote(path, remote, warnings);
    }
    return new Evidence(path, Evidence.SERVER_JSON, null, List.of(), warnings);
  }

  private static JsonObject choosePackage(JsonArray packages, List<String> warnings, String path) {
    JsonObject best = null;
    int bestRank = Integer.MAX_VALUE;
    for (Object item : packages) {
      if (!(item instanceof JsonObject pkg)) {
        continue;
      }
      String type = registryType(pkg);
      int rank = PREFERRED.indexOf(type);
      if (rank < 0) {
        warnings.add(path + ": " + (type == null ? "a package without registryType" : type + " packages")
            + " cannot be run by Catwalk; skipped");
        continue;
      }
      if (rank < bestRank) {
        best = pkg;
        bestRank = rank;
      }
    }
    return best;
  }

  private static String registryType(JsonObject pkg) {
    String type = LenientJson.string(pkg, "registryType", "registry_type", "registry_name", "registryName");
    if (type == null) {
      return null;
    }
    String lower = type.toLowerCase(Locale.ROOT);
    return lower.equals("docker") || lower.equals("docker-hub") || lower.equals("ghcr") ? "oci" : lower;
  }

  private static Evidence fromPackage(String path, JsonObject server, JsonObject pkg, List<String> warnings) {
    String runtime = registryType(pkg);
    String identifier = LenientJson.string(pkg, "identifier", "name");
    String rawVersion = LenientJson.string(pkg, "version");
    if (rawVersion == null && pkg.getValue("version_detail") instanceof JsonObject detail) {
      rawVersion = detail.getString("version");
    }
    if (rawVersion == null) {
      rawVersion = LenientJson.string(server, "version");
    }
    String version = ExtractionHeuristics.version(rawVersion);
    if (rawVersion != null && version == null) {
      warnings.add(path + ": the version '" + rawVersion + "' is a placeholder; not pinned");
    }
    List<Evidence.Variable> variables = new ArrayList<>();
    for (Object env : LenientJson.array(pkg, "environmentVariables", "environment_variables")) {
      if (env instanceof JsonObject input && ExtractionHeuristics.isEnvName(input.getString("name"))) {
        variables.add(variable(input.getString("name"), input));
      }
    }
    List<String> args = arguments(LenientJson.array(pkg, "packageArguments", "package_arguments"), path, warnings);
    if (runtime.equals("oci")) {
      dockerEnvironment(LenientJson.array(pkg, "runtimeArguments", "runtime_arguments"), variables);
      if (identifier != null && identifier.lastIndexOf(':') > identifier.lastIndexOf('/') && !identifier.contains("@")) {
        String tag = identifier.substring(identifier.lastIndexOf(':') + 1);
        identifier = identifier.substring(0, identifier.lastIndexOf(':'));
        version = version == null ? ExtractionHeuristics.version(tag) : version;
      }
    }
    String transport = transportType(pkg);
    if (!"stdio".equals(transport)) {
      warnings.add(path + ": the " + runtime + " package serves " + transport + "; Catwalk runs packages over stdio");
    }
    Evidence.Hint hint = new Evidence.Hint(runtime, identifier, version, null, args, transport, null, null);
    return new Evidence(path, Evidence.SERVER_JSON, hint, variables, warnings);
  }

  private static String transportType(JsonObject holder) {
    Object transport = holder.getValue("transport");
    if (transport instanceof JsonObject object && object.getString("type") != null) {
      return object.getString("type");
    }
    String legacy = LenientJson.string(holder, "transport_type", "transportType", "type");
    return legacy == null ? "stdio" : legacy;
  }

  private static List<String> arguments(JsonArray arguments, String path, List<String> warnings) {
    List<String> args = new ArrayList<>();
    for (Object item : arguments) {
      if (!(item instanceof JsonObject argument)) {
        continue;
      }
      String value = LenientJson.string(argument, "value", "default");
      boolean fixed = value != null && !TOKEN.matcher(value).find();
      if ("named".equals(argument.getString("type"))) {
        if (value == null && LenientJson.string(argument, "valueHint", "value_hint") == null
            && !Boolean.TRUE.equals(LenientJson.bool(argument, "isRequired", "is_required"))) {
          args.add(argument.getString("name"));
        } else if (fixed) {
          args.add(argument.getString("name"));
          args.add(value);
        } else {
          warnings.add(path + ": argument " + argument.getString("name") + " takes user input; left out of the recipe");
        }
      } else if (fixed) {
        args.add(value);
      } else {
        String hint = LenientJson.string(argument, "valueHint", "value_hint");
        warnings.add(path + ": positional argument " + (hint == null ? "" : "'" + hint + "' ")
            + "takes user input; left out of the recipe");
      }
    }
    return args;
  }

  private static void dockerEnvironment(JsonArray runtimeArguments, List<Evidence.Variable> variables) {
    for (Object item : runtimeArguments) {
      if (item instanceof JsonObject argument && "named".equals(argument.getString("type"))
          && List.of("-e", "--env").contains(argument.getString("name"))) {
        String value = LenientJson.string(argument, "value", "default");
        if (value == null || value.indexOf('=') < 0) {
          continue;
        }
        String name = value.substring(0, value.indexOf('='));
        Matcher token = TOKEN.matcher(value.substring(value.indexOf('=') + 1));
        JsonObject input = token.find() ? LenientJson.object(argument, "variables").getJsonObject(token.group(1)) : null;
        if (ExtractionHeuristics.isEnvName(name) && variables.stream().noneMatch(v -> v.name().equals(name))) {
          variables.add(variable(name, input == null ? argument : input));
        }
      }
    }
  }

  private static JsonObject chooseRemote(JsonArray remotes) {
    JsonObject fallback = null;
    for (Object item : remotes) {
      if (item instanceof JsonObject remote && remote.getString("url") != null) {
        if ("streamable-http".equals(transportType(remote))) {
          return remote;
        }
        fallback = fallback == null ? remote : fallback;
      }
    }
    return fallback;
  }

  private static Evidence fromRemote(String path, JsonObject remote, List<String> warnings) {
    List<Evidence.Variable> variables = new ArrayList<>();
    Map<String, String> headers = new LinkedHashMap<>();
    for (Object item : LenientJson.array(remote, "headers")) {
      if (!(item instanceof JsonObject header) || header.getString("name") == null) {
        continue;
      }
      String headerName = header.getString("name");
      String value = header.getString("value");
      if (value != null && !TOKEN.matcher(value).find() && !ExtractionHeuristics.isPlaceholder(value)) {
        headers.put(headerName, value);
        continue;
      }
      String envName = ExtractionHeuristics.envName(headerName);
      String template = "${" + envName + "}";
      if (value != null && TOKEN.matcher(value).find()) {
        Matcher token = TOKEN.matcher(value);
        token.find();
        template = value.substring(0, token.start()) + "${" + envName + "}" + value.substring(token.end());
      }
      headers.put(headerName, template);
      variables.add(variable(envName, header));
    }
    String url = remote.getString("url");
    for (Map.Entry<String, Object> entry : LenientJson.object(remote, "variables")) {
      if (entry.getValue() instanceof JsonObject input) {
        warnings.add(path + ": the remote URL takes the variable {" + entry.getKey() + "}; fill it in the URL");
        if (input.getValue("default") instanceof String fallback) {
          url = url.replace("{" + entry.getKey() + "}", fallback);
        }
      }
    }
    Evidence.Hint hint = new Evidence.Hint("remote", null, null, null, List.of(), transportType(remote), url, headers);
    return new Evidence(path, Evidence.SERVER_JSON, hint, variables, warnings);
  }

  private static Evidence.Variable variable(String name, JsonObject input) {
    List<String> choices = null;
    JsonArray listed = LenientJson.array(input, "choices");
    if (!listed.isEmpty()) {
      choices = listed.stream().map(String::valueOf).toList();
    }
    Object fallback = input.getValue("default");
    if (fallback instanceof String text && ExtractionHeuristics.isPlaceholder(text)) {
      fallback = null;
    }
    return new Evidence.Variable(name, null, LenientJson.string(input, "description"), ExtractionHeuristics.type(input.getString("format")),
        fallback, choices, LenientJson.bool(input, "isRequired", "is_required"), LenientJson.bool(input, "isSecret", "is_secret"));
  }
}
