package dev.catwalk.analysis;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Lenient JSON reading for metadata files: JSONC comments, trailing commas, either field spelling. */
public final class Json {

  private Json() {
  }

  /** The text as a JSON object (comments and trailing commas allowed), or null. */
  public static JsonObject object(String text) {
    try {
      Object value = io.vertx.core.json.Json.decodeValue(relax(text));
      return value instanceof JsonObject object ? object : null;
    } catch (DecodeException | IllegalArgumentException e) {
      return null;
    }
  }

  /** The first of {@code names} that holds a string. */
  public static String string(JsonObject json, String... names) {
    for (String name : names) {
      if (json.getValue(name) instanceof String text) {
        return text;
      }
    }
    return null;
  }

  /** The first of {@code names} that holds a boolean, or null. */
  public static Boolean bool(JsonObject json, String... names) {
    for (String name : names) {
      Object value = json.getValue(name);
      if (value instanceof Boolean flag) {
        return flag;
      }
      if ("true".equals(value) || "false".equals(value)) {
        return Boolean.valueOf((String) value);
      }
    }
    return null;
  }

  /** The first of {@code names} that holds an array, else an empty one. */
  public static JsonArray array(JsonObject json, String... names) {
    for (String name : names) {
      if (json.getValue(name) instanceof JsonArray array) {
        return array;
      }
    }
    return new JsonArray();
  }

  /** The object under {@code name}, else an empty one. */
  public static JsonObject object(JsonObject json, String name) {
    return json.getValue(name) instanceof JsonObject object ? object : new JsonObject();
  }

  /** Removes comments ({@code //}, block) and trailing commas outside strings. */
  static String relax(String text) {
    StringBuilder out = new StringBuilder(text.length());
    boolean inString = false;
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (inString) {
        out.append(c);
        if (c == '\\' && i + 1 < text.length()) {
          out.append(text.charAt(++i));
        } else if (c == '"') {
          inString = false;
        }
        i++;
      } else if (c == '"') {
        inString = true;
        out.append(c);
        i++;
      } else if (c == '/' && i + 1 < text.length() && text.charAt(i + 1) == '/') {
        while (i < text.length() && text.charAt(i) != '\n') {
          i++;
        }
      } else if (c == '/' && i + 1 < text.length() && text.charAt(i + 1) == '*') {
        int end = text.indexOf("*/", i + 2);
        i = end < 0 ? text.length() : end + 2;
      } else if (c == ',' && nextSignificant(text, i + 1) == '}' || c == ',' && nextSignificant(text, i + 1) == ']') {
        i++;
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  private static char nextSignificant(String text, int from) {
    for (int i = from; i < text.length(); i++) {
      if (!Character.isWhitespace(text.charAt(i))) {
        return text.charAt(i);
      }
    }
    return 0;
  }
}
