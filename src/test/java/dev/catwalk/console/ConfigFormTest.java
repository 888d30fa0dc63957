package dev.catwalk.console;

import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The form generated from a configSchema: every keyword the console reads, and the values read back. */
class ConfigFormTest {

  static final JsonObject SCHEMA = new JsonObject().put("type", "object")
      .put("properties", new JsonObject()
          .put("API_KEY", new JsonObject().put("type", "string").put("writeOnly", true).put("title", "API key")
              .put("description", "From the developer console").put("minLength", 8))
          .put("REGION", new JsonObject().put("type", "string").put("enum", new JsonArray(List.of("eu", "us")))
              .put("default", "eu"))
          .put("MODE", new JsonObject().put("type", "string").put("enum", new JsonArray(List.of("fast", "safe"))))
          .put("VERBOSE", new JsonObject().put("type", "boolean").put("default", true))
          .put("PORT", new JsonObject().put("type", "integer").put("minimum", 1).put("maximum", 65535))
          .put("RATIO", new JsonObject().put("type", "number").put("minimum", 0.5))
          .put("SLUG", new JsonObject().put("type", "string").put("pattern", "^[a-z]+$").put("maxLength", 20))
          .put("HOMEPAGE", new JsonObject().put("type", "string").put("format", "uri"))
          .put("CONTACT", new JsonObject().put("type", "string").put("format", "email"))
          .put("NOTE", new JsonObject().put("description", "  ")))
      .put("required", new JsonArray(List.of("API_KEY", "REGION", "PORT")));

  private static Map<String, ConfigForm.Field> byName(List<ConfigForm.Field> fields) {
    Map<String, ConfigForm.Field> map = new java.util.LinkedHashMap<>();
    fields.forEach(f -> map.put(f.name(), f));
    return map;
  }

  @Test
  void everyKeywordBecomesTheInputThatChecksIt() {
    JsonObject sources = new JsonObject().put("configSchema.properties.API_KEY.writeOnly",
        new JsonObject().put("path", "server.json")).put("configSchema.properties.SLUG", new JsonObject().put("llm", "m1"));
    Map<String, ConfigForm.Field> f = byName(ConfigForm.fields(SCHEMA, Map.of(), Set.of(), sources, Map.of("PORT", "too big")));

    assertThat(f.keySet()).containsExactly("API_KEY", "REGION", "MODE", "VERBOSE", "PORT", "RATIO", "SLUG", "HOMEPAGE",
        "CONTACT", "NOTE");
    ConfigForm.Field key = f.get("API_KEY");
    assertThat(key.input()).isEqualTo("password");
    assertThat(key.secret()).isTrue();
    assertThat(key.required()).isTrue();
    assertThat(key.label()).isEqualTo("API key");
    assertThat(key.help()).isEqualTo("From the developer console");
    assertThat(key.minLength()).isEqualTo(8);
    assertThat(key.source()).isEqualTo("server.json");
    assertThat(key.param()).isEqualTo("cfg.API_KEY");

    assertThat(f.get("REGION").input()).isEqualTo("select");
    assertThat(f.get("REGION").options()).containsExactly("eu", "us");
    assertThat(f.get("REGION").value()).isEqualTo("eu");
    assertThat(f.get("MODE").options()).as("optional: an empty first choice").containsExactly("", "fast", "safe");
    assertThat(f.get("MODE").required()).isFalse();

    assertThat(f.get("VERBOSE").input()).isEqualTo("checkbox");
    assertThat(f.get("VERBOSE").checked()).isTrue();

    ConfigForm.Field port = f.get("PORT");
    assertThat(List.of(port.input(), port.min(), port.max(), port.step())).containsExactly("number", "1", "65535", "1");
    assertThat(port.error()).isEqualTo("too big");
    assertThat(List.of(f.get("RATIO").min(), f.get("RATIO").step())).containsExactly("0.5", "any");
    assertThat(f.get("RATIO").max()).isNull();

    assertThat(f.get("SLUG").pattern()).isEqualTo("^[a-z]+$");
    assertThat(f.get("SLUG").maxLength()).isEqualTo(20);
    assertThat(f.get("SLUG").source()).isEqualTo("suggested by m1");
    assertThat(f.get("HOMEPAGE").input()).isEqualTo("url");
    assertThat(f.get("CONTACT").input()).isEqualTo("email");
    assertThat(f.get("NOTE").input()).isEqualTo("text");
    assertThat(f.get("NOTE").label()).isEqualTo("NOTE");
    assertThat(f.get("NOTE").help()).as("a blank description is no help").isNull();
  }

