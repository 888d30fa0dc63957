package dev.catwalk.catalog;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * The same repository however a source writes it: {@code host/owner/repo[/subfolder]} in lower case,
 * without {@code www.}, {@code .git}, {@code /tree/<ref>} or trailing slashes. Entries of the registry and of
 * Glama with the same key are the same server; the registry's is shown.
 */
final class RepositoryKey {

  private RepositoryKey() {
  }

  /** The key of a repository URL and monorepo folder, or null when the URL names no owner/repo. */
  static String of(String url, String subfolder) {
    if (url == null || url.isBlank()) {
      return null;
    }
    String text = url.strip();
    if (text.startsWith("git@") && text.indexOf(':') > 0) {
      text = "https://" + text.substring(4).replaceFirst(":", "/");
    }
    URI uri;
    try {
      uri = new URI(text.contains("://") ? text : "https://" + text);
    } catch (URISyntaxException e) {
      return null;
    }
    if (uri.getHost() == null || uri.getPath() == null) {
      return null;
    }
    String host = uri.getHost().toLowerCase(Locale.ROOT).replaceFirst("^www\\.", "");
    String[] parts = uri.getPath().replaceAll("^/+|/+$", "").split("/+");
    if (parts.length < 2 || parts[0].isEmpty()) {
      return null;
    }
    String repo = parts[1].replaceFirst("\\.git$", "");
    StringBuilder key = new StringBuilder(host).append('/').append(parts[0]).append('/').append(repo);
    String folder = subfolder;
    if ((folder == null || folder.isBlank()) && parts.length > 4 && parts[2].equals("tree")) {
      folder = String.join("/", java.util.Arrays.copyOfRange(parts, 4, parts.length));
    }
    if (folder != null && !folder.isBlank()) {
      key.append('/').append(folder.strip().replaceAll("^\\.?/+|/+$", ""));
    }
    return key.toString().toLowerCase(Locale.ROOT);
  }
}
