package dev.catwalk.deploy.fly;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** How tokens are presented to the Machines API, as fly-go does (tokens/tokens.go). */
class FlyMachinesClientTest {

  @Test
  void macaroonsGoAsFlyV1AndOtherTokensAsBearer() {
    assertThat(FlyMachinesClient.authorization("FlyV1 fm2_abc,fm2_def")).isEqualTo("FlyV1 fm2_abc,fm2_def");
    assertThat(FlyMachinesClient.authorization("fm2_abc")).isEqualTo("FlyV1 fm2_abc");
    assertThat(FlyMachinesClient.authorization("fm1r_abc")).isEqualTo("FlyV1 fm1r_abc");
    assertThat(FlyMachinesClient.authorization("fm1a_abc")).isEqualTo("FlyV1 fm1a_abc");
    assertThat(FlyMachinesClient.authorization(" personal-token \n")).isEqualTo("Bearer personal-token");
  }

  @Test
  void onlyAmbiguousFailuresMayHaveTakenEffect() {
    assertThat(new FlyApiException(408, "deadline_exceeded").ambiguous()).isTrue();
    assertThat(new FlyApiException(0, "no answer").ambiguous()).isTrue();
    assertThat(new FlyApiException(502, "bad gateway").ambiguous()).isTrue();
    assertThat(new FlyApiException(429, "rate limited").ambiguous()).isFalse();
    assertThat(new FlyApiException(429, "rate limited").retryable()).isTrue();
    assertThat(new FlyApiException(422, "name_taken").retryable()).isFalse();
    assertThat(new FlyApiException(409, "lease held").retryable()).isFalse();
  }
}
