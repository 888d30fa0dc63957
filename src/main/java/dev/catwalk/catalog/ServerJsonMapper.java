package dev.catwalk.catalog;

import dev.catwalk.analysis.LenientJson;
import dev.catwalk.analysis.ExtractionHeuristics;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps one row of the MCP Registry API ({@code {server: <server.json>, _meta: {<official block>}}}, or a bare
 * {@code server.json}) to a {@link MappedEntry}: every schema version's field spellings (camelCase, the
 * 2025-07-09 snake_case, {@code version_detail}); each package and remote becomes a {@link Variant}.
 *
 * <ul>
 *   <li>npm: {@code npx -y id@version args}; pypi: {@code uvx id==version args}; with runtime arguments the
 *       {@code command} form {@code npx -y <runtime args> id@version <args>} ({@code uvx} alike).</li>
 *   <li>oci: {@code docker run -i --rm -e NAME… image:tag args}; the runtime arguments are read as docker's
 *       options: {@code run}, {@code -i}, {@code --rm}, {@code --init}, {@code -t} and the image are what Catwalk
 *       does anyway, {@code -e NAME=value} / {@code -e NAME={var}} become variables; any other option (mounts,
 *       networks, ports…) is a problem when it is needed.</li>
 *   <li>nuget, mcpb, cargo, go, packages serving HTTP on a port, SSE remotes: listed, with the reason they
 *       cannot run.</li>
 *   <li>streamable-http remotes: a remote recipe; headers become constant headers or fields
 *       ({@code Bearer {key}} → {@code Bearer ${key}}); URL variables become fields filled in at deploy time.</li>
 *   <li>arguments: fixed values are kept ({@code named} as two items {@code --flag value}, a boolean flag as
 *       {@code --flag}, a missing leading dash is added); inputs become fields filled in at deploy time, left out
 *       when optional and not given. A secret that would travel on the command line is a problem.</li>
 *   <li>environment variables: fields (required, secret, default, choices, placeholder as example, format as
 *       type); a fixed value is a constant; a value with {@code {var}} parts is built at deploy time.</li>
 * </ul>
 * An entry that cannot be read (no name, no version, wrong types) is refused with {@link MalformedEntryException}.
 */
public final class ServerJsonMapper {

  /** The registry's own block in {@code _meta}. */
  public static final String OFFICIAL = "io.modelcontextprotocol.registry/official";
  /** The source name of registry entries. */
  public static final String SOURCE = "registry";

  private static final Pattern NAME = Pattern.compile("^[a-zA-Z0-9.-]+/[a-zA-Z0-9._-]+$");
  private static final Pattern HEADER_NAME = Pattern.compile("^[A-Za-z0-9-]{1,64}$");
  private static final Set<String> STATUSES = Set.of("active", "deprecated", "deleted");
  private static final Set<String> DOCKER_IMPLIED = Set.of("-i", "--interactive", "--rm", "--init", "-t", "--tty");
  private static final Map<String, String> DEFAULT_REGISTRIES = Map.of("npm", "https://registry.npmjs.org",
      "pypi", "https://pypi.org", "oci", "https://docker.io");
  private static final int MAX_DESCRIPTION = 2000;
  private static final Set<String> NPX_OPTIONS = Set.of("-p", "--package", "--registry", "--prefer-offline",
      "--prefer-online", "--node-options", "--cache", "--userconfig", "--no-install");
  private static final Set<String> UVX_OPTIONS = Set.of("--with", "--with-editable", "--with-requirements",
      "--python", "-p", "--index", "--index-url", "--extra-index-url", "--default-index", "--prerelease",
      "--no-cache", "--refresh", "--isolated", "--offline", "--python-preference", "--native-tls", "--no-sources");

  private ServerJsonMapper() {
  }

