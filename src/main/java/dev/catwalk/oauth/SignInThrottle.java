package dev.catwalk.oauth;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed sign-ins remembered per account name and per client address, in this process: past the limit
 * within the window, further attempts are refused without looking at the password. The same answer is
 * given whether the account exists or not.
 */
public final class SignInThrottle {

  private final int perAccount;
  private final int perAddress;
  private final Duration window;
  private final Map<String, Deque<Long>> failures = new ConcurrentHashMap<>();

  /**
   * @param perAccount failures allowed per user name within {@code window}
   * @param perAddress failures allowed per client address within {@code window}
   */
  public SignInThrottle(int perAccount, int perAddress, Duration window) {
    this.perAccount = perAccount;
    this.perAddress = perAddress;
    this.window = window;
  }

  /** Five per account and twenty per address in fifteen minutes. */
  public static SignInThrottle defaults() {
    return new SignInThrottle(5, 20, Duration.ofMinutes(15));
  }

  /** Whether another attempt for this name from this address may be checked now. */
  public boolean allowed(String username, String address) {
    return recent("u:" + username) < perAccount && recent("a:" + address) < perAddress;
  }

  /** Records a failed attempt. */
  public void failed(String username, String address) {
    long now = System.nanoTime();
    for (String key : new String[] {"u:" + username, "a:" + address}) {
      failures.compute(key, (k, times) -> {
        Deque<Long> list = times == null ? new ArrayDeque<>() : times;
        list.addLast(now);
        return list;
      });
    }
  }

  /** Forgets the failures of a name after it signed in. */
  public void succeeded(String username) {
    failures.remove("u:" + username);
  }

  private int recent(String key) {
    long cutoff = System.nanoTime() - window.toNanos();
    Deque<Long> times = failures.computeIfPresent(key, (k, list) -> {
      while (!list.isEmpty() && list.peekFirst() < cutoff) {
        list.pollFirst();
      }
      return list.isEmpty() ? null : list;
    });
    return times == null ? 0 : times.size();
  }
}
