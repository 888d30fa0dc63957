package dev.catwalk.analysis;

import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** Heuristics shared by the extractors: placeholders, secret names, titles, variable names. */
public final class Values {

  private static final Pattern TRANSPORT = Pattern.compile("^(PORT|HOST|BIND_ADDRESS|TRANSPORT(_MODE)?)$"
      + "|(^|_)(MCP|FASTMCP|SERVER|HTTP|SSE|TRANSPORT|BIND|LISTEN|CALLBACK)_(PORT|HOST|ADDRESS)$|_TRANSPORT$"
      + "|ALLOWED_(ORIGINS|HOSTS)$|(^|_)CORS(_[A-Z]+)?$|TLS_(CERT|KEY)_FILE$|(^|_)SSE(_|$)");
  private static final Pattern ENV_NAME = Pattern.compile("^[A-Za-z_][A-Za-z0-9_]{0,127}$");
  private static final Pattern TEMPLATE = Pattern.compile("\\$\\{[^}]*}|\\$[A-Za-z_][A-Za-z0-9_]*|\\{\\{[^}]*}}|<[^>]*>"
      + "|\\[[A-Z_ -]+]");
  private static final Set<String> SECRET_WORDS = Set.of("KEY", "APIKEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD",
      "PASS", "PWD", "PAT", "COOKIE", "CREDENTIAL", "CREDENTIALS", "PASSPHRASE", "PRIVATEKEY", "JWT", "BEARER");
  private static final Set<String> NOT_SECRET_LAST = Set.of("PATH", "FILE", "URL", "URI", "DIR", "ID", "NAME", "TYPE",
      "ENDPOINT", "HOST", "EXPIRY", "TTL", "HEADER", "LENGTH", "SIZE", "COUNT");
  private static final Set<String> PLACEHOLDER_WORDS = Set.of("your", "changeme", "change-me", "change_me", "replace",
      "xxx", "todo", "placeholder", "insert", "here", "…", "...", "redacted");
  private static final Set<String> VERSION_PLACEHOLDERS = Set.of("0.0.0", "latest", "0.0.0-dev", "dev", "unknown");

  private Values() {
  }

  /** Whether {@code value} is a placeholder for user input rather than a real value. */
  public static boolean isPlaceholder(String value) {
    if (value == null || value.isBlank()) {
      return true;
    }
    String text = value.strip();
    if (TEMPLATE.matcher(text).find()) {
      return true;
    }
    String lower = text.toLowerCase(Locale.ROOT);
    for (String word : PLACEHOLDER_WORDS) {
      if (lower.contains(word)) {
        return true;
      }
    }
    return lower.matches(".*(x{4,}|\\*{3,}).*") || lower.matches("^[a-z]{2,5}[-_]$");
  }

  /** A usable version, or null for placeholders like {@code ${VERSION}}, {@code 0.0.0} or {@code latest}. */
  public static String version(String value) {
    if (value == null || isPlaceholder(value) || VERSION_PLACEHOLDERS.contains(value.strip().toLowerCase(Locale.ROOT))) {
      return null;
    }
    String text = value.strip();
    if (text.startsWith("v") && text.length() > 1 && Character.isDigit(text.charAt(1))) {
      text = text.substring(1);
    }
    return text.matches("^[A-Za-z0-9][A-Za-z0-9.+_-]{0,63}$") && !text.matches(".*[\\^~*<>|=].*") ? text : null;
  }

  /**
   * Whether the name of a variable says it holds a secret (key, token, secret, password...; also
   * connection strings, which carry passwords).
   */
  public static boolean looksSecret(String name) {
    String upper = name.toUpperCase(Locale.ROOT);
    if (upper.endsWith("DATABASE_URL") || upper.endsWith("CONNECTION_STRING") || upper.endsWith("DSN")) {
      return true;
    }
    String[] words = upper.split("[^A-Z0-9]+");
    if (words.length == 0 || NOT_SECRET_LAST.contains(words[words.length - 1])) {
      return false;
    }
    if (Arrays.stream(words).anyMatch(SECRET_WORDS::contains)) {
      return true;
    }
    return upper.contains("TOKEN") || upper.contains("SECRET") || upper.contains("PASSWORD") || upper.contains("APIKEY");
  }

  /** Whether {@code name} can be an environment variable name. */
  public static boolean isEnvName(String name) {
    return name != null && ENV_NAME.matcher(name).matches();
  }

  /** A form label from a variable name: {@code GITHUB_API_TOKEN} becomes {@code Github api token}. */
  public static String title(String name) {
    String words = name.replaceAll("[_\\-]+", " ").strip().toLowerCase(Locale.ROOT);
    return words.isEmpty() ? name : Character.toUpperCase(words.charAt(0)) + words.substring(1);
  }

  /** An environment variable name from a header or config key: {@code X-Api-Key} becomes {@code X_API_KEY}. */
  public static String envName(String name) {
    String snake = name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replaceAll("[^A-Za-z0-9]+", "_")
        .replaceAll("^_+|_+$", "").toUpperCase(Locale.ROOT);
    return snake.isEmpty() || Character.isDigit(snake.charAt(0)) ? "V_" + snake : snake;
  }

  /** A JSON Schema type from the formats metadata uses (string, number, boolean, filepath, integer...). */
  public static String type(String format) {
    if (format == null) {
      return null;
    }
    return switch (format.toLowerCase(Locale.ROOT)) {
      case "number", "float", "double" -> "number";
      case "integer", "int" -> "integer";
      case "boolean", "bool" -> "boolean";
      default -> "string";
    };
  }

  /**
   * Whether {@code name} configures the HTTP/SSE transport rather than the server's work: the server's
   * own port and bind host ({@code PORT}, {@code MCP_PORT}, {@code SERVER_HOST}... but not the host of an
   * upstream API such as {@code REDIS_HOST}), allowed origins and hosts, CORS, TLS certificate files,
   * SSE keys, the transport switch.
   */
  public static boolean isTransportSetting(String name) {
    return TRANSPORT.matcher(name).find();
  }
}
