package dev.catwalk.testsupport.fly;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

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
 * One fake Machine: its record as the Machines API shows it (machines-resource "Machine properties";
 * fly-go machine_types.go), its process, lease, pending waits, and the queue that runs its lifecycle
 * operations one at a time. Confined to the fake's context.
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

  final String id = HexFormat.of().formatHex(randomBytes(7));
  final String app;
  final String region;
  final String privateIp;
  final Instant createdAt = now();
  Instant updatedAt = createdAt;
  String state = CREATED;
  String instanceId = ulid();
  JsonObject config;
  /** The app's secrets as of this version: a Machine reads them when it is created or updated. */
  Map<String, String> secrets;
  MachineProcess process;
  /** Automatic restarts since the last start asked for through the API. */
  int restarts;
  Lease lease;
  private final LinkedList<JsonObject> events = new LinkedList<>();
  private final List<Waiter> waiters = new ArrayList<>();
  private Future<Void> queue = Future.succeededFuture();

  FakeMachine(String app, String region, String privateIp, JsonObject config, Map<String, String> secrets) {
    this.app = app;
    this.region = region;
    this.privateIp = privateIp;
    this.config = config;
    this.secrets = secrets;
  }

  /** A lease (machines-resource "Create a Machine lease"). */
  record Lease(String nonce, String description, long expiresAtSeconds) {
    boolean active() {
      return Instant.now().getEpochSecond() < expiresAtSeconds;
    }

    JsonObject toJson() {
      return new JsonObject().put("nonce", nonce).put("expires_at", expiresAtSeconds)
          .put("owner", FakeFlyMachines.LEASE_OWNER).put("description", description).put("version", ulid());
    }
  }

  private record Waiter(Set<String> states, String instanceId, Promise<String> promise) {
  }

  /** Runs {@code operation} after every operation queued before it. */
  Future<Void> enqueue(Supplier<Future<Void>> operation) {
    queue = queue.transform(ar -> operation.get());
    return queue;
  }

  /** Whether the Machine is being destroyed or is destroyed: nothing but a GET reaches it any more. */
  boolean gone() {
    return state.equals(DESTROYING) || state.equals(DESTROYED);
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

  /** Whether the Machine is in one of {@code states} (in version {@code instance}, when given). */
  boolean reached(Set<String> states, String instance) {
    return states.contains(state)
        && (instance == null || instance.isEmpty() || instance.equals(instanceId) || state.equals(DESTROYED));
  }

  /** Completes with the state reached; the caller gives up with {@link #forget}. */
  Future<String> await(Set<String> states, String instance) {
    Promise<String> promise = Promise.promise();
    waiters.add(new Waiter(states, instance, promise));
    return promise.future();
  }

  void forget(Future<String> wait) {
    waiters.removeIf(waiter -> waiter.promise().future() == wait);
  }

  /** Adds an event, newest first (fly-go machine_types.go MachineEvent). */
  void event(String type, String status, String source, JsonObject request) {
    JsonObject event = new JsonObject().put("id", ulid()).put("type", type).put("status", status).put("source", source)
        .put("timestamp", System.currentTimeMillis());
    if (request != null) {
      event.put("request", request);
    }
    events.addFirst(event);
  }

  /** An exit event's request: {@code {exit_event: {exit_code, oom_killed, requested_stop, restarting, exited_at}}}. */
  static JsonObject exit(int code, boolean requested, boolean restarting) {
    return new JsonObject().put("exit_event", new JsonObject().put("exit_code", code).put("oom_killed", false)
        .put("requested_stop", requested).put("restarting", restarting).put("exited_at", now().toString()));
  }

  JsonArray events() {
    return new JsonArray(events.stream().map(JsonObject::copy).toList());
  }

  JsonObject metadata() {
    return config.getValue("metadata") instanceof JsonObject metadata ? metadata : new JsonObject();
  }

  /** The Machine object (machines-resource "Machine properties"). */
  JsonObject toJson() {
    JsonObject json = new JsonObject().put("id", id).put("name", "machine-" + id).put("state", state)
        .put("region", region).put("instance_id", instanceId).put("private_ip", privateIp).put("config", config.copy())
        .put("created_at", createdAt.toString()).put("updated_at", updatedAt.toString()).put("events", events());
    Lease held = activeLease();
    if (held != null) {
      json.put("nonce", held.nonce());
    }
    return json;
  }

  private static Instant now() {
    return Instant.now().truncatedTo(ChronoUnit.SECONDS);
  }

  /** A ULID, as Machine versions are: 48-bit milliseconds, then 80 random bits, in Crockford base 32. */
  static String ulid() {
    long time = System.currentTimeMillis();
    StringBuilder out = new StringBuilder(26);
    for (int i = 9; i >= 0; i--) {
      out.append(CROCKFORD.charAt((int) (time >>> (i * 5)) & 31));
    }
    for (int i = 0; i < 16; i++) {
      out.append(CROCKFORD.charAt(RANDOM.nextInt(32)));
    }
    return out.toString();
  }

  static byte[] randomBytes(int count) {
    byte[] bytes = new byte[count];
    RANDOM.nextBytes(bytes);
    return bytes;
  }
}
