package dev.catwalk.analysis;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads the command lines client configurations carry ({@code npx -y pkg@1.2}, {@code uvx pkg==1.0},
 * {@code docker run -i --rm -e NAME image:tag}) back into a run recipe and the variables they pass;
 * {@code npx mcp-remote URL} is the remote server at URL.
 */
public final class CommandLines {

  /** npm packages that only bridge a client's stdio to a remote server: the remote is what runs. */
  private static final Set<String> REMOTE_BRIDGES = Set.of("mcp-remote", "supergateway", "@modelcontextprotocol/mcp-remote");
  private static final Set<String> NPX_FLAGS = Set.of("-y", "--yes", "-q", "--quiet", "--no-install", "-s", "--silent");
  private static final Set<String> DOCKER_VALUE_FLAGS = Set.of("-v", "--volume", "--name", "--network", "--net", "-p",
      "--publish", "--mount", "-w", "--workdir", "--platform", "--pull", "-u", "--user", "--entrypoint",
      "--add-host", "--env-file", "--label", "-l");
  private static final Set<String> LOCAL_PROGRAMS = Set.of("node", "python", "python3", "bun", "deno", "go", "java",
      "cargo", "uv", "poetry", "pipenv", "tsx", "ts-node", "npm", "pnpm", "yarn", "sh", "bash", "cmd", "powershell");

  private CommandLines() {
  }

  /**
   * What a command line runs.
   *
   * @param hint      the recipe, or null when it runs a local checkout (node dist/index.js...)
   * @param variables variables passed to a container with {@code -e NAME[=value]}
   */
  public record Interpreted(Evidence.Hint hint, List<Evidence.Variable> variables) {
  }

  /** Reads {@code command} and {@code args} (a whole shell line in {@code command} is split). */
  public static Interpreted interpret(String command, List<String> args) {
    if (command == null || command.isBlank()) {
      return new Interpreted(null, List.of());
    }
    List<String> words = new ArrayList<>();
    if (args.isEmpty() && command.strip().contains(" ")) {
      words.addAll(List.of(command.strip().split("\\s+")));
    } else {
      words.add(command.strip());
      words.addAll(args);
    }
    String program = baseName(words.getFirst());
    List<String> rest = words.subList(1, words.size());
    return switch (program) {
      case "npx" -> new Interpreted(npx(rest), List.of());
      case "uvx" -> new Interpreted(uvx(rest), List.of());
      case "pipx" -> new Interpreted(!rest.isEmpty() && rest.getFirst().equals("run") ? uvx(rest.subList(1, rest.size()))
          : null, List.of());
      case "docker", "podman" -> docker(rest);
      default -> new Interpreted(local(program, words.getFirst()) ? null
          : new Evidence.Hint("command", null, null, words.getFirst(), rest, "stdio", null, null), List.of());
    };
  }

  private static boolean local(String program, String first) {
    return LOCAL_PROGRAMS.contains(program) || first.contains("/") || first.contains("\\") || first.contains("${")
        || first.contains(".");
  }