  /**
   * Maps a row of {@code GET /v0.1/servers}.
   *
   * @throws MalformedEntryException naming what makes the row unreadable
   */
  public static MappedEntry map(Object row) {
    if (!(row instanceof JsonObject object)) {
      throw new MalformedEntryException("the row is not a JSON object");
    }
    JsonObject server = object.getValue("server") instanceof JsonObject inner ? inner : object;
    if (object.containsKey("server") && !(object.getValue("server") instanceof JsonObject)) {
      throw new MalformedEntryException("'server' is not an object");
    }
    JsonObject meta = LenientJson.object(object, "_meta");
    JsonObject official = meta.getValue(OFFICIAL) instanceof JsonObject block ? block
        : LenientJson.object(LenientJson.object(server, "_meta"), OFFICIAL);
    String name = server.getValue("name") instanceof String text ? text.strip() : null;
    if (name == null || !NAME.matcher(name).matches() || name.length() > 200) {
      throw new MalformedEntryException(name == null ? "no name" : "the name '" + printable(name)
          + "' is not namespace/name");
    }
    String version = LenientJson.string(server, "version");
    if (version == null && server.getValue("version_detail") instanceof JsonObject detail) {
      version = LenientJson.string(detail, "version");
    }
    if (version == null || version.isBlank() || version.length() > 255) {
      throw new MalformedEntryException(name + ": no version");
    }
    for (String list : List.of("packages", "remotes")) {
      if (server.getValue(list) != null && !(server.getValue(list) instanceof JsonArray)) {
        throw new MalformedEntryException(name + "@" + version + ": '" + list + "' is not an array");
      }
    }
    if (server.getValue("description") != null && !(server.getValue("description") instanceof String)) {
      throw new MalformedEntryException(name + "@" + version + ": 'description' is not a string");
    }
    return new ServerJsonMapper.Reader(name, version.strip(), server, official).read();
  }

  /** Reads one server.json into an entry. */
  private static final class Reader {
    private final String name;
    private final String version;
    private final JsonObject server;
    private final JsonObject official;
    private final List<String> warnings = new ArrayList<>();
    private final Map<String, Integer> ids = new HashMap<>();

    Reader(String name, String version, JsonObject server, JsonObject official) {
      this.name = name;
      this.version = version;
      this.server = server;
      this.official = official;
    }

    MappedEntry read() {
      List<Variant> variants = new ArrayList<>();
      JsonArray packages = LenientJson.array(server, "packages");
      for (int i = 0; i < packages.size(); i++) {
        Object item = packages.getValue(i);
        if (item instanceof JsonObject pkg) {
          variants.add(mapPackage(pkg, "/packages/" + i));
        } else {
          warnings.add("packages[" + i + "] is not an object; skipped");
        }
      }
      JsonArray remotes = LenientJson.array(server, "remotes");
      for (int i = 0; i < remotes.size(); i++) {
        Object item = remotes.getValue(i);
        if (item instanceof JsonObject remote) {
          variants.add(mapRemote(remote, "/remotes/" + i));
        } else {
          warnings.add("remotes[" + i + "] is not an object; skipped");
        }
      }
      JsonObject repository = LenientJson.object(server, "repository");
      String repositoryUrl = blankToNull(LenientJson.string(repository, "url"));
      if (variants.isEmpty()) {
        if (repositoryUrl != null) {
          VariantBuilder b = new VariantBuilder(SOURCE, name, version, "repository", "repository", "repository");
          b.needsAnalysis = true;
          b.warnings.add("the entry publishes no package or remote; its repository is analyzed to run it");
          variants.add(b.build());
        } else {
          warnings.add("the entry publishes no package, no remote and no repository");
        }
      }
      String status = status();
      String title = blankToNull(LenientJson.string(server, "title"));
      String description = LenientJson.string(server, "description");
      description = description == null ? "" : description.strip();
      if (description.length() > MAX_DESCRIPTION) {
        description = description.substring(0, MAX_DESCRIPTION);
      }
      JsonObject extra = new JsonObject().put("packages", packageSummary(packages)).put("remotes", remoteSummary(remotes));
      JsonArray icons = LenientJson.array(server, "icons");
      if (!icons.isEmpty() && icons.getValue(0) instanceof JsonObject icon && LenientJson.string(icon, "src") != null) {
        extra.put("icon", icon.getString("src"));
      }
      return new MappedEntry(SOURCE, name, version, title, description, status,
          blankToNull(LenientJson.string(official, "statusMessage")), Boolean.TRUE.equals(LenientJson.bool(official, "isLatest")),
          time(LenientJson.string(official, "publishedAt", "published_at")),
          time(LenientJson.string(official, "updatedAt", "updated_at")), repositoryUrl,
          blankToNull(LenientJson.string(repository, "subfolder")), blankToNull(LenientJson.string(server, "websiteUrl", "website_url")),
          List.of(), variants, warnings, extra);
    }

