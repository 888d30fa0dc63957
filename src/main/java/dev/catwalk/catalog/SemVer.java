package dev.catwalk.catalog;

import java.math.BigInteger;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Semantic versions (semver.org 2.0.0) as the registry's aggregator rules compare them: precedence by
 * major, minor, patch, then a prerelease sorts before its release; build metadata is ignored.
 */
final class SemVer {

  private static final Pattern SEMVER = Pattern.compile(
      "^v?(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-([0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*))?(?:\\+[0-9A-Za-z.-]+)?$");

  /** Orders semantic versions by precedence (only call with versions {@link #isValid} accepts). */
  static final Comparator<String> PRECEDENCE = SemVer::compare;

  private SemVer() {
  }

  /** Whether {@code version} is a semantic version. */
  static boolean isValid(String version) {
    return version != null && SEMVER.matcher(version).matches();
  }

  private static int compare(String a, String b) {
    Matcher x = matcher(a);
    Matcher y = matcher(b);
    for (int group = 1; group <= 3; group++) {
      int order = new BigInteger(x.group(group)).compareTo(new BigInteger(y.group(group)));
      if (order != 0) {
        return order;
      }
    }
    String preX = x.group(4);
    String preY = y.group(4);
    if (preX == null || preY == null) {
      return preX == null ? (preY == null ? 0 : 1) : -1;
    }
    return comparePrerelease(List.of(preX.split("\\.")), List.of(preY.split("\\.")));
  }

  private static int comparePrerelease(List<String> x, List<String> y) {
    for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
      String p = x.get(i);
      String q = y.get(i);
      boolean pNumeric = p.matches("\\d+");
      boolean qNumeric = q.matches("\\d+");
      int order;
      if (pNumeric && qNumeric) {
        order = new BigInteger(p).compareTo(new BigInteger(q));
      } else if (pNumeric || qNumeric) {
        order = pNumeric ? -1 : 1;
      } else {
        order = p.compareTo(q);
      }
      if (order != 0) {
        return order;
      }
    }
    return Integer.compare(x.size(), y.size());
  }

  private static Matcher matcher(String version) {
    Matcher matcher = SEMVER.matcher(version);
    if (!matcher.matches()) {
      throw new IllegalStateException("not a semantic version");
    }
    return matcher;
  }
}
