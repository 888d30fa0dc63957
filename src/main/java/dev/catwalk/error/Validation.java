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