    private static JsonArray packageSummary(JsonArray packages) {
      JsonArray out = new JsonArray();
      for (Object item : packages) {
        if (item instanceof JsonObject pkg) {
          out.add(new JsonObject().put("registryType", registryType(pkg))
              .put("identifier", LenientJson.string(pkg, "identifier", "name")).put("version", LenientJson.string(pkg, "version"))
              .put("transport", transportType(pkg)));
        }
      }
      return out;
    }

    private static JsonArray remoteSummary(JsonArray remotes) {
      JsonArray out = new JsonArray();
      for (Object item : remotes) {
        if (item instanceof JsonObject remote) {
          out.add(new JsonObject().put("type", transportType(remote)).put("url", LenientJson.string(remote, "url")));
        }
      }
      return out;
    }

    private String status() {
      String status = LenientJson.string(official, "status");
      if (status == null) {
        status = LenientJson.string(server, "status");
      }
      if (status == null) {
        return "active";
      }
      String lower = status.strip().toLowerCase(Locale.ROOT);
      if (!STATUSES.contains(lower)) {
        warnings.add("unknown status '" + printable(status) + "' read as active");
        return "active";
      }
      return lower;
    }

    private String nextId(String type) {
      int n = ids.merge(type, 1, Integer::sum);
      return n == 1 ? type : type + "-" + n;
    }

    // ------------------------------------------------------------------ packages

    private Variant mapPackage(JsonObject pkg, String pointer) {
      String type = registryType(pkg);
      VariantBuilder b = new VariantBuilder(SOURCE, name, version, nextId(type == null ? "package" : type), "package",
          type == null ? "unknown" : type);
      String transport = transportType(pkg);
      String identifier = blankToNull(LenientJson.string(pkg, "identifier", "name"));
      if (type == null) {
        b.problem("malformed-package", "the package has no registryType");
        return b.build();
      }
      switch (type) {
        case "nuget" -> b.problem("unsupported-package", "NuGet packages need .NET's dnx, which Catwalk does not run yet");
        case "mcpb" -> b.problem("unsupported-package", "MCP bundles (.mcpb) are not run by Catwalk yet (download,"
            + " sha256 check and the runtime the bundle's manifest names)");
        case "cargo" -> b.problem("unsupported-package", "Cargo packages need a Rust toolchain to build; Catwalk does"
            + " not run them");
        case "go" -> b.problem("unsupported-package", "Go modules need a Go toolchain to build; Catwalk does not run"
            + " them");
        case "npm", "pypi", "oci" -> {
        }
        default -> b.problem("unsupported-package", "the package type '" + printable(type) + "' is unknown");
      }
      if (!"stdio".equals(transport)) {
        b.problem("package-transport", "the package serves MCP over " + printable(transport) + " on a port of its"
            + " own; Catwalk runs packages over stdio");
      }
      if (identifier == null) {
        b.problem("malformed-package", "the package has no identifier");
      }
      String registryBase = blankToNull(LenientJson.string(pkg, "registryBaseUrl", "registry_base_url"));
      if (registryBase != null && DEFAULT_REGISTRIES.containsKey(type)
          && !sameRegistry(registryBase, DEFAULT_REGISTRIES.get(type))) {
        b.problem("package-registry", "the package is published on " + printable(registryBase)
            + ", not on the default " + type + " registry Catwalk installs from");
      }
      if (!b.problems.isEmpty()) {
        return b.build();
      }
      b.source("recipe.runtime", b.origin(pointer + "/registryType"));
      b.source("recipe.package", b.origin(pointer + "/identifier"));
      String packageVersion = LenientJson.string(pkg, "version");
      if (packageVersion == null && pkg.getValue("version_detail") instanceof JsonObject detail) {
        packageVersion = LenientJson.string(detail, "version");
      }
      Set<String> declared = new HashSet<>();
      JsonArray environment = LenientJson.array(pkg, "environmentVariables", "environment_variables");
      for (int i = 0; i < environment.size(); i++) {
        if (environment.getValue(i) instanceof JsonObject env && LenientJson.string(env, "name") != null) {
          declared.add(env.getString("name"));
        }
      }
      JsonArray runtimeArguments = LenientJson.array(pkg, "runtimeArguments", "runtime_arguments");
      if (type.equals("oci")) {
        image(b, identifier, packageVersion, pointer);
        dockerOptions(b, runtimeArguments, pointer + "/runtimeArguments", identifier, declared);
      } else {
        packageRecipe(b, type, identifier, packageVersion, runtimeArguments, pointer);
      }
      for (int i = 0; i < environment.size(); i++) {
        if (environment.getValue(i) instanceof JsonObject env) {
          environmentVariable(b, env, pointer + "/environmentVariables/" + i);
        }
      }
      JsonArray packageArguments = LenientJson.array(pkg, "packageArguments", "package_arguments");
      for (int i = 0; i < packageArguments.size(); i++) {
        if (packageArguments.getValue(i) instanceof JsonObject argument) {
          argument(b, argument, pointer + "/packageArguments/" + i, i + 1);
        }
      }
      if (!packageArguments.isEmpty()) {
        b.source("recipe.args", b.origin(pointer + "/packageArguments"));
      }
      return b.build();
    }

