package dev.catwalk.analysis;

import dev.catwalk.error.ApiException;
import dev.catwalk.error.BadRequestException;
import dev.catwalk.error.Validation;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A repository to analyze, read from what users paste: {@code https://github.com/OWNER/REPO} (with
 * or without {@code .git}, a trailing slash, {@code /tree/REF/SUBDIR}, over {@code http://}),
 * {@code git@github.com:OWNER/REPO.git}, or {@code OWNER/REPO}.
 *
 * @param host   the lower-case host ({@code github.com} or a configured Enterprise host)
 * @param owner  the owner as written
 * @param repo   the repository name without {@code .git}
 * @param ref    the branch, tag or commit from {@code /tree/REF}, or null for the default branch
 * @param subdir the monorepo subfolder without leading or trailing slashes, {@code ""} for the root
 */
public record RepositoryUrl(String host, String owner, String repo, String ref, String subdir) {

  /** The host every installation accepts. */
  public static final String GITHUB = "github.com";
  /** The forms {@link #parse} accepts, for error messages. */
  public static final String ACCEPTED_FORMS = "https://github.com/OWNER/REPO (optionally .git, a trailing slash, or"
      + " /tree/REF/SUBFOLDER), git@github.com:OWNER/REPO.git, or OWNER/REPO";

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9._-]{0,99})");
  private static final Pattern HTTP = Pattern.compile("(?i)^https?://([^/?#]+)/(.*)$");
  private static final Pattern SSH = Pattern.compile("(?i)^(?:ssh://)?git@([^:/]+)[:/](.*)$");
  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._@+=,~-]+");
  private static final int MAX_LENGTH = 2048;

  /**
   * Parses what a user pasted.
   *
   * @param extraHosts Enterprise hosts accepted besides github.com (lower case)
   * @throws ApiException 400 with the accepted forms
   */
  public static RepositoryUrl parse(String input, Set<String> extraHosts) {
    if (input == null || input.isBlank()) {
      throw bad("repoUrl is missing");
    }
    String text = input.strip();
    if (text.length() > MAX_LENGTH || text.chars().anyMatch(c -> c < 0x20 || c == 0x7f || Character.isWhitespace(c))) {
      throw bad("repoUrl contains control characters or spaces");
    }
    Matcher http = HTTP.matcher(text);
    Matcher ssh = SSH.matcher(text);
    if (http.matches()) {
      return fromPath(host(http.group(1), extraHosts), stripQuery(http.group(2)), true);
    }
    if (ssh.matches()) {
      return fromPath(host(ssh.group(1), extraHosts), ssh.group(2), false);
    }
    if (text.contains("://") || text.contains(":")) {
      throw bad("'" + Validation.printable(text) + "' is not a repository URL");
    }
    String[] parts = text.split("/", -1);
    if (parts.length != 2) {
      throw bad("'" + Validation.printable(text) + "' is not a repository URL");
    }
    return fromPath(GITHUB, text, false);
  }

  /** The repository as {@code owner/repo}, lower case (the cache key). */
  public String key() {
    return (owner + "/" + repo).toLowerCase(Locale.ROOT);
  }

  /** This repository at another ref. */
  public RepositoryUrl withRef(String otherRef) {
    return new RepositoryUrl(host, owner, repo, otherRef, subdir);
  }

  private static String host(String authority, Set<String> extraHosts) {
    String host = authority.toLowerCase(Locale.ROOT);
    if (host.contains("@")) {
      throw bad("repository URLs carry no user info");
    }
    if (host.startsWith("www.")) {
      host = host.substring(4);
    }
    if (!host.equals(GITHUB) && !extraHosts.contains(host)) {
      throw bad("the host '" + Validation.printable(host) + "' is not a GitHub host Catwalk is configured for");
    }
    return host;
  }

  private static String stripQuery(String path) {
    int cut = path.length();
    for (char c : new char[] {'?', '#'}) {
      int at = path.indexOf(c);
      if (at >= 0) {
        cut = Math.min(cut, at);
      }
    }
    return path.substring(0, cut);
  }

  private static RepositoryUrl fromPath(String host, String path, boolean mayHaveTree) {
    String trimmed = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    String[] parts = trimmed.split("/", -1);
    if (parts.length < 2) {
      throw bad("the URL names no OWNER/REPO");
    }
    for (String part : parts) {
      if (part.isEmpty() || part.equals(".") || part.equals("..") || !SEGMENT.matcher(part).matches()) {
        throw bad("the URL path '" + Validation.printable(path) + "' is not an OWNER/REPO path");
      }
    }
    String owner = parts[0];
    String repo = parts[1].endsWith(".git") ? parts[1].substring(0, parts[1].length() - 4) : parts[1];
    if (!NAME.matcher(owner).matches() || !NAME.matcher(repo).matches()) {
      throw bad("'" + Validation.printable(owner + "/" + repo) + "' is not a valid OWNER/REPO");
    }
    if (parts.length == 2) {
      return new RepositoryUrl(host, owner, repo, null, "");
    }
    if (!mayHaveTree || parts.length < 4 || !(parts[2].equals("tree") || parts[2].equals("blob"))
        || parts[1].endsWith(".git")) {
      throw bad("only /tree/REF/SUBFOLDER may follow OWNER/REPO");
    }
    String subdir = String.join("/", java.util.Arrays.copyOfRange(parts, 4, parts.length));
    return new RepositoryUrl(host, owner, repo, parts[3], subdir);
  }

  private static ApiException bad(String why) {
    return new BadRequestException("repoUrl: " + why + "; accepted forms: " + ACCEPTED_FORMS);
  }
}
