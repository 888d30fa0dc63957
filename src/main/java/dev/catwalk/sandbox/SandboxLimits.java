package dev.catwalk.sandbox;

import dev.catwalk.error.BadRequestException;
import io.vertx.core.json.JsonObject;

/**
 * What one sandboxed server process (and everything it starts) may use: memory, processes, open
 * files, and whether it reaches the network. Applied with util-linux {@code prlimit} inside the
 * sandbox, so they count the sandbox's own processes only.
 *
 * <p>The keys are read from a deployment's {@code limits} object ({@code dev.catwalk.deploy.DeploymentLimits} owns
 * that object and its other keys; this record reads only its own and ignores the rest).
 *
 * @param memoryMb  largest private writable memory (heap, data) per process, in MiB ({@code RLIMIT_DATA}:
 *                  reservations a runtime never writes do not count, so JVMs and V8 start normally)
 * @param processes processes and threads of the sandbox's user at most ({@code RLIMIT_NPROC}; counted inside
 *                  the sandbox's user namespace; the kernel does not apply it to a gateway running as root)
 * @param openFiles open file descriptors per process at most ({@code RLIMIT_NOFILE})
 * @param network   whether the server reaches the network (off: a network namespace of its own with only a
 *                  loopback interface)
 */
public record SandboxLimits(int memoryMb, int processes, int openFiles, boolean network) {

  /** Key of {@link #memoryMb} in a deployment's {@code limits} object. */
  public static final String MEMORY_MB = "memoryMb";
  /** Key of {@link #processes} in a deployment's {@code limits} object. */
  public static final String PROCESSES = "processes";
  /** Key of {@link #openFiles} in a deployment's {@code limits} object. */
  public static final String OPEN_FILES = "openFiles";
  /** Key of {@link #network} in a deployment's {@code limits} object. */
  public static final String NETWORK = "network";

  /** The limits of a deployment that sets none: 2 GiB, 512 processes, 1024 files, network on. */
  public static final SandboxLimits DEFAULTS = new SandboxLimits(2048, 512, 1024, true);

  public SandboxLimits {
    require(MEMORY_MB, memoryMb, 64, 1_048_576);
    require(PROCESSES, processes, 8, 1_000_000);
    require(OPEN_FILES, openFiles, 32, 1_048_576);
  }

  /**
   * The limits a deployment's {@code limits} object sets, {@link #DEFAULTS} for the others (null: all defaults).
   *
   * @throws BadRequestException naming the field when a value has the wrong type or range
   */
  public static SandboxLimits fromJson(JsonObject limits) {
    if (limits == null) {
      return DEFAULTS;
    }
    return new SandboxLimits(integer(limits, MEMORY_MB, DEFAULTS.memoryMb), integer(limits, PROCESSES,
        DEFAULTS.processes), integer(limits, OPEN_FILES, DEFAULTS.openFiles), bool(limits, NETWORK, DEFAULTS.network));
  }

  /** These limits as the keys of a deployment's {@code limits} object. */
  public JsonObject toJson() {
    return new JsonObject().put(MEMORY_MB, memoryMb).put(PROCESSES, processes).put(OPEN_FILES, openFiles)
        .put(NETWORK, network);
  }

  private static int integer(JsonObject limits, String key, int fallback) {
    Object value = limits.getValue(key);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Integer || value instanceof Long) || ((Number) value).longValue() > Integer.MAX_VALUE) {
      throw new BadRequestException("limits." + key, "a whole number is expected");
    }
    return ((Number) value).intValue();
  }

  private static boolean bool(JsonObject limits, String key, boolean fallback) {
    Object value = limits.getValue(key);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Boolean flag)) {
      throw new BadRequestException("limits." + key, "true or false is expected");
    }
    return flag;
  }

  private static void require(String key, long value, long min, long max) {
    if (value < min || value > max) {
      throw new BadRequestException("limits." + key, "from " + min + " to " + max);
    }
  }
}