    private void packageRecipe(VariantBuilder b, String type, String identifier, String packageVersion,
                               JsonArray runtimeArguments, String pointer) {
      b.probe = type;
      b.packageName = identifier;
      b.version = pinned(b, packageVersion, pointer + "/version");
      List<Integer> before = new ArrayList<>();
      List<Integer> after = new ArrayList<>();
      String script = null;
      boolean from = false;
      for (int i = 0; i < runtimeArguments.size(); i++) {
        if (!(runtimeArguments.getValue(i) instanceof JsonObject argument)) {
          continue;
        }
        String flag = LenientJson.string(argument, "name");
        String value = LenientJson.string(argument, "value");
        String item = flag != null ? flag : value;
        if (item == null || item.equals("-y") || item.equals("--yes") || flag == null && names(identifier, value)) {
          continue;
        }
        if (type.equals("pypi") && "--from".equals(flag)) {
          if (value == null || !names(identifier, value)) {
            b.problem("runtime-argument", "runs the package " + printable(String.valueOf(value)) + " (--from) instead"
                + " of " + identifier);
          }
          from = true;
        } else if (from && script == null && flag == null && value != null && !value.startsWith("-")) {
          script = value;
        } else if (flag != null && (type.equals("npm") ? NPX_OPTIONS : UVX_OPTIONS).contains(flag)) {
          before.add(i);
        } else {
          after.add(i);
          b.warnings.add("the runtime argument " + printable(item) + " is not an option of "
              + (type.equals("npm") ? "npx" : "uvx") + "; passed to the server");
        }
      }
      if (before.isEmpty() && script == null) {
        b.runtime = type;
        after.forEach(i -> argument(b, runtimeArguments.getJsonObject(i), pointer + "/runtimeArguments/" + i, i + 1));
        return;
      }
      String program = type.equals("npm") ? "npx" : "uvx";
      b.runtime = "command";
      b.command = program;
      b.packageName = null;
      String spec = b.version == null ? identifier : identifier + (type.equals("npm") ? "@" : "==") + b.version;
      b.version = null;
      if (type.equals("npm")) {
        b.args.add(Variant.Arg.fixed("-y"));
      }
      before.forEach(i -> argument(b, runtimeArguments.getJsonObject(i), pointer + "/runtimeArguments/" + i, i + 1));
      if (script != null) {
        b.args.add(Variant.Arg.fixed("--from"));
        b.args.add(Variant.Arg.fixed(spec));
        b.args.add(Variant.Arg.fixed(script));
      } else {
        b.args.add(Variant.Arg.fixed(spec));
      }
      after.forEach(i -> argument(b, runtimeArguments.getJsonObject(i), pointer + "/runtimeArguments/" + i, i + 1));
      b.source("recipe.command", VariantBuilder.rule("runtime arguments come before the package, so the server runs"
          + " as " + program + " with the whole command line"));
    }

