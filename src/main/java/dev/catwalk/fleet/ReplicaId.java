package dev.catwalk.fleet;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;

/**
 * The id of one running gateway in a fleet sharing a database: its Fly Machine id on Fly
 * ({@code FLY_MACHINE_ID}), elsewhere the host name and a random suffix (so two gateways on one host,
 * or a restarted one, are told apart). Used in log lines, the audit trail and fleet notifications.
 */
public final class ReplicaId {

  private static final SecureRandom RANDOM = new SecureRandom();

  private ReplicaId() {
  }

  /** A replica id from {@code environment}. */
  public static String of(Map<String, String> environment) {
    String machine = environment.get("FLY_MACHINE_ID");
    if (machine != null && !machine.isBlank()) {
      return machine;
    }
    byte[] suffix = new byte[3];
    RANDOM.nextBytes(suffix);
    return host() + "-" + HexFormat.of().formatHex(suffix);
  }

  private static String host() {
    try {
      String name = InetAddress.getLocalHost().getHostName();
      return name.replaceAll("[^A-Za-z0-9.-]", "").replaceAll("\\..*", "");
    } catch (UnknownHostException e) {
      return "gateway";
    }
  }
}
