package dev.catwalk.deploy;

import dev.catwalk.error.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Recipes become command lines, configuration splits into plain values and secrets, bad ones are named. */
class RecipeAndConfigTest {

  @Test
  void eachRuntimeBecomesItsCommandLine() {
    assertThat(recipe("{\"runtime\":\"npm\",\"package\":\"@modelcontextprotocol/server-everything\",\"version\":\"2026.8.31\",\"args\":[\"stdio\"]}")
        .commandLine(Set.of())).containsExactly("npx", "-y", "@modelcontextprotocol/server-everything@2026.8.31", "stdio");
    assertThat(recipe("{\"runtime\":\"pypi\",\"package\":\"mcp-server-fetch\",\"version\":\"1.2.0\"}").commandLine(Set.of()))
        .containsExactly("uvx", "mcp-server-fetch==1.2.0");
    assertThat(recipe("{\"runtime\":\"oci\",\"package\":\"ghcr.io/acme/mcp\",\"version\":\"1.0\"}")
        .commandLine(Set.of("B_KEY", "A_KEY")))
        .containsExactly("docker", "run", "-i", "--rm", "-e", "A_KEY", "-e", "B_KEY", "ghcr.io/acme/mcp:1.0");
    assertThat(recipe("{\"runtime\":\"command\",\"command\":\"python3\",\"args\":[\"-m\",\"server\"]}").commandLine(Set.of()))
        .containsExactly("python3", "-m", "server");
    Recipe remote = recipe("{\"runtime\":\"remote\",\"url\":\"https://mcp.example.com/mcp\",\"headers\":{\"X-Api-Key\":\"${API_KEY}\"}}");
    assertThat(remote.transport()).isEqualTo("streamable-http");
    assertThat(remote.headerVariables()).containsExactly("API_KEY");
    assertThat(remote.resolvedHeaders(Map.of("API_KEY", "k$1\\x"))).containsEntry("X-Api-Key", "k$1\\x");
    assertThat(Recipe.fromJson(remote.toJson())).isEqualTo(remote);
  }

  @Test
  void badRecipesAreNamed() {
    assertBad("{\"runtime\":\"npm\"}", "recipe.package: missing");
    assertBad("{\"runtime\":\"npm\",\"package\":\"x; rm -rf /\"}", "not a valid package name");
    assertBad("{\"runtime\":\"npm\",\"package\":\"x\",\"version\":\"1 && evil\"}", "recipe.version");
    assertBad("{\"runtime\":\"remote\",\"url\":\"ftp://x\"}", "http(s) URL");
    assertBad("{\"runtime\":\"remote\",\"url\":\"https://user:pw@x/mcp\"}", "no user info");
    assertBad("{\"runtime\":\"command\",\"command\":\"x\",\"url\":\"https://x\"}", "remote servers only");
    assertBad("{\"runtime\":\"command\",\"command\":\"x\",\"transport\":\"sse\"}", "recipe.transport");
    assertBad("{\"runtime\":\"command\",\"command\":\"x\",\"extra\":1}", "unknown field");
    assertBad("{\"runtime\":\"remote\",\"url\":\"https://x/mcp\",\"headers\":{\"Bad Header\":\"v\"}}", "not a valid header");
    assertBad("{\"runtime\":\"npm\",\"package\":\"x\",\"command\":\"node\"}", "recipe.command");
    assertBad("{\"runtime\":\"command\",\"command\":\"x\",\"package\":\"y\"}", "belong to npm, pypi and oci");
    assertBad("{\"runtime\":\"command\",\"command\":\"x\",\"version\":\"1.0\"}", "belong to npm, pypi and oci");
    assertBad("{\"runtime\":\"remote\",\"url\":\"https://x/mcp\",\"version\":\"1.0\"}", "belong to npm, pypi and oci");
  }