    /** Whether {@code value} names the package itself (with or without a version or extras). */
    private static boolean names(String identifier, String value) {
      return value != null && (value.equals(identifier) || value.startsWith(identifier + "@")
          || value.startsWith(identifier + "==") || value.startsWith(identifier + "["));
    }

    /** The version to pin, or null (with a warning); {@code where} points at the text it comes from. */
    private String pinned(VariantBuilder b, String raw, String where) {
      String pinned = ExtractionHeuristics.version(raw);
      if (pinned == null) {
        b.warnings.add(raw == null ? "the package names no version; the newest is installed at each start"
            : "the package version '" + printable(raw) + "' is not pinned; the newest is installed at each start");
      } else {
        b.source("recipe.version", b.origin(where));
      }
      return pinned;
    }

    private void image(VariantBuilder b, String identifier, String packageVersion, String pointer) {
      b.runtime = "oci";
      b.probe = "oci";
      String image = identifier;
      String tag = null;
      if (!image.contains("@") && image.lastIndexOf(':') > image.lastIndexOf('/')) {
        tag = image.substring(image.lastIndexOf(':') + 1);
        image = image.substring(0, image.lastIndexOf(':'));
      }
      b.packageName = image;
      if (identifier.contains("@")) {
        b.source("recipe.package", b.origin(pointer + "/identifier"));
        return;
      }
      b.version = pinned(b, tag != null ? tag : packageVersion, pointer + (tag != null ? "/identifier" : "/version"));
    }

    private void dockerOptions(VariantBuilder b, JsonArray options, String pointer, String image,
                               Set<String> declared) {
      for (int i = 0; i < options.size(); i++) {
        if (!(options.getValue(i) instanceof JsonObject given)) {
          continue;
        }
        String at = pointer + "/" + i;
        JsonObject option = given;
        String optionName = LenientJson.string(option, "name");
        String value = LenientJson.string(option, "value");
        boolean named = "named".equals(LenientJson.string(option, "type")) || optionName != null;
        boolean required = Boolean.TRUE.equals(LenientJson.bool(option, "isRequired", "is_required"));
        if (named && value == null && ("-e".equals(optionName) || "--env".equals(optionName))
            && i + 1 < options.size() && options.getValue(i + 1) instanceof JsonObject next && LenientJson.string(next, "name") == null
            && LenientJson.string(next, "value") != null) {
          option = next.copy().put("name", optionName);
          value = LenientJson.string(next, "value");
          i++;
        }
        if (!named) {
          if (value != null && (value.equals("run") || sameImage(value, image))) {
            continue;
          }
          b.problem("docker-option", "needs the docker argument '" + printable(String.valueOf(value)) + "', which"
              + " Catwalk does not pass");
          continue;
        }
        if (DOCKER_IMPLIED.contains(optionName)) {
          continue;
        }
        if (optionName.equals("-e") || optionName.equals("--env")) {
          dockerEnvironment(b, option, at, declared, required);
        } else if (required || value != null) {
          b.problem("docker-option", "needs the docker option " + printable(optionName) + dockerHint(optionName)
              + ", which Catwalk does not pass");
        } else {
          b.warnings.add("the optional docker option " + printable(optionName) + " is left out");
        }
      }
    }

    /** Whether {@code value} names the image (with or without its tag, {@code docker.io/} or {@code library/}). */
    private static boolean sameImage(String value, String image) {
      return withoutTag(canonicalImage(value)).equals(withoutTag(canonicalImage(image)));
    }

    private static String canonicalImage(String reference) {
      String text = reference.strip().toLowerCase(Locale.ROOT).replaceFirst("^(index\\.)?docker\\.io/", "");
      return text.startsWith("library/") ? text.substring("library/".length()) : text;
    }

    private static String withoutTag(String reference) {
      String text = reference.contains("@") ? reference.substring(0, reference.indexOf('@')) : reference;
      return text.lastIndexOf(':') > text.lastIndexOf('/') ? text.substring(0, text.lastIndexOf(':')) : text;
    }

    private static String dockerHint(String option) {
      return switch (option) {
        case "-v", "--volume", "--mount" -> " (a host path mounted into the container)";
        case "-p", "--publish" -> " (a published port)";
        case "--network", "--net" -> " (a container network)";
        case "--env-file" -> " (a file of variables on the host)";
        default -> "";
      };
    }

