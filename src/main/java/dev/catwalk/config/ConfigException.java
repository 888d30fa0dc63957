package dev.catwalk.config;

import java.util.List;

/** Configuration that cannot be used; the message lists every problem, one per line, with no secret values. */
public final class ConfigException extends RuntimeException {

  private final List<String> problems;

  public ConfigException(List<String> problems) {
    super("invalid configuration:\n  - " + String.join("\n  - ", problems));
    this.problems = List.copyOf(problems);
  }

  /** The problems, one entry each. */
  public List<String> problems() {
    return problems;
  }
}
