package dev.catwalk.crypto;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Replaces known secret values in text meant for logs. Values shorter than
 * {@link #MIN_LENGTH} are left alone (they would blank ordinary words); longer values are
 * replaced first, so a secret containing another is redacted whole.
 */
public final class Redaction {

  /** Shortest secret value that is redacted. */
  public static final int MIN_LENGTH = 4;
  /** What a secret value is replaced with. */
  public static final String REDACTED = "[redacted]";
  private static final Pattern SECRET_NAME = Pattern.compile("(?i).*(key|token|secret|password|passwd|credential|auth).*");

  private final List<String> secrets;

  private Redaction(Collection<String> values) {
    this.secrets = values.stream().filter(v -> v != null && v.length() >= MIN_LENGTH).distinct()
        .sorted((a, b) -> b.length() - a.length()).toList();
  }

  /** A redaction of these secret values. */
  public static Redaction of(Collection<String> secretValues) {
    return new Redaction(secretValues);
  }

  /** A redaction of the values of environment variables whose names say they are secret. */
  public static Redaction ofSecretLookingVariables(Map<String, String> env) {
    return new Redaction(env.entrySet().stream().filter(e -> SECRET_NAME.matcher(e.getKey()).matches())
        .map(Map.Entry::getValue).toList());
  }

  /** {@code text} with every secret value replaced. */
  public String apply(String text) {
    String out = text;
    for (String secret : secrets) {
      if (out.contains(secret)) {
        out = out.replace(secret, REDACTED);
      }
    }
    return out;
  }
}
