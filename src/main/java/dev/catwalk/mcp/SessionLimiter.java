package dev.catwalk.mcp;

import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Admits new sessions on one {@link McpEndpoint} and counts the open ones: the node's cap
 * ({@link RelayOptions#maxSessions()}), the share of it one owner may hold, each grant's {@link SessionCaps}, and a
 * token bucket per credential for the rate of {@code initialize} requests. The one owner of these counts: the
 * endpoint serves every HTTP event loop, so its methods are synchronized, and they hold the lock only to count.
 */
public final class SessionLimiter {

  /** {@code error.data.limit} of a refusal: the node's session cap. */
  public static final String NODE = "nodeSessions";
  /** {@code error.data.limit} of a refusal: the initialize rate of one credential. */
  public static final String RATE = "initializeRate";
  /** {@code error.data.limit} of a refusal: the owner's {@link SessionCaps#perCredential()}. */
  public static final String PER_TOKEN = "maxSessionsPerToken";
  /** {@code error.data.limit} of a refusal: the owner's {@link SessionCaps#perOwner()}. */
  public static final String PER_DEPLOYMENT = "maxSessions";
  /** {@code error.data.limit} of a refusal: the share of the node one owner may hold. */
  public static final String SHARE = "deploymentShare";

  private static final long NODE_RETRY_SECONDS = 5;
  private static final long CAP_RETRY_SECONDS = 10;

  private final int maxSessions;
  private final AdmissionOptions options;
  private final LongSupplier nanoClock;
  private final double refillNanos;
  private final Map<String, Integer> byOwner = new HashMap<>();
  private final Map<String, Integer> byCredential = new HashMap<>();
  private final Map<String, Bucket> buckets = new HashMap<>();
  private int open;

  /**
   * @param maxSessions the node's session cap
   * @param nanoClock   the time in nanoseconds ({@link System#nanoTime} but in tests of the rate)
   */
  public SessionLimiter(int maxSessions, AdmissionOptions options, LongSupplier nanoClock) {
    this.maxSessions = maxSessions;
    this.options = options;
    this.nanoClock = nanoClock;
    this.refillNanos = options.initializePerMinute() <= 0 ? Double.POSITIVE_INFINITY
        : 60e9 / options.initializePerMinute();
  }

  /** What {@link #admit} answers: a permit for the new session, or a refusal. */
  public sealed interface Admission permits Permit, Refusal {
  }

  /**
   * Why a session may not open now.
   *
   * @param status            the HTTP status to answer with: 429 for the client's own limits, 503 for capacity
   * @param limit             which limit ({@link #NODE}, {@link #RATE}, …)
   * @param max               the limit's value
   * @param retryAfterSeconds when to try again ({@code Retry-After})
   * @param message           for the client; names the setting that decides
   */
  public record Refusal(int status, String limit, int max, long retryAfterSeconds, String message)
      implements Admission {

    /** The JSON-RPC error's {@code data}. */
    public JsonObject data() {
      return new JsonObject().put("limit", limit).put("max", max).put("retryAfter", retryAfterSeconds);
    }
  }

  /** A session's place in the counts, held while it is open; {@link #release} gives it back (once). */
  public final class Permit implements Admission {
    private final String owner;
    private final String credential;
    private boolean released;

    private Permit(String owner, String credential) {
      this.owner = owner;
      this.credential = credential;
    }

    /** Gives the place back; later calls do nothing. */
    public void release() {
      SessionLimiter.this.release(this);
    }
  }

  /** Sessions admitted and not released. */
  public synchronized int open() {
    return open;
  }

  /** The refusal when the node is full, else null (a cheap check before authorizing). */
  public synchronized Refusal nodeFull() {
    return open >= maxSessions ? new Refusal(503, NODE, maxSessions, NODE_RETRY_SECONDS,
        "too many sessions on this node (CATWALK_MCP_MAX_SESSIONS: " + maxSessions + "); retry later") : null;
  }

  /**
   * Admits a session for {@code grant}, counting it, or says why not. The rate of its credential is spent even when a
   * cap refuses it (a client retrying a full deployment in a loop is a flood too).
   */
  public synchronized Admission admit(SessionGrant grant) {
    Refusal full = nodeFull();
    if (full != null) {
      return full;
    }
    String owner = grant.owner();
    String credential = grant.credentialId() == null ? null : owner + " " + grant.credentialId();
    if (credential != null && options.initializeBurst() > 0) {
      long wait = take(credential);
      if (wait > 0) {
        long seconds = Math.max(1, (wait + 999_999_999L) / 1_000_000_000L);
        return new Refusal(429, RATE, options.initializePerMinute(), seconds, "too many new sessions for this access"
            + " token: " + options.initializeBurst() + " at once, then " + options.initializePerMinute()
            + " a minute (CATWALK_MCP_INITIALIZE_BURST, CATWALK_MCP_INITIALIZE_PER_MINUTE); retry in " + seconds + " s");
      }
    }
    SessionCaps caps = grant.caps();
    if (caps != null && credential != null && count(byCredential, credential) >= caps.perCredential()) {
      return new Refusal(429, PER_TOKEN, caps.perCredential(), CAP_RETRY_SECONDS, "this access token already has "
          + caps.perCredential() + " open sessions on this deployment, its limit (limits.maxSessionsPerToken); end one"
          + " (DELETE with its MCP-Session-Id) or retry later");
    }
    if (owner != null) {
      int held = count(byOwner, owner);
      if (caps != null && held >= caps.perOwner()) {
        return new Refusal(503, PER_DEPLOYMENT, caps.perOwner(), CAP_RETRY_SECONDS, "this deployment already has "
            + caps.perOwner() + " open sessions, its limit (limits.maxSessions); retry later");
      }
      int share = ownerShare();
      if (held >= share) {
        return new Refusal(503, SHARE, share, CAP_RETRY_SECONDS, "this deployment holds " + held + " of this node's "
            + maxSessions + " sessions, the most one deployment may hold (CATWALK_MCP_DEPLOYMENT_SHARE: "
            + options.ownerSharePercent() + " %); retry later");
      }
    }
    open++;
    increment(byOwner, owner, 1);
    increment(byCredential, credential, 1);
    return new Permit(owner, credential);
  }

  /** Forgets the rate buckets that are full again (call now and then: they are made afresh when needed). */
  public synchronized void prune() {
    long now = nanoClock.getAsLong();
    for (Iterator<Bucket> i = buckets.values().iterator(); i.hasNext(); ) {
      Bucket bucket = i.next();
      if (bucket.tokens + (now - bucket.at) / refillNanos >= options.initializeBurst()) {
        i.remove();
      }
    }
  }

  /** The most sessions one owner may hold on this node, whatever its caps. */
  private int ownerShare() {
    return (int) Math.max(1, (long) maxSessions * options.ownerSharePercent() / 100);
  }

  private synchronized void release(Permit permit) {
    if (permit.released) {
      return;
    }
    permit.released = true;
    open--;
    increment(byOwner, permit.owner, -1);
    increment(byCredential, permit.credential, -1);
  }

  /** Takes one initialize of the credential's bucket: 0, or the nanoseconds until one is there. */
  private long take(String credential) {
    long now = nanoClock.getAsLong();
    Bucket bucket = buckets.computeIfAbsent(credential, k -> new Bucket(options.initializeBurst(), now));
    bucket.tokens = Math.min(options.initializeBurst(), bucket.tokens + (now - bucket.at) / refillNanos);
    bucket.at = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return (long) Math.ceil((1 - bucket.tokens) * refillNanos);
  }

  private static int count(Map<String, Integer> counts, String key) {
    return counts.getOrDefault(key, 0);
  }

  private static void increment(Map<String, Integer> counts, String key, int by) {
    if (key != null) {
      counts.merge(key, by, (a, b) -> a + b == 0 ? null : a + b);
    }
  }

  /** Initializes a credential may still send, and when that was last worked out. */
  private static final class Bucket {
    private double tokens;
    private long at;

    Bucket(double tokens, long at) {
      this.tokens = tokens;
      this.at = at;
    }
  }
}
