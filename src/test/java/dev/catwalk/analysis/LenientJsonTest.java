package dev.catwalk.analysis;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Metadata files are read leniently: comments and trailing commas as editors write them (JSONC). */
class LenientJsonTest {

  @Test
  void commentsAndTrailingCommasAreReadOutsideStrings() {
    JsonObject json = LenientJson.object("""
        {
          // the server
          "name": "demo", /* block */
          "url": "https://x.dev/a//b", "note": "/* kept */",
          "args": ["--port", "8080",],
        }
        """);

    assertThat(json).isEqualTo(new JsonObject().put("name", "demo").put("url", "https://x.dev/a//b")
        .put("note", "/* kept */").put("args", new io.vertx.core.json.JsonArray().add("--port").add("8080")));
    assertThat(json.getJsonArray("args")).hasSize(2);
  }

  @Test
  void whatIsNotOneJsonObjectIsNull() {
    assertThat(LenientJson.object("[1, 2]")).isNull();
    assertThat(LenientJson.object("{\"a\": 1} trailing")).isNull();
    assertThat(LenientJson.object("{\"a\": ")).isNull();
  }
}