    private void dockerEnvironment(VariantBuilder b, JsonObject option, String at, Set<String> declared,
                                   boolean required) {
      String value = LenientJson.string(option, "value");
      if (value == null) {
        if (required) {
          b.problem("docker-option", "needs a docker -e option without saying which variable");
        } else {
          b.warnings.add("an optional docker -e option without a variable is left out");
        }
        return;
      }
      int equals = value.indexOf('=');
      String variable = equals < 0 ? value : value.substring(0, equals);
      if (!ExtractionHeuristics.isEnvName(variable)) {
        b.problem("docker-option", "needs the docker option -e " + printable(value) + ", which names no variable");
        return;
      }
      if (declared.contains(variable)) {
        return;
      }
      declared.add(variable);
      JsonObject as = option.copy().put("name", variable);
      as.remove("description");
      if (equals < 0) {
        as.remove("value");
      } else {
        as.put("value", value.substring(equals + 1));
      }
      environmentVariable(b, as, at);
    }

    // ------------------------------------------------------------------ inputs

    private void environmentVariable(VariantBuilder b, JsonObject env, String pointer) {
      String variable = LenientJson.string(env, "name");
      boolean required = Boolean.TRUE.equals(LenientJson.bool(env, "isRequired", "is_required"));
      if (!ExtractionHeuristics.isEnvName(variable) || !b.reserve(variable)) {
        String why = variable == null ? "an environment variable without a name"
            : ExtractionHeuristics.isEnvName(variable) ? "the environment variable " + variable + " is declared twice"
            : "the environment variable name '" + printable(variable) + "' cannot be set in a process environment";
        if (required && (variable == null || !ExtractionHeuristics.isEnvName(variable))) {
          b.problem("invalid-variable", why);
        } else {
          b.warnings.add(why + "; left out");
        }
        return;
      }
      String value = LenientJson.string(env, "value");
      Matcher tokens = value == null ? null : VariantBuilder.REGISTRY_TOKEN.matcher(value);
      if (value == null || !tokens.find() && ExtractionHeuristics.isPlaceholder(value)) {
        JsonObject in = value == null ? env : env.copy().put("placeholder", value);
        b.input(variable, "env", in, pointer, describe(variable), null, null);
        return;
      }
      if (!VariantBuilder.REGISTRY_TOKEN.matcher(value).find()) {
        JsonObject property = VariantBuilder.property(variable, env, describe(variable)).put("const", value)
            .put("default", value).put("readOnly", true);
        b.input(variable, "constant", property, false, b.origin(pointer + "/value"));
        return;
      }
      Matcher whole = VariantBuilder.REGISTRY_TOKEN.matcher(value);
      JsonObject variables = LenientJson.object(env, "variables");
      if (whole.matches()) {
        JsonObject definition = variables.getValue(whole.group(1)) instanceof JsonObject d ? d : new JsonObject();
        JsonObject merged = env.copy();
        merged.remove("value");
        definition.forEach(e -> merged.put(e.getKey(), e.getValue()));
        if (Boolean.TRUE.equals(LenientJson.bool(env, "isRequired", "is_required"))) {
          merged.put("isRequired", true);
        }
        b.input(variable, "env", merged, pointer, describe(variable), null, null);
        return;
      }
      b.template(value, env, pointer, "part", variable, false);
    }

    private static String describe(String variable) {
      return "Passed to the server as the environment variable " + variable + ".";
    }

