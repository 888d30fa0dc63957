package dev.catwalk.error;

import io.vertx.core.json.JsonObject;

import java.util.Collection;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The one style of validation messages: {@code where: what is wrong}, naming the field and, where
 * there is a set of them, the allowed values: {@code config.DEMO_MODE: must be one of "a", "b"},
 * {@code unknown field "url" (allowed: ref, refresh, repoUrl)}. Values a client sent are quoted
 * through {@link #printable}.
 */
public final class Validation {

  private Validation() {
  }

  /** 400 for the first field of {@code body} not in {@code allowed}; {@code where} names a nested object ({@code recipe}), or is empty. */
  public static void rejectUnknownFields(JsonObject body, String where, Collection<String> allowed) {
    for (String field : body.fieldNames()) {
      if (!allowed.contains(field)) {
        String problem = "unknown field \"" + printable(field) + "\" (allowed: "
            + String.join(", ", new TreeSet<>(allowed)) + ")";
        throw where.isEmpty() ? new BadRequestException(problem) : new BadRequestException(where, problem);
      }
    }
  }

  /**
   * 400 for the first string in {@code value} (keys included, at any depth) that a process environment or
   * Postgres text cannot carry: a NUL character or a lone UTF-16 surrogate. The message names the field
   * ({@code config.API_KEY}), never the value.
   */
  public static void requireCarriableText(Object value, String where) {
    if (value instanceof String text) {
      String problem = uncarriable(text);
      if (problem != null) {
        throw where.isEmpty() ? new BadRequestException("the body: " + problem) : new BadRequestException(where, problem);
      }
    } else if (value instanceof JsonObject object) {
      for (String field : object.fieldNames()) {
        String path = where.isEmpty() ? printable(field) : where + "." + printable(field);
        requireCarriableText(field, path);
        requireCarriableText(object.getValue(field), path);
      }
    } else if (value instanceof io.vertx.core.json.JsonArray array) {
      for (int i = 0; i < array.size(); i++) {
        requireCarriableText(array.getValue(i), where + "[" + i + "]");
      }
    }
  }

  /**
   * Why a process environment cannot carry {@code text}, without quoting it; null when it can.
   */
  public static String uncarriable(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == 0) {
        return "contains a NUL character, which a process environment cannot carry";
      }
      if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return "is not valid Unicode (a lone surrogate)";
      }
    }
    return null;
  }

  /**
   * A value a client sent, made safe to quote in a message: at most 80 characters (then "…"), and
   * anything but printable ASCII replaced with {@code ?}, so no control characters or line breaks
   * reach a response or a log.
   */
  public static String printable(String value) {
    String cut = value.length() > 80 ? value.substring(0, 80) + "…" : value;
    return cut.replaceAll("[^\\x20-\\x7e…]", "?");
  }

  /** {@code must be one of "a", "b"}. */
  public static String oneOf(Collection<?> values) {
    return "must be one of " + values.stream().map(v -> v instanceof String s ? "\"" + s + "\"" : String.valueOf(v))
        .collect(Collectors.joining(", "));
  }
}
