package dev.catwalk.console;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The server's 400 messages, put next to the fields they name. Validation messages read
 * {@code field: what is wrong}, several joined by {@code "; "} ({@code config.TOKEN: required; name: …});
 * a message that names no field of the page is kept as the form's general error.
 *
 * @param byField messages by field path ({@code config.TOKEN}, {@code name}, {@code recipe.package})
 * @param general what names no field, or null
 */
public record FieldErrors(Map<String, String> byField, String general) {

  /** No errors. */
  public static final FieldErrors NONE = new FieldErrors(Map.of(), null);

  /** Splits a 400 message into field messages. */
  public static FieldErrors parse(String message) {
    Map<String, String> byField = new LinkedHashMap<>();
    StringBuilder general = new StringBuilder();
    for (String part : message == null ? new String[0] : message.split("; ")) {
      int colon = part.indexOf(": ");
      String field = colon > 0 ? part.substring(0, colon) : null;
      if (field != null && field.matches("[A-Za-z0-9_.\\-\\[\\]]+")) {
        byField.merge(field, part.substring(colon + 2), (a, b) -> a + "; " + b);
      } else {
        general.append(general.isEmpty() ? "" : "; ").append(part);
      }
    }
    return new FieldErrors(Map.copyOf(byField), general.isEmpty() ? null : general.toString());
  }

  /** Messages about configuration values, by variable name. */
  public Map<String, String> config() {
    Map<String, String> config = new LinkedHashMap<>();
    byField.forEach((field, text) -> {
      if (field.startsWith("config.")) {
        config.put(field.substring("config.".length()), text);
      }
    });
    return config;
  }

  /** The messages about {@code field} and the fields under it ({@code recipe.headers.X}), or null. */
  public String of(String field) {
    StringBuilder text = new StringBuilder();
    byField.forEach((key, message) -> {
      if (key.equals(field) || key.startsWith(field + ".")) {
        text.append(text.isEmpty() ? "" : "; ").append(key.equals(field) ? "" : key + ": ").append(message);
      }
    });
    return text.isEmpty() ? null : text.toString();
  }

  /**
   * Everything the page cannot put next to one of {@code shown} fields (nor a configuration variable), as one
   * message, or null.
   */
  public String unplaced(java.util.Collection<String> shown) {
    StringBuilder text = new StringBuilder(general == null ? "" : general);
    byField.forEach((field, message) -> {
      if (shown.stream().noneMatch(f -> field.equals(f) || field.startsWith(f + ".")) && !field.startsWith("config.")) {
        text.append(text.isEmpty() ? "" : "; ").append(field).append(": ").append(message);
      }
    });
    return text.isEmpty() ? null : text.toString();
  }
}