    private void argument(VariantBuilder b, JsonObject argument, String pointer, int position) {
      String argName = blankToNull(LenientJson.string(argument, "name"));
      String kind = LenientJson.string(argument, "type");
      boolean named = "named".equals(kind) || kind == null && argName != null;
      String flag = null;
      if (named) {
        if (argName == null) {
          b.warnings.add("a named argument without a name is left out");
          return;
        }
        flag = argName.startsWith("-") ? argName : "--" + argName;
        if (!flag.equals(argName)) {
          b.warnings.add("the argument '" + printable(argName) + "' lacks its leading dashes; passed as " + flag);
        }
      }
      String value = LenientJson.string(argument, "value");
      String format = LenientJson.string(argument, "format");
      boolean bool = "boolean".equalsIgnoreCase(format);
      boolean required = Boolean.TRUE.equals(LenientJson.bool(argument, "isRequired", "is_required"));
      boolean repeated = Boolean.TRUE.equals(LenientJson.bool(argument, "isRepeated", "is_repeated"));
      if (value != null && !VariantBuilder.REGISTRY_TOKEN.matcher(value).find()) {
        if (named && bool) {
          if ("true".equalsIgnoreCase(value.strip())) {
            b.args.add(new Variant.Arg(flag, null, false, false));
          }
        } else {
          b.args.add(new Variant.Arg(flag, value, false, false));
        }
        return;
      }
      if (value != null) {
        int before = b.inputs.size();
        VariantBuilder.Template template = b.template(value, argument, pointer, "argument", null, false);
        if (!keepSecretArgument(b, flag, template.fields(), before, required)) {
          return;
        }
        b.args.add(new Variant.Arg(flag, template.text(), false, repeated));
        return;
      }
      String hint = blankToNull(LenientJson.string(argument, "valueHint", "value_hint"));
      boolean secret = Boolean.TRUE.equals(LenientJson.bool(argument, "isSecret", "is_secret"));
      boolean flagOnly = named && !secret && (bool || format == null && hint == null
          && argument.getValue("default") == null && !required && LenientJson.array(argument, "choices").isEmpty());
      if (flagOnly) {
        String field = b.field(ExtractionHeuristics.envName(flag));
        JsonObject property = VariantBuilder.property(field, argument.copy().put("format", "boolean"),
            "Passes " + flag + " to the server.");
        if (!property.containsKey("default")) {
          property.put("default", false);
        }
        b.input(field, "argument", property, false, b.origin(pointer));
        b.args.add(new Variant.Arg(flag, "{" + field + "}", true, false));
        return;
      }
      String field = b.field(hint != null ? hint : named ? ExtractionHeuristics.envName(flag) : "ARG_" + position);
      int before = b.inputs.size();
      b.input(field, "argument", argument, pointer, named ? "The value of " + flag + "." : "Argument "
          + position + " of the server's command line.", null, null);
      if (!keepSecretArgument(b, flag, List.of(field), before, required)) {
        return;
      }
      b.args.add(new Variant.Arg(flag, "{" + field + "}", false, repeated));
    }

    /** A secret on the command line: a problem when required, left out when optional. */
    private boolean keepSecretArgument(VariantBuilder b, String flag, List<String> fields, int before,
                                       boolean required) {
      boolean secret = fields.stream().map(b::inputOf).anyMatch(i -> i != null && i.secret());
      if (!secret) {
        return true;
      }
      String what = flag != null ? "the argument " + flag : "an argument";
      if (required) {
        b.problem("secret-argument", what + " passes a secret on the command line; Catwalk gives secrets to"
            + " servers only as environment variables");
      } else {
        b.warnings.add(what + " would pass a secret on the command line; left out");
      }
      while (b.inputs.size() > before) {
        Variant.Input removed = b.inputs.removeLast();
        b.sources.remove("configSchema.properties." + removed.field());
      }
      return false;
    }

    // ------------------------------------------------------------------ remotes

    private Variant mapRemote(JsonObject remote, String pointer) {
      String transport = transportType(remote);
      if ("http".equals(transport)) {
        transport = "streamable-http";
      }
      VariantBuilder b = new VariantBuilder(SOURCE, name, version, nextId("remote"), "remote", transport);
      String remoteUrl = blankToNull(LenientJson.string(remote, "url"));
      if ("sse".equals(transport)) {
        b.problem("sse-remote", "the server speaks the older HTTP+SSE transport; Catwalk relays Streamable HTTP only");
        return b.build();
      }
      if (!"streamable-http".equals(transport)) {
        b.problem("unsupported-remote", "the remote transport '" + printable(transport) + "' is unknown");
        return b.build();
      }
      if (remoteUrl == null) {
        b.problem("malformed-remote", "the remote has no URL");
        return b.build();
      }
      b.runtime = "remote";
      b.probe = "remote";
      int before = b.inputs.size();
      VariantBuilder.Template template = b.template(remoteUrl, remote, pointer, "url", null, false);
      for (Variant.Input input : b.inputs.subList(before, b.inputs.size())) {
        if (input.secret()) {
          b.problem("secret-url", "the remote URL carries a secret ({" + input.field() + "}); Catwalk keeps secrets"
              + " out of URLs it stores");
        }
      }
      b.url = template.text();
      b.source("recipe.url", b.origin(pointer + "/url"));
      if (!isHttpUrl(Variant.TOKEN.matcher(b.url).replaceAll("x"))) {
        b.problem("malformed-remote", "the remote URL '" + printable(remoteUrl) + "' is not an http(s) URL");
      }
      JsonArray headers = LenientJson.array(remote, "headers");
      for (int i = 0; i < headers.size(); i++) {
        if (headers.getValue(i) instanceof JsonObject header) {
          header(b, header, pointer + "/headers/" + i);
        }
      }
      return b.build();
    }