  private static String baseName(String word) {
    String name = word.replace('\\', '/');
    name = name.substring(name.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
    return name.endsWith(".cmd") || name.endsWith(".exe") ? name.substring(0, name.length() - 4) : name;
  }

  private static Evidence.Hint npx(List<String> words) {
    String packageSpec = null;
    String bin = null;
    int i = 0;
    while (i < words.size()) {
      String word = words.get(i);
      if (word.equals("-p") || word.equals("--package")) {
        packageSpec = i + 1 < words.size() ? words.get(i + 1) : null;
        i += 2;
        continue;
      }
      if (word.startsWith("--package=")) {
        packageSpec = word.substring("--package=".length());
        i++;
        continue;
      }
      if (NPX_FLAGS.contains(word)) {
        i++;
        continue;
      }
      break;
    }
    if (i >= words.size() && packageSpec == null) {
      return null;
    }
    List<String> args;
    if (packageSpec != null) {
      bin = i < words.size() ? words.get(i) : null;
      args = i + 1 < words.size() ? words.subList(i + 1, words.size()) : List.of();
    } else {
      packageSpec = words.get(i);
      args = words.subList(i + 1, words.size());
    }
    int at = packageSpec.lastIndexOf('@');
    String name = at > 0 ? packageSpec.substring(0, at) : packageSpec;
    String version = at > 0 ? Values.version(packageSpec.substring(at + 1)) : null;
    String remote = args.stream().filter(a -> a.startsWith("https://") || a.startsWith("http://")).findFirst().orElse(null);
    if (REMOTE_BRIDGES.contains(name) && remote != null) {
      return new Evidence.Hint("remote", null, null, null, List.of(), remote.endsWith("/sse") ? "sse" : "streamable-http",
          remote, null);
    }
    if (bin != null && !bin.equals(unscoped(name))) {
      List<String> line = new ArrayList<>(List.of("-y", "-p", version == null ? name : name + "@" + version, bin));
      line.addAll(args);
      return new Evidence.Hint("command", name, version, "npx", line, "stdio", null, null);
    }
    return Evidence.Hint.pkg("npm", name, version, args);
  }

  /** The package name without its npm scope. */
  public static String unscoped(String name) {
    int slash = name.indexOf('/');
    return name.startsWith("@") && slash > 0 ? name.substring(slash + 1) : name;
  }

  private static Evidence.Hint uvx(List<String> words) {
    String from = null;
    int i = 0;
    while (i < words.size() && words.get(i).startsWith("-")) {
      String word = words.get(i);
      if (word.equals("--from")) {
        from = i + 1 < words.size() ? words.get(i + 1) : null;
        i += 2;
      } else if (word.startsWith("--from=")) {
        from = word.substring("--from=".length());
        i++;
      } else if (word.equals("--python") || word.equals("--with") || word.equals("-p") || word.equals("--index-url")) {
        i += 2;
      } else {
        i++;
      }
    }
    if (i >= words.size()) {
      return null;
    }
    String script = words.get(i);
    List<String> args = words.subList(i + 1, words.size());
    String spec = from == null ? script : from;
    String[] parts = spec.split("==|@", 2);
    String name = parts[0];
    String version = parts.length > 1 ? Values.version(parts[1]) : null;
    if (from != null && !script.equals(name)) {
      List<String> line = new ArrayList<>(List.of("--from", version == null ? name : name + "==" + version, script));
      line.addAll(args);
      return new Evidence.Hint("command", name, version, "uvx", line, "stdio", null, null);
    }
    return Evidence.Hint.pkg("pypi", name, version, args);
  }

  private static Interpreted docker(List<String> words) {
    if (words.isEmpty() || !words.getFirst().equals("run")) {
      return new Interpreted(null, List.of());
    }
    List<Evidence.Variable> variables = new ArrayList<>();
    int i = 1;
    while (i < words.size() && words.get(i).startsWith("-")) {
      String word = words.get(i);
      if (word.equals("-e") || word.equals("--env")) {
        if (i + 1 < words.size()) {
          variables.add(envArgument(words.get(i + 1)));
        }
        i += 2;
      } else if (word.startsWith("--env=")) {
        variables.add(envArgument(word.substring("--env=".length())));
        i++;
      } else if (DOCKER_VALUE_FLAGS.contains(word)) {
        i += 2;
      } else {
        i++;
      }
    }
    if (i >= words.size()) {
      return new Interpreted(null, variables);
    }
    String image = words.get(i);
    List<String> args = words.subList(i + 1, words.size());
    int slash = image.lastIndexOf('/');
    int colon = image.lastIndexOf(':');
    int digest = image.indexOf('@');
    String name = image;
    String tag = null;
    if (digest < 0 && colon > slash) {
      name = image.substring(0, colon);
      tag = Values.version(image.substring(colon + 1));
    }
    return new Interpreted(Evidence.Hint.pkg("oci", name.toLowerCase(Locale.ROOT), tag, args), variables);
  }

  private static Evidence.Variable envArgument(String text) {
    int eq = text.indexOf('=');
    if (eq < 0) {
      return Evidence.Variable.named(text);
    }
    String value = text.substring(eq + 1);
    Evidence.Variable variable = Evidence.Variable.named(text.substring(0, eq));
    return Values.isPlaceholder(value) ? variable.with(true, null) : variable.with(null, value);
  }
}
