package dev.catwalk.oauth;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;

/**
 * Redirect URI rules (OAuth 2.1 §2.3.1, §4.1.3; RFC 8252 §7.3): a request's URI must equal a
 * registered one exactly, except that the port of a loopback URI ({@code 127.0.0.1}, {@code [::1]},
 * {@code localhost}) may differ, since native clients listen on whatever port is free. Registrable:
 * https URLs, http on loopback, and private-use schemes of native apps ({@code cursor://…}); never
 * fragments or user info.
 */
public final class RedirectUris {

  private RedirectUris() {
  }

  /** Why a URI cannot be registered as a redirect URI, or null when it can. */
  public static String problem(String uri) {
    URI parsed = parse(uri);
    if (parsed == null || parsed.getScheme() == null || !parsed.isAbsolute()) {
      return "not an absolute URI";
    }
    if (parsed.getRawFragment() != null) {
      return "must not have a fragment";
    }
    if (parsed.getRawUserInfo() != null) {
      return "must not carry user info";
    }
    String scheme = parsed.getScheme().toLowerCase(Locale.ROOT);
    if (scheme.equals("http")) {
      return loopback(parsed) ? null : "http is allowed only for loopback hosts; use https";
    }
    if (scheme.equals("https")) {
      return parsed.getHost() == null ? "has no host" : null;
    }
    if (List.of("javascript", "data", "file", "vbscript", "about", "blob").contains(scheme)) {
      return "scheme " + scheme + " is not allowed";
    }
    return null;
  }

  /** Whether {@code requested} matches one of {@code registered}. */
  public static boolean matches(String requested, List<String> registered) {
    if (requested == null) {
      return false;
    }
    if (registered.contains(requested)) {
      return true;
    }
    URI asked = parse(requested);
    if (asked == null || !"http".equalsIgnoreCase(asked.getScheme()) || !loopback(asked)) {
      return false;
    }
    for (String candidate : registered) {
      URI known = parse(candidate);
      if (known != null && "http".equalsIgnoreCase(known.getScheme()) && loopback(known)
          && known.getHost().equalsIgnoreCase(asked.getHost())
          && java.util.Objects.equals(known.getRawPath(), asked.getRawPath())
          && java.util.Objects.equals(known.getRawQuery(), asked.getRawQuery())) {
        return true;
      }
    }
    return false;
  }

  /** What a {@code form-action} CSP source must allow for a redirect to {@code uri}: its origin, or its scheme. */
  public static String cspSource(String uri) {
    URI parsed = parse(uri);
    if (parsed == null || parsed.getScheme() == null) {
      return null;
    }
    String scheme = parsed.getScheme().toLowerCase(Locale.ROOT);
    if ((scheme.equals("http") || scheme.equals("https")) && parsed.getRawAuthority() != null) {
      return scheme + "://" + parsed.getRawAuthority();
    }
    return scheme + ":";
  }

  /** The host a consent page shows for a redirect URI (its scheme for native apps). */
  public static String displayHost(String uri) {
    URI parsed = parse(uri);
    if (parsed == null) {
      return uri;
    }
    return parsed.getHost() != null ? parsed.getHost() + (parsed.getPort() > 0 ? ":" + parsed.getPort() : "")
        : parsed.getScheme() + ":";
  }

  /** Whether the URI points at this machine (a client running where the browser is). */
  public static boolean loopback(String uri) {
    URI parsed = parse(uri);
    return parsed != null && loopback(parsed);
  }

  private static boolean loopback(URI uri) {
    String host = uri.getHost();
    return host != null && (host.equals("127.0.0.1") || host.equals("[::1]") || host.equals("::1")
        || host.equalsIgnoreCase("localhost"));
  }

  private static URI parse(String uri) {
    try {
      return uri == null ? null : new URI(uri);
    } catch (URISyntaxException e) {
      return null;
    }
  }
}