  @Test
  void typedValuesComeBackButSecretsNeverDo() {
    Map<String, ConfigForm.Field> f = byName(ConfigForm.fields(SCHEMA,
        Map.of("API_KEY", "leaked?", "PORT", "99999", "REGION", "us"), Set.of("API_KEY"), null, Map.of()));
    assertThat(f.get("API_KEY").value()).isNull();
    assertThat(f.get("API_KEY").secretSet()).isTrue();
    assertThat(f.get("API_KEY").required()).as("a set secret may be left empty to keep it").isFalse();
    assertThat(f.get("PORT").value()).isEqualTo("99999");
    assertThat(f.get("REGION").value()).isEqualTo("us");
  }

  @Test
  void theSubmittedFormIsReadIntoTypedValues() {
    MultiMap form = MultiMap.caseInsensitiveMultiMap().add("cfg.API_KEY", "k-123456").add("cfg.REGION", "us")
        .add("cfg.MODE", "").add("cfg.PORT", "8080").add("cfg.RATIO", "0.75").add("cfg.SLUG", "abc")
        .add("cfg.HOMEPAGE", "not a number either").add("name", "ignored");
    JsonObject config = ConfigForm.read(SCHEMA, form, false);
    assertThat(config).isEqualTo(new JsonObject().put("API_KEY", "k-123456").put("REGION", "us")
        .put("VERBOSE", false).put("PORT", 8080L).put("RATIO", 0.75).put("SLUG", "abc")
        .put("HOMEPAGE", "not a number either"));
    JsonObject notNumber = ConfigForm.read(SCHEMA, MultiMap.caseInsensitiveMultiMap().add("cfg.PORT", "eighty"), false);
    assertThat(notNumber.getValue("PORT")).as("passed on for the server to name").isEqualTo("eighty");
    assertThat(ConfigForm.typed(SCHEMA, form)).doesNotContainKey("API_KEY").containsEntry("PORT", "8080")
        .containsEntry("VERBOSE", "false");
    assertThat(ConfigForm.secrets(SCHEMA)).containsExactly("API_KEY");
    assertThat(ConfigForm.fields(null, Map.of(), Set.of(), null, Map.of())).isEmpty();
  }

  @Test
  void serverMessagesGoNextToTheirFields() {
    FieldErrors errors = FieldErrors.parse("config.PORT: must be at most 65535; config.API_KEY: required; "
        + "name: 1 to 63 lower-case letters; recipe.headers.X-Key: not allowed; something else went wrong");
    assertThat(errors.config()).containsEntry("PORT", "must be at most 65535").containsEntry("API_KEY", "required");
    assertThat(errors.of("name")).isEqualTo("1 to 63 lower-case letters");
    assertThat(errors.of("recipe.headers")).isEqualTo("recipe.headers.X-Key: not allowed");
    assertThat(errors.unplaced(List.of("name"))).isEqualTo("something else went wrong; recipe.headers.X-Key: not allowed");
    assertThat(errors.unplaced(List.of("name", "recipe.headers"))).isEqualTo("something else went wrong");
    assertThat(FieldErrors.parse(null).unplaced(List.of())).isNull();
  }
}
