package dev.catwalk.analysis;

import dev.catwalk.config.ConfigKeys;
import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.FakeGitHub;
import dev.catwalk.testsupport.FixtureRepos;
import dev.catwalk.testsupport.GatewayHarness;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** The GitHub token goes to the configured API host only, never to a {@code download_url} on another host. */
@Timeout(120)
class GitHubTokenScopeTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.withDatabase();

  @Test
  void downloadsFromAnotherHostCarryNoToken() {
    FakeGitHub github = FakeGitHub.start(resources.vertx());
    github.downloadsOnly("localhost");
    try (GatewayHarness gateway = GatewayHarness.start(resources, raw -> raw.put(ConfigKeys.GITHUB_API_URL,
        github.url()).put(ConfigKeys.GITHUB_TOKEN, "ghp_scopedTokenValue0123456789"))) {
      FixtureRepos.Fixture fixture = FixtureRepos.all().get(0);

      GatewayHarness.Reply reply = gateway.admin(HttpMethod.POST, "/api/analyze?refresh=true",
          new JsonObject().put("repoUrl", fixture.url()));

      assertThat(reply.status()).as(reply.body()).isEqualTo(200);
      assertThat(github.requests()).as("files were downloaded").anyMatch(r -> r.contains("/raw/"));
      assertThat(github.requestsWithToken()).as("the API got the token").anyMatch(r -> r.startsWith("/repos/"));
      assertThat(github.requestsWithToken()).as("downloads did not").noneMatch(r -> r.startsWith("/raw/"));
    } finally {
      github.close();
    }
  }
}
