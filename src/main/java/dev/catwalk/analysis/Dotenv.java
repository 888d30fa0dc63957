package dev.catwalk.analysis;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Weak evidence from plain-text files: dotenv templates ({@code .env.example}, {@code .env.sample}...:
 * {@code # KEY=} is optional, the comment above is the description and may say required or optional; an
 * uncommented placeholder is taken as required only when it is the template's only one (several are
 * usually alternatives or extras), and never when its comment says it is for tests) and
 * the {@code Dockerfile} ({@code ENV} defaults; build and runtime noise such as {@code NODE_ENV} left out).
 */
public final class Dotenv {

  /** dotenv template names, most usual first. */
  public static final List<String> TEMPLATES = List.of(".env.example", ".env.sample", ".env.template", ".env.dist",
      "env.example", ".env.local.example");

  private static final Pattern ASSIGNMENT = Pattern.compile("^(#\\s*)?(?:export\\s+)?([A-Za-z_][A-Za-z0-9_]*)\\s*=\\s*(.*)$");
  private static final Pattern CONDITIONAL = Pattern.compile("\\brequired (only )?(for|if|when|to use|by)\\b"
      + "|\\bonly (required|needed) (for|if|when)\\b|\\bnot required\\b");
  private static final Pattern TESTS = Pattern.compile("\\btest(s|ing)?\\b|\\bdevelopment\\b|\\bevals?\\b");
  private static final Pattern DOCKER_ENV = Pattern.compile("(?i)^ENV\\s+(.*)$");
  private static final Pattern PAIR = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|'[^']*'|\\S*)");
  private static final Set<String> NOISE = Set.of("NODE_ENV", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE", "PATH",
      "HOME", "LANG", "LC_ALL", "DEBIAN_FRONTEND", "PYTHONPATH", "VIRTUAL_ENV", "NPM_CONFIG_LOGLEVEL", "TZ",
      "JAVA_HOME", "GOPATH", "CGO_ENABLED", "GOOS", "GOARCH", "PIP_NO_CACHE_DIR", "NODE_OPTIONS");

  private Dotenv() {
  }

  /** Evidence from a dotenv template. */
  public static Evidence template(String path, String text) {
    List<Evidence.Variable> variables = new ArrayList<>();
    List<String> comment = new ArrayList<>();
    List<String> guessed = new ArrayList<>();
    for (String raw : text.split("\\R")) {
      String line = raw.strip();
      Matcher assignment = ASSIGNMENT.matcher(line);
      if (assignment.matches() && variables.stream().noneMatch(v -> v.name().equals(assignment.group(2)))) {
        boolean commented = assignment.group(1) != null;
        String value = unquote(stripComment(assignment.group(3)));
        String description = comment.isEmpty() ? null : String.join(" ", comment);
        Boolean required = commented ? Boolean.FALSE : requiredFromText(description);
        Evidence.Variable variable = Evidence.Variable.named(assignment.group(2)).describedAs(description);
        boolean placeholder = Values.isPlaceholder(value) || Values.looksSecret(assignment.group(2));
        boolean forTests = description != null && TESTS.matcher(description.toLowerCase(Locale.ROOT)).find();
        if (placeholder && required == null && !forTests) {
          guessed.add(assignment.group(2));
        }
        variables.add(placeholder ? variable.with(required, null) : variable.with(required, value));
        comment.clear();
      } else if (line.startsWith("#")) {
        String words = line.replaceFirst("^#+\\s*", "");
        if (!words.isEmpty()) {
          comment.add(words);
        }
      } else {
        comment.clear();
      }
    }
    if (guessed.size() == 1) {
      variables.replaceAll(v -> v.name().equals(guessed.getFirst()) ? v.with(true, v.defaultValue()) : v);
    }
    return Evidence.of(path, Evidence.DOTENV, null, variables);
  }

  /** Evidence from a Dockerfile: {@code ENV} names with their defaults. */
  public static Evidence dockerfile(String path, String text) {
    List<Evidence.Variable> variables = new ArrayList<>();
    String joined = text.replaceAll("\\\\\\R", " ");
    for (String raw : joined.split("\\R")) {
      Matcher env = DOCKER_ENV.matcher(raw.strip());
      if (!env.matches()) {
        continue;
      }
      String body = env.group(1).strip();
      Matcher pairs = PAIR.matcher(body);
      boolean any = false;
      while (pairs.find()) {
        any = true;
        add(variables, pairs.group(1), unquote(pairs.group(2)));
      }
      if (!any) {
        String[] legacy = body.split("\\s+", 2);
        add(variables, legacy[0], legacy.length > 1 ? unquote(legacy[1]) : "");
      }
    }
    return Evidence.of(path, Evidence.DOCKERFILE, null, variables);
  }

  /**
   * {@code true} when a description says required, {@code false} when it says optional or required
   * only for some feature or mode ("required for running Atlas tools"), else null.
   */
  static Boolean requiredFromText(String description) {
    if (description == null) {
      return null;
    }
    String lower = description.toLowerCase(Locale.ROOT);
    if (lower.contains("optional") || CONDITIONAL.matcher(lower).find()) {
      return false;
    }
    return lower.contains("required") ? Boolean.TRUE : null;
  }

  /** Whether {@code name} is build or runtime noise rather than server configuration ({@code NODE_ENV}...). */
  static boolean isNoise(String name) {
    return NOISE.contains(name) || name.startsWith("npm_");
  }

  private static void add(List<Evidence.Variable> variables, String name, String value) {
    if (!Values.isEnvName(name) || isNoise(name)) {
      return;
    }
    Evidence.Variable variable = Evidence.Variable.named(name);
    variables.add(Values.isPlaceholder(value) ? variable : variable.with(null, value));
  }

  private static String stripComment(String value) {
    if (value.startsWith("\"") || value.startsWith("'")) {
      return value;
    }
    int hash = value.indexOf(" #");
    return hash >= 0 ? value.substring(0, hash).strip() : value;
  }

  private static String unquote(String value) {
    String text = value.strip();
    if (text.length() >= 2 && (text.startsWith("\"") && text.endsWith("\"") || text.startsWith("'") && text.endsWith("'"))) {
      return text.substring(1, text.length() - 1);
    }
    return text;
  }
}