  @Test
  void configurationSplitsByWriteOnlyAndIsValidated() {
    JsonObject schema = new JsonObject().put("type", "object").put("required", new JsonArray().add("TOKEN"))
        .put("properties", new JsonObject()
            .put("TOKEN", new JsonObject().put("type", "string").put("writeOnly", true))
            .put("DEBUG", new JsonObject().put("type", "boolean"))
            .put("PORT", new JsonObject().put("type", "integer").put("maximum", 65535)));

    DeploymentConfig config = DeploymentConfig.validate(schema,
        new JsonObject().put("TOKEN", "t0p-secret").put("DEBUG", true).put("PORT", 8080));

    assertThat(config.secrets()).containsExactly(Map.entry("TOKEN", "t0p-secret"));
    assertThat(config.plain()).isEqualTo(new JsonObject().put("DEBUG", true).put("PORT", 8080));
    assertThatThrownBy(() -> DeploymentConfig.validate(schema, new JsonObject().put("TOKEN", "t0p-secret")
        .put("PORT", 70000))).isInstanceOf(ApiException.class).hasMessageContaining("PORT")
        .hasMessageContaining("maximum").hasMessageNotContaining("t0p-secret").hasMessageNotContaining("70000");
    assertThatThrownBy(() -> DeploymentConfig.validate(schema, new JsonObject().put("TOKEN", 5)))
        .hasMessageContaining("TOKEN").hasMessageContaining("type");
    assertThatThrownBy(() -> DeploymentConfig.validate(schema, new JsonObject()))
        .hasMessageContaining("config.TOKEN: required");
  }

  @Test
  void messagesNameTheFieldAndTheAllowedValuesInOneStyle() {
    JsonObject schema = new JsonObject().put("type", "object").put("properties", new JsonObject()
        .put("DEMO_MODE", new JsonObject().put("type", "string").put("enum", new JsonArray().add("a").add("b"))));

    assertThatThrownBy(() -> DeploymentConfig.validate(schema, new JsonObject().put("DEMO_MODE", "c")))
        .hasMessage("config.DEMO_MODE: must be one of \"a\", \"b\"");
    assertThatThrownBy(() -> DeploymentConfig.validate(schema, new JsonObject().put("url", "x")))
        .hasMessage("config: unknown field \"url\" (allowed: DEMO_MODE)");
    assertThatThrownBy(() -> Recipe.fromJson(new JsonObject().put("runtime", "nix")))
        .hasMessage("recipe.runtime: must be one of \"npm\", \"pypi\", \"oci\", \"command\", \"remote\"");
    assertThatThrownBy(() -> Recipe.fromJson(new JsonObject().put("runtime", "npm").put("pkg", "x")))
        .hasMessageStartingWith("recipe: unknown field \"pkg\" (allowed: ");
  }

  @Test
  void withoutASchemaEveryValueIsASecretString() {
    DeploymentConfig config = DeploymentConfig.validate(null, new JsonObject().put("A", "x").put("B", 2).put("C", true));
    assertThat(config.plain().isEmpty()).isTrue();
    assertThat(config.secrets()).containsExactlyInAnyOrderEntriesOf(Map.of("A", "x", "B", "2", "C", "true"));
    assertThatThrownBy(() -> DeploymentConfig.validate(null, new JsonObject().put("1BAD", "x")))
        .hasMessageContaining("not a valid variable name");
    assertThatThrownBy(() -> DeploymentConfig.validate(null, new JsonObject().put("OBJ", new JsonObject())))
        .hasMessageContaining("OBJ");
  }

  @Test
  void redactionReplacesEverySecretValueLongestFirst() {
    assertThat(dev.catwalk.crypto.Redaction.of(List.of("abcd", "abcd1234", "abc")).apply("key=abcd1234 and abcd abc"))
        .isEqualTo("key=[redacted] and [redacted] abc");
    assertThat(dev.catwalk.crypto.Redaction.ofSecretLookingVariables(Map.of("API_KEY", "k-123", "MODE", "fast"))
        .apply("k-123 fast")).isEqualTo("[redacted] fast");
  }

  private static Recipe recipe(String json) {
    return Recipe.fromJson(new JsonObject(json));
  }

  private static void assertBad(String json, String message) {
    assertThatThrownBy(() -> recipe(json)).isInstanceOf(ApiException.class).hasMessageContaining(message)
        .extracting(e -> ((ApiException) e).status()).isEqualTo(400);
  }
}
