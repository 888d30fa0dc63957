package dev.catwalk.db;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * A database that cannot be used, with a message for people: what Catwalk was doing, where the
 * server is (never the password), and the likely cause.
 */
public final class DatabaseException extends RuntimeException {

  public DatabaseException(String message, Throwable cause) {
    super(message, cause);
  }

  /** Wraps a driver failure (reactive client or JDBC) into a message that names the cause. */
  public static DatabaseException explain(String doing, DatabaseUrl url, Throwable failure) {
    if (failure instanceof DatabaseException known) {
      return known;
    }
    return new DatabaseException(doing + " Postgres at " + url.location() + " (sslmode=" + url.sslMode()
        + ") failed: " + cause(url, failure), failure);
  }

  private static String cause(DatabaseUrl url, Throwable failure) {
    String all = chainText(failure).toLowerCase(Locale.ROOT);
    if (all.contains("does not handle ssl") || all.contains("does not support ssl")
        || all.contains("server does not support ssl")) {
      return "the server does not support TLS, but sslmode=" + url.sslMode()
          + " requires it (use sslmode=disable or prefer for a server without TLS)";
    }
    if (rootOf(failure, UnknownHostException.class) || all.contains("unknownhost") || all.contains("failed to resolve")) {
      return "the host name '" + url.host() + "' does not resolve";
    }
    if (rootOf(failure, ConnectException.class) || all.contains("connection refused")) {
      return "nothing accepts connections there (is Postgres running and the port right?)";
    }
    if (all.contains("password authentication failed") || all.contains("28p01")) {
      return "password authentication failed for user '" + url.user() + "'";
    }
    if (all.contains("does not exist") && all.contains("database")) {
      return "the database '" + url.database() + "' does not exist";
    }
    if (all.contains("timed out") || all.contains("timeout")) {
      return "the connection timed out";
    }
    String message = failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
    return url.password().isEmpty() ? message : message.replace(url.password(), "****");
  }

  private static boolean rootOf(Throwable failure, Class<? extends Throwable> type) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  private static String chainText(Throwable failure) {
    StringBuilder text = new StringBuilder();
    for (Throwable t = failure; t != null; t = t.getCause()) {
      text.append(t.getClass().getName()).append(": ").append(t.getMessage()).append('\n');
    }
    return text.toString();
  }
}
