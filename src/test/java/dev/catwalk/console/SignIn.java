package dev.catwalk.console;

import dev.catwalk.testsupport.browser.PageClient;
import dev.catwalk.testsupport.browser.PageClient.Page;

import java.net.URI;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Signs a {@link PageClient} in through the sign-in page, as a person would, and lands on {@code path}. */
final class SignIn {

  private SignIn() {
  }

  /** Signs in with {@code password} and follows the redirect to {@code path} (a console path without a query). */
  static Page as(PageClient client, int port, String user, String password, String path) {
    Page form = client.get(URI.create("http://127.0.0.1:" + port + "/signin?next=" + path.replace("/", "%2F")));
    Page signedIn = client.submit(form, "form[action='/signin']", Map.of("username", user, "password", password), null);
    assertThat(signedIn.header("Location")).as(signedIn.body()).isEqualTo(path);
    return client.follow(signedIn);
  }
}
