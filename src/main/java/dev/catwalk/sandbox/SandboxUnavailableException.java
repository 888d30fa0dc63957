package dev.catwalk.sandbox;

/** The sandbox is required but cannot run on this host (bubblewrap or prlimit missing, or not working). */
public final class SandboxUnavailableException extends RuntimeException {

  public SandboxUnavailableException(String message) {
    super(message, null, false, false);
  }
}
