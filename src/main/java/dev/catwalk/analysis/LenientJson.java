package dev.catwalk.analysis;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Map;

/** Lenient JSON reading for metadata files: JSONC comments, trailing commas, either field spelling. */
public final class LenientJson {

  private static final ObjectMapper LENIENT = JsonMapper.builder()
      .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS, JsonReadFeature.ALLOW_TRAILING_COMMA)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  private LenientJson() {
  }

  /** The text as a JSON object (comments and trailing commas allowed), or null. */
  @SuppressWarnings("unchecked")
  public static JsonObject object(String text) {
    try {
      return LENIENT.readValue(text, Object.class) instanceof Map<?, ?> map
          ? new JsonObject((Map<String, Object>) map) : null;
    } catch (JacksonException e) {
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
}