    private void header(VariantBuilder b, JsonObject header, String pointer) {
      String headerName = blankToNull(LenientJson.string(header, "name"));
      if (headerName == null || !HEADER_NAME.matcher(headerName).matches()) {
        b.problem("invalid-header", "the header '" + printable(String.valueOf(headerName)) + "' is not a valid name");
        return;
      }
      String value = LenientJson.string(header, "value");
      boolean secret = Boolean.TRUE.equals(LenientJson.bool(header, "isSecret", "is_secret"));
      boolean tokens = value != null && VariantBuilder.REGISTRY_TOKEN.matcher(value).find();
      b.source("recipe.headers." + headerName, b.origin(pointer));
      if (value != null && !tokens && !secret && !ExtractionHeuristics.isPlaceholder(value)) {
        b.headers.put(headerName, value);
        return;
      }
      if (!tokens) {
        String field = b.field(ExtractionHeuristics.envName(headerName));
        JsonObject in = value == null ? header : header.copy().put("placeholder", value);
        in.remove("default");
        b.input(field, "header", in, pointer, "Sent to the server as the " + headerName + " header.", null, null);
        b.headers.put(headerName, "${" + field + "}");
        return;
      }
      VariantBuilder.Template template = b.template(value, header, pointer, "header", null, true);
      b.headers.put(headerName, template.text());
    }
  }

  // ------------------------------------------------------------------ helpers

  private static String registryType(JsonObject pkg) {
    String type = LenientJson.string(pkg, "registryType", "registry_type", "registry_name", "registryName");
    if (type == null || type.isBlank()) {
      return null;
    }
    String lower = type.strip().toLowerCase(Locale.ROOT);
    return switch (lower) {
      case "docker", "docker-hub", "dockerhub", "ghcr", "docker.io" -> "oci";
      default -> lower;
    };
  }

  private static String transportType(JsonObject holder) {
    Object transport = holder.getValue("transport");
    if (transport instanceof JsonObject object && object.getValue("type") instanceof String type) {
      return type.strip().toLowerCase(Locale.ROOT);
    }
    if (transport instanceof String text) {
      return text.strip().toLowerCase(Locale.ROOT);
    }
    String legacy = LenientJson.string(holder, "transport_type", "transportType", "type");
    return legacy == null ? "stdio" : legacy.strip().toLowerCase(Locale.ROOT);
  }

  private static boolean sameRegistry(String given, String standard) {
    String a = given.strip().replaceAll("/+$", "").toLowerCase(Locale.ROOT);
    return a.equals(standard) || a.equals(standard.replace("https://", "https://www."))
        || standard.contains("docker.io") && (a.endsWith("docker.io") || a.endsWith("docker.com"));
  }

  private static boolean isHttpUrl(String text) {
    try {
      URI uri = new URI(text);
      return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null
          && uri.getUserInfo() == null;
    } catch (URISyntaxException e) {
      return false;
    }
  }

  static OffsetDateTime time(String text) {
    if (text == null) {
      return null;
    }
    try {
      return OffsetDateTime.parse(text.strip());
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  static String blankToNull(String text) {
    return text == null || text.isBlank() ? null : text.strip();
  }

  static String printable(String value) {
    return dev.catwalk.error.Validation.printable(value);
  }
}
