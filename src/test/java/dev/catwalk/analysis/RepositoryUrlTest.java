package dev.catwalk.analysis;

import dev.catwalk.error.ApiException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The accepted and rejected forms of repository URLs. */
class RepositoryUrlTest {

  private static final Set<String> ENTERPRISE = Set.of("git.corp.example");

  @ParameterizedTest
  @CsvSource(delimiter = '|', nullValues = "-", value = {
      "https://github.com/acme/weather-mcp                         | github.com       | acme | weather-mcp | -    | ''",
      "https://github.com/acme/weather-mcp.git                     | github.com       | acme | weather-mcp | -    | ''",
      "https://github.com/acme/weather-mcp/                        | github.com       | acme | weather-mcp | -    | ''",
      "http://github.com/acme/weather-mcp                          | github.com       | acme | weather-mcp | -    | ''",
      "https://www.github.com/Acme/Weather.MCP                     | github.com       | Acme | Weather.MCP | -    | ''",
      "https://github.com/mono/toolbox/tree/main/packages/github   | github.com       | mono | toolbox     | main | packages/github",
      "https://github.com/mono/toolbox/tree/v1.2.0/packages/x/     | github.com       | mono | toolbox     | v1.2.0 | packages/x",
      "https://github.com/mono/toolbox/tree/dev                    | github.com       | mono | toolbox     | dev  | ''",
      "https://github.com/acme/weather-mcp?tab=readme-ov-file#use  | github.com       | acme | weather-mcp | -    | ''",
      "git@github.com:acme/weather-mcp.git                         | github.com       | acme | weather-mcp | -    | ''",
      "git@github.com:acme/weather-mcp                             | github.com       | acme | weather-mcp | -    | ''",
      "acme/weather-mcp                                            | github.com       | acme | weather-mcp | -    | ''",
      "  acme/weather-mcp                                          | github.com       | acme | weather-mcp | -    | ''",
      "https://git.corp.example/team/server                        | git.corp.example | team | server      | -    | ''",
  })
  void accepted(String input, String host, String owner, String repo, String ref, String subdir) {
    RepositoryUrl url = RepositoryUrl.parse(input, ENTERPRISE);
    assertThat(url).isEqualTo(new RepositoryUrl(host, owner, repo, ref, subdir));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "   ", "acme", "acme/", "/weather", "acme/weather/extra", "https://gitlab.com/acme/weather",
      "https://github.com/acme", "https://github.com/acme/weather/tree/main/../../etc",
      "https://github.com/acme/weather/tree/main/a/./b", "https://github.com/acme/weather/issues/3",
      "https://github.com/../weather", "acme/wea\u0000ther", "acme/weather\nx", "https://user:pw@github.com/acme/weather",
      "ftp://github.com/acme/weather", "not a url", "javascript:alert(1)", "https://github.com/acme/we%2e%2e",
      "https://github.com/-acme/weather", "file:///etc/passwd"})
  void rejected(String input) {
    assertThatThrownBy(() -> RepositoryUrl.parse(input, ENTERPRISE))
        .isInstanceOfSatisfying(ApiException.class, e -> {
          assertThat(e.status()).isEqualTo(400);
          assertThat(e.getMessage()).contains("accepted forms").contains("OWNER/REPO");
        });
  }
}
