package dev.catwalk.testsupport.fly;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * One fake Machine: its record as the Machines API shows it (superfly/docs
 * machines/api/machines-resource.html.markerb, "Machine properties"; superfly/fly-go machine_types.go),
 * its current process, lease, pending waits and the queue that runs its lifecycle operations one at
 * a time. Confined to the fake's context.
 */
final class FakeMachine {

  static final String CREATED = "created";
  static final String STARTING = "starting";
  static final String STARTED = "started";
  static final String STOPPING = "stopping";
  static final String STOPPED = "stopped";
  static final String FAILED = "failed";
  static final String DESTROYING = "destroying";
  static final String DESTROYED = "destroyed";

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  private static final int MAX_EVENTS = 100;

  final String id;
  final String app;
  final String name;
  final String region;
  final String privateIp;
  final Instant createdAt = now();
  Instant updatedAt = createdAt;
  String state = CREATED;
  String instanceId = ulid();
  JsonObject config;
  /** The app's secrets as of this version (Machines read secrets when created or updated). */
  Map<String, String> secrets;
  MachineProcess process;
  /** Automatic restarts since the last start by the user (restart policy on-failure). */
  int restarts;
  Lease lease;
  private final LinkedList<JsonObject> events = new LinkedList<>();
  private final List<Waiter> waiters = new ArrayList<>();
  private Future<Void> queue = Future.succeededFuture();

  FakeMachine(String app, String name, String region, String privateIp, JsonObject config, Map<String, String> secrets) {
    this.id = HexFormat.of().formatHex(randomBytes(7));
    this.app = app;
    this.name = name;
    this.region = region;
    this.privateIp = privateIp;
    this.config = config;
    this.secrets = secrets;
  }

  /** A lease on the Machine (machines-resource "Create a Machine lease"). */
  record Lease(String nonce, String owner, String description, String version, long expiresAtSeconds) {
    boolean active() {
      return Instant.now().getEpochSecond() < expiresAtSeconds;
    }

    JsonObject toJson() {
      return new JsonObject().put("nonce", nonce).put("expires_at", expiresAtSeconds).put("owner", owner)
          .put("description", description).put("version", version);
    }
  }

  private record Waiter(Set<String> states, String instanceId, Promise<String> promise) {
  }

  /** Runs {@code operation} after every operation queued before it. */
  Future<Void> enqueue(Supplier<Future<Void>> operation) {
    queue = queue.transform(ar -> {
      try {
        return operation.get();
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
    });
    return queue;
  }

  /** The lease currently held, or null. */
  Lease activeLease() {
    return lease != null && lease.active() ? lease : null;
  }

  void state(String newState) {
    state = newState;
    updatedAt = now();
    waiters.removeIf(waiter -> {
      if (reached(waiter.states(), waiter.instanceId())) {
        waiter.promise().tryComplete(state);
        return true;
      }
      return false;
    });
  }

  /** Whether the Machine is in one of {@code states} (for {@code instanceId}, when given). */
  boolean reached(Set<String> states, String instance) {
    return states.contains(state)
        && (instance == null || instance.isEmpty() || instance.equals(instanceId) || state.equals(DESTROYED));
  }

  /** Completes with the state reached; the caller times it out with {@link #forget}. */
  Future<String> await(Set<String> states, String instance) {
    Promise<String> promise = Promise.promise();
    waiters.add(new Waiter(states, instance, promise));
    return promise.future();
  }

  void forget(Future<String> wait) {
    waiters.removeIf(waiter -> waiter.promise().future() == wait);
  }

  /** Adds an event, newest first (superfly/fly-go machine_types.go MachineEvent). */
  void event(String type, String status, String source, JsonObject request) {
    JsonObject event = new JsonObject().put("id", ulid()).put("type", type).put("status", status).put("source", source)
        .put("timestamp", System.currentTimeMillis());
    if (request != null) {
      event.put("request", request);
    }
    events.addFirst(event);
    if (events.size() > MAX_EVENTS) {
      events.removeLast();
    }
  }

  /** An exit event's request: {@code {exit_event: {exit_code, oom_killed, requested_stop, restarting, exited_at}}}. */
  static JsonObject exit(int code, boolean requested, boolean restarting) {
    return new JsonObject().put("exit_event", new JsonObject().put("exit_code", code).put("guest_exit_code", code)
        .put("oom_killed", false).put("requested_stop", requested).put("restarting", restarting)
        .put("exited_at", now().toString()));
  }

  JsonArray events() {
    return new JsonArray(events.stream().map(JsonObject::copy).toList());
  }

  String image() {
    return config.getString("image", "");
  }

  JsonObject metadata() {
    JsonObject metadata = config.getJsonObject("metadata");
    return metadata == null ? new JsonObject() : metadata;
  }

  /** The Machine object (machines-resource "Machine properties"; _machines_create_resp.erb). */
  JsonObject toJson() {
    JsonObject json = new JsonObject()
        .put("id", id)
        .put("name", name)
        .put("state", state)
        .put("region", region)
        .put("instance_id", instanceId)
        .put("private_ip", privateIp)
        .put("config", config.copy())
        .put("image_ref", imageRef(image()))
        .put("created_at", createdAt.toString())
        .put("updated_at", updatedAt.toString())
        .put("events", events())
        .put("host_status", "ok")
        .put("cordoned", false);
    Lease held = activeLease();
    if (held != null) {
      json.put("nonce", held.nonce());
    }
    return json;
  }

  /** {@code registry/repository:tag@digest} split as the API's {@code image_ref} does. */
  static JsonObject imageRef(String image) {
    String rest = image;
    String digest = null;
    int at = rest.indexOf('@');
    if (at >= 0) {
      digest = rest.substring(at + 1);
      rest = rest.substring(0, at);
    }
    String registry = "registry-1.docker.io";
    int slash = rest.indexOf('/');
    if (slash > 0) {
      String first = rest.substring(0, slash);
      if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
        registry = first;
        rest = rest.substring(slash + 1);
      }
    }
    if (registry.equals("registry-1.docker.io") && !rest.contains("/")) {
      rest = "library/" + rest;
    }
    String tag = "latest";
    int colon = rest.lastIndexOf(':');
    if (colon > 0) {
      tag = rest.substring(colon + 1);
      rest = rest.substring(0, colon);
    }
    if (digest == null) {
      digest = "sha256:" + sha256(image);
    }
    return new JsonObject().put("registry", registry).put("repository", rest).put("tag", tag).put("digest", digest)
        .put("labels", new JsonObject());
  }

  static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static Instant now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS);
  }

  /** A ULID: 48-bit millisecond time and 80 random bits in Crockford base 32 (26 characters). */
  static String ulid() {
    long time = System.currentTimeMillis();
    byte[] random = randomBytes(10);
    StringBuilder out = new StringBuilder(26);
    for (int i = 9; i >= 0; i--) {
      out.append(CROCKFORD.charAt((int) (time >>> (i * 5)) & 31));
    }
    long high = 0;
    for (int i = 0; i < 5; i++) {
      high = (high << 8) | (random[i] & 0xff);
    }
    long low = 0;
    for (int i = 5; i < 10; i++) {
      low = (low << 8) | (random[i] & 0xff);
    }
    for (long part : new long[] {high, low}) {
      for (int i = 7; i >= 0; i--) {
        out.append(CROCKFORD.charAt((int) (part >>> (i * 5)) & 31));
      }
    }
    return out.toString();
  }

  static byte[] randomBytes(int count) {
    byte[] bytes = new byte[count];
    RANDOM.nextBytes(bytes);
    return bytes;
  }
}
