package dev.catwalk.db;

import java.util.regex.Pattern;

/**
 * A database URL (or key=value connection string) that cannot be used. The message names the
 * problem, shows the input with its password masked, and lists the accepted forms.
 */
public final class InvalidDatabaseUrlException extends IllegalArgumentException {

  private static final Pattern PASSWORD_IN_AUTHORITY = Pattern.compile("(://[^:/?#@]*:)[^/?#]*@");
  private static final Pattern PASSWORD_IN_QUERY = Pattern.compile("(?i)([?&]password=)[^&]*");
  /** {@code password=} or {@code sslpassword=} in libpq key=value settings, quoted or not, closed or not. */
  private static final Pattern PASSWORD_SETTING = Pattern.compile(
      "(?i)((?:^|\\s)(?:ssl)?password\\s*=\\s*)(?:'(?:\\\\.|[^'\\\\])*'?|(?:\\\\.|[^\\s\\\\])*)");

  private final String problem;

  InvalidDatabaseUrlException(String problem, String url) {
    super("invalid database URL " + (url.isEmpty() ? "" : "'" + mask(url) + "'") + ": " + problem
        + "\naccepted forms:\n" + DatabaseUrl.ACCEPTED_FORMS);
    this.problem = problem;
  }

  /** What is wrong, without the URL. */
  public String problem() {
    return problem;
  }

  /** The URL (or key=value settings) with any password replaced by {@code ****}. */
  public static String mask(String url) {
    if (!url.contains("://")) {
      return PASSWORD_SETTING.matcher(url).replaceAll("$1****");
    }
    String masked = PASSWORD_IN_AUTHORITY.matcher(url).replaceAll("$1****@");
    return PASSWORD_IN_QUERY.matcher(masked).replaceAll("$1****");
  }
}
