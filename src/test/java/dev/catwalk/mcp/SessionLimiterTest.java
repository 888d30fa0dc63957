package dev.catwalk.mcp;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The counting of {@link SessionLimiter} on a clock the test moves: the initialize rate refills at its pace and no
 * faster, a released place is free again (once), and the owner's share and the node's cap hold whatever the caps.
 */
class SessionLimiterTest {

  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  @Test
  void theRateRefillsOneInitializeAtItsPaceAfterTheBurst() {
    SessionLimiter limiter = new SessionLimiter(100, new AdmissionOptions(100, 3, 6), now::get);
    SessionGrant grant = grant("d1", "t1", 100, 100);

    for (int i = 0; i < 3; i++) {
      assertThat(limiter.admit(grant)).isInstanceOf(SessionLimiter.Permit.class);
    }
    SessionLimiter.Admission spent = limiter.admit(grant);
    assertThat(spent).isInstanceOf(SessionLimiter.Refusal.class);
    assertThat(((SessionLimiter.Refusal) spent).retryAfterSeconds()).isEqualTo(10);
    assertThat(((SessionLimiter.Refusal) spent).status()).isEqualTo(429);

    advance(9_900);
    assertThat(limiter.admit(grant)).as("not before 10 s").isInstanceOf(SessionLimiter.Refusal.class);
    advance(10_000);
    assertThat(limiter.admit(grant)).isInstanceOf(SessionLimiter.Permit.class);
    assertThat(limiter.admit(grant(("d1"), "t2", 100, 100))).as("another token has its own")
        .isInstanceOf(SessionLimiter.Permit.class);
  }

  @Test
  void aReleasedPlaceIsFreeAgainOnce() {
    SessionLimiter limiter = new SessionLimiter(100, new AdmissionOptions(100, 100, 100), now::get);
    SessionGrant grant = grant("d1", "t1", 2, 1);

    SessionLimiter.Permit first = (SessionLimiter.Permit) limiter.admit(grant);
    assertThat(((SessionLimiter.Refusal) limiter.admit(grant)).limit()).isEqualTo(SessionLimiter.PER_TOKEN);
    assertThat(limiter.admit(grant("d1", "t2", 2, 1))).isInstanceOf(SessionLimiter.Permit.class);
    assertThat(((SessionLimiter.Refusal) limiter.admit(grant("d1", "t3", 2, 1))).limit())
        .isEqualTo(SessionLimiter.PER_DEPLOYMENT);

    first.release();
    first.release();

    assertThat(limiter.open()).isEqualTo(1);
    assertThat(limiter.admit(grant)).isInstanceOf(SessionLimiter.Permit.class);
    assertThat(limiter.admit(grant("d1", "t3", 2, 1))).isInstanceOf(SessionLimiter.Refusal.class);
  }

  @Test
  void anOwnerHoldsAtMostItsShareAndTheNodeAtMostItsCap() {
    SessionLimiter limiter = new SessionLimiter(4, new AdmissionOptions(50, 100, 100), now::get);

    assertThat(limiter.admit(grant("d1", "t1", 100, 100))).isInstanceOf(SessionLimiter.Permit.class);
    assertThat(limiter.admit(grant("d1", "t1", 100, 100))).isInstanceOf(SessionLimiter.Permit.class);
    SessionLimiter.Refusal share = (SessionLimiter.Refusal) limiter.admit(grant("d1", "t1", 100, 100));
    assertThat(share.limit()).isEqualTo(SessionLimiter.SHARE);
    assertThat(share.max()).isEqualTo(2);
    assertThat(share.status()).isEqualTo(503);
    assertThat(limiter.admit(grant("d2", "t9", 100, 100))).isInstanceOf(SessionLimiter.Permit.class);
    assertThat(limiter.admit(SessionGrant.open(() -> null))).as("no owner: no share").isInstanceOf(
        SessionLimiter.Permit.class);

    assertThat(limiter.nodeFull().limit()).isEqualTo(SessionLimiter.NODE);
    assertThat(((SessionLimiter.Refusal) limiter.admit(grant("d3", "t8", 100, 100))).limit())
        .isEqualTo(SessionLimiter.NODE);
  }

  private void advance(long millis) {
    now.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
  }

  private static SessionGrant grant(String owner, String credential, int perOwner, int perCredential) {
    return new SessionGrant(owner, credential, null, new SessionCaps(perOwner, perCredential), () -> null);
  }
}
