package dev.catwalk;

import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Resource ids (deployments, tokens, catalog entries) are UUIDs with one canonical text: lower-case
 * 8-4-4-4-12 hex. Every id a client sends goes through {@link #parse}, which takes that form in any
 * letter case and nothing else ({@link UUID#fromString} also takes {@code 1-1-1-1-1} and extra leading
 * zeros), so two texts name the same resource only when their canonical forms are equal.
 */
public final class Ids {

  private static final Pattern UUID_TEXT = Pattern.compile(
      "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  private Ids() {
  }

  /** The id {@code text} names, or empty when it is not an id in the 8-4-4-4-12 form. */
  public static Optional<UUID> parse(Object text) {
    if (!(text instanceof String s) || !UUID_TEXT.matcher(s).matches()) {
      return Optional.empty();
    }
    return Optional.of(UUID.fromString(s.toLowerCase(Locale.ROOT)));
  }

  /** The canonical text of the id {@code text} names, or null when it is not an id. */
  public static String canonical(Object text) {
    return parse(text).map(UUID::toString).orElse(null);
  }
}
