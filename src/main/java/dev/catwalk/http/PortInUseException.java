package dev.catwalk.http;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * A port Catwalk was told to listen on is taken. The message names the setting and the port, for
 * one line on standard error.
 */
public final class PortInUseException extends RuntimeException {

  public PortInUseException(String setting, String host, int port) {
    super("port " + port + " on " + host + " is already in use (" + setting + "): stop what listens there or give "
        + setting + " another port", null, false, false);
  }

  /**
   * Fails when {@code host:port} cannot be bound right now (port 0 means any free port: nothing to check).
   * Blocking: call off the event loop.
   */
  public static void requireFree(String setting, String host, int port) {
    if (port == 0) {
      return;
    }
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(host, port));
    } catch (BindException e) {
      throw new PortInUseException(setting, host, port);
    } catch (IOException e) {
      // another problem (an address this host does not have…): the server's own bind reports it
    }
  }

  /** Whether {@code failure} (or a cause) is a bind failure. */
  public static boolean isBindFailure(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof BindException || (t.getMessage() != null && t.getMessage().contains("Address already in use"))) {
        return true;
      }
    }
    return false;
  }
}
