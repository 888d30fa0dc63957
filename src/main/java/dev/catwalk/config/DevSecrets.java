package dev.catwalk.config;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Properties;

/**
 * Development convenience: a gateway bound to loopback without an encryption key or admin token
 * gets generated ones, kept in {@code $CATWALK_HOME/dev-secrets.properties} (mode 0600) so that
 * secrets stored in one run can be read in the next, and {@code catwalk admin} on the same machine
 * finds the admin token there. Never used for a non-loopback bind: there both must be configured.
 */
public final class DevSecrets {

  /** File name inside {@link ConfigKeys#HOME}. */
  public static final String FILE_NAME = "dev-secrets.properties";

  private DevSecrets() {
  }

  /**
   * Fills missing secrets in {@code raw} from the file, creating it if needed ({@code serve}).
   * Blocking file I/O: call off the event loop.
   *
   * @return the path of the file when anything was filled in, else null
   */
  public static Path fillMissing(JsonObject raw) {
    return fillMissing(raw, true);
  }

  /**
   * Fills missing secrets in {@code raw} from the file. Blocking file I/O: call off the event loop.
   *
   * @param create whether to generate and store secrets the file lacks ({@code serve}); {@code catwalk admin}
   *               only reads what a gateway on this machine stored
   * @return the path of the file when anything was filled in, else null
   */
  public static Path fillMissing(JsonObject raw, boolean create) {
    String host = raw.getValue(ConfigKeys.HOST) == null ? "127.0.0.1" : String.valueOf(raw.getValue(ConfigKeys.HOST));
    boolean keyMissing = isBlank(raw.getValue(ConfigKeys.ENCRYPTION_KEY));
    boolean tokenMissing = isBlank(raw.getValue(ConfigKeys.ADMIN_TOKEN));
    if (!CatwalkConfig.isLoopback(host) || !(keyMissing || tokenMissing)) {
      return null;
    }
    Object homeValue = raw.getValue(ConfigKeys.HOME);
    Path home = isBlank(homeValue) ? CatwalkConfig.defaultHome() : Path.of(homeValue.toString());
    Path file = home.resolve(FILE_NAME);
    Properties secrets = create ? loadOrCreate(file) : load(file);
    boolean filled = keyMissing && fill(raw, ConfigKeys.ENCRYPTION_KEY, secrets);
    filled |= tokenMissing && fill(raw, ConfigKeys.ADMIN_TOKEN, secrets);
    return filled ? file : null;
  }

  private static boolean fill(JsonObject raw, String key, Properties secrets) {
    String value = secrets.getProperty(key);
    if (value == null) {
      return false;
    }
    raw.put(key, value);
    return true;
  }

  private static Properties load(Path file) {
    Properties secrets = new Properties();
    try {
      if (Files.exists(file)) {
        try (InputStream in = Files.newInputStream(file)) {
          secrets.load(in);
        }
      }
      return secrets;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read development secrets in " + file, e);
    }
  }

  private static Properties loadOrCreate(Path file) {
    Properties secrets = load(file);
    if (secrets.getProperty(ConfigKeys.ENCRYPTION_KEY) != null && secrets.getProperty(ConfigKeys.ADMIN_TOKEN) != null) {
      return secrets;
    }
    SecureRandom random = new SecureRandom();
    byte[] key = new byte[32];
    byte[] token = new byte[32];
    random.nextBytes(key);
    random.nextBytes(token);
    secrets.putIfAbsent(ConfigKeys.ENCRYPTION_KEY, Base64.getEncoder().encodeToString(key));
    secrets.putIfAbsent(ConfigKeys.ADMIN_TOKEN, HexFormat.of().formatHex(token));
    try {
      Files.createDirectories(file.getParent());
      if (!Files.exists(file)) {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      }
      try (OutputStream out = Files.newOutputStream(file)) {
        secrets.store(out, "Catwalk development secrets, generated for a gateway bound to loopback. Keep private.");
      }
      return secrets;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write development secrets in " + file, e);
    }
  }

  private static boolean isBlank(Object value) {
    return value == null || value.toString().isBlank();
  }
}
