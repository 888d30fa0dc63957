package dev.catwalk.config;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The defaults are written once (conf/config.yaml), every key is a constant and has one row in docs/configuration.md. */
class ConfigDefaultsTest {

  private static final Pattern ROW = Pattern.compile("^\\| (\\w+) \\| ([^|]+) \\| ([^|]+) \\|", Pattern.MULTILINE);

  @Test
  void everyDefaultIsInASectionNamedByAKeyAndDocumentedWithItsValue() throws IOException {
    Map<String, Object> file;
    try (InputStream in = Files.newInputStream(Path.of(ConfigLoader.DEFAULTS_FILE))) {
      file = new Yaml().load(in);
    }
    String docs = Files.readString(Path.of("docs/configuration.md"));
    Map<String, String[]> rows = new java.util.HashMap<>();
    Matcher row = ROW.matcher(docs);
    while (row.find()) {
      Matcher key = Pattern.compile("`([A-Z_]+)`").matcher(row.group(2));
      String[] defaults = row.group(3).strip().split(", ");
      for (int i = 0; key.find(); i++) {
        rows.put(key.group(1), new String[] {row.group(1), defaults.length > i ? defaults[i] : defaults[0]});
      }
    }

    file.forEach((section, leaves) -> {
      assertThat(leaves).as("top-level entry %s is a section", section).isInstanceOf(Map.class);
      ((Map<?, ?>) leaves).forEach((key, value) -> {
        assertThat(ConfigKeys.ALL).as("%s is a key of ConfigKeys", key).contains((String) key);
        assertThat(rows).as("%s has a row in docs/configuration.md", key).containsKey((String) key);
        assertThat(rows.get(key)[0]).as("%s is documented in its section", key).isEqualTo(section);
        String shown = rows.get(key)[1];
        assertThat(shown.equals("`" + value + "`") || shown.startsWith("`" + value + "` (") || "".equals(value) && shown.equals("unset"))
            .as("%s is documented with the default %s, not %s", key, value, shown).isTrue();
      });
    });
    assertThat(rows.keySet()).as("every key of ConfigKeys is documented").containsAll(ConfigKeys.ALL);
  }

  @Test
  void sectionsAreFlattenedAndATopLevelValueWins() {
    JsonObject merged = new JsonObject().put("http", new JsonObject().put("PORT", 8080).put("HOST", "127.0.0.1"))
        .put("mcp", new JsonObject().put("CATWALK_MCP_MAX_SESSIONS", 1000)).put("PORT", "9090");

    assertThat(ConfigLoader.flatten(merged)).isEqualTo(new JsonObject().put("PORT", "9090").put("HOST", "127.0.0.1")
        .put("CATWALK_MCP_MAX_SESSIONS", 1000));
    assertThatThrownBy(() -> ConfigLoader.flatten(new JsonObject().put("a", new JsonObject().put("PORT", 1))
        .put("b", new JsonObject().put("PORT", 2)))).isInstanceOf(ConfigException.class).hasMessageContaining("PORT");
  }

  @Test
  void aKeyRemovedFromTheFileIsReportedNotSilentlyDefaulted() {
    JsonObject raw = dev.catwalk.testsupport.TestConfig.raw("postgres://u:p@db/app");
    raw.remove(ConfigKeys.FLY_GUEST);
    raw.remove(ConfigKeys.PROVISION_WAIT);

    assertThatThrownBy(() -> CatwalkConfig.from(raw, CatwalkConfig.Purpose.SERVE)).isInstanceOf(ConfigException.class)
        .hasMessageContaining(ConfigKeys.FLY_GUEST + ": missing")
        .hasMessageContaining(ConfigKeys.PROVISION_WAIT + ": missing");
  }
}
