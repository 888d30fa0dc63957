package dev.catwalk.cli;

/** The exit codes of Catwalk's commands (0 is success). */
public final class ExitCodes {

  /** Invalid configuration or usage. */
  public static final int USAGE = 2;
  /** A failure at run time (database unreachable, migration failed, …). */
  public static final int FAILURE = 1;

  private ExitCodes() {
  }
}
