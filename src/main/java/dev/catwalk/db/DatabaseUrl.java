package dev.catwalk.db;

import io.vertx.core.net.ClientSSLOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.TrustOptions;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;

import javax.net.ssl.TrustManagerFactory;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.NoSuchAlgorithmException;
import java.security.KeyStoreException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A Postgres connection URL in any of the forms users paste (libpq URIs, SQLAlchemy driver-qualified
 * and JDBC URLs, and libpq's {@code key=value} connection strings), parsed once into the settings both
 * the reactive client and Flyway's JDBC connection need.
 *
 * <p>The {@code key=value} form follows libpq ("Keyword/Value Connection Strings"): settings are
 * separated by whitespace, spaces around {@code =} are allowed, a value with spaces (or an empty one)
 * is written in single quotes, and a backslash makes the next character literal ({@code \'} and
 * {@code \\}), in quotes or not; when a keyword repeats, the last value counts. Keywords libpq does
 * not know are refused, as libpq refuses them; libpq's own that Catwalk does not use are reported in
 * {@link #ignoredParameters()}. {@code host} is a name or an address (IPv6 without brackets), or
 * {@code hostaddr} an address.
 *
 * <p>{@code sslmode} follows libpq: {@code disable} never attempts TLS, {@code allow} and
 * {@code prefer} use TLS when offered without verifying, {@code require} insists on TLS without
 * verifying (unless {@code sslrootcert} is given, when it verifies the CA as libpq does),
 * {@code verify-ca} checks the chain and {@code verify-full} also checks the host name. The
 * default is {@code prefer}, as in libpq.
 *
 * @param host          host name or IP address, IPv6 without brackets
 * @param port          TCP port, 5432 when the URL names none
 * @param database      database name (the user name when the URL names none, as libpq does)
 * @param user          user name, percent-decoded
 * @param password      password, percent-decoded; may be empty
 * @param sslMode       libpq sslmode
 * @param sslRootCert   path of a PEM file with trusted CA certificates, or null
 * @param applicationName reported to the server as {@code application_name}
 * @param connectTimeoutSeconds connection timeout, 0 for the default
 * @param pgbouncer     true when the server is a transaction-pooling proxy (no named prepared statements)
 * @param ignoredParameters query parameters the URL carried that Catwalk does not use
 */
public record DatabaseUrl(String host, int port, String database, String user, String password,
                          String sslMode, String sslRootCert, String applicationName,
                          int connectTimeoutSeconds, boolean pgbouncer, List<String> ignoredParameters) {

  /** The URL forms the parser accepts, for error messages and documentation. */
  public static final String ACCEPTED_FORMS = String.join("\n",
      "  postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=disable",
      "  postgresql://USER:PASSWORD@HOST/DATABASE",
      "  postgresql+psycopg://…, postgresql+psycopg2://…, postgresql+asyncpg://… (SQLAlchemy forms)",
      "  jdbc:postgresql://HOST:PORT/DATABASE?user=USER&password=PASSWORD",
      "  (IPv6 hosts in brackets: [fdaa::3]; percent-encode special characters in USER and PASSWORD;",
      "   query parameters: sslmode, sslrootcert, application_name, connect_timeout, pgbouncer)",
      "  host=HOST port=PORT dbname=DATABASE user=USER password='PASS WORD' sslmode=require",
      "  (libpq key=value settings: quote values that hold spaces, \\' and \\\\ for a quote and a backslash)");

  /** libpq sslmode values, in order of increasing strictness. */
  public static final List<String> SSL_MODES =
      List.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");

  private static final int DEFAULT_PORT = 5432;
  private static final int PGBOUNCER_PORT = 6432;
  private static final String DEFAULT_APPLICATION_NAME = "catwalk";
  private static final Set<String> SCHEMES = Set.of(
      "postgres", "postgresql", "postgresql+psycopg", "postgresql+psycopg2", "postgresql+asyncpg",
      "jdbc:postgresql");
  private static final Set<String> KNOWN_PARAMETERS = Set.of("user", "password", "sslmode", "ssl", "sslrootcert",
      "application_name", "ApplicationName", "connect_timeout", "connectTimeout", "pgbouncer");
  private static final Set<String> IGNORED_QUIETLY = Set.of("target_session_attrs", "options", "gssencmode");
  /** A libpq key=value connection string starts with a keyword and {@code =}. */
  private static final Pattern KEY_VALUE = Pattern.compile("[A-Za-z_]+\\s*=");
  /** Keywords of libpq's connection strings (PostgreSQL 17 "Parameter Key Words"), plus Catwalk's pgbouncer. */
  private static final Set<String> LIBPQ_KEYWORDS = Set.of("host", "hostaddr", "port", "dbname", "user", "password",
      "passfile", "require_auth", "channel_binding", "connect_timeout", "client_encoding", "options",
      "application_name", "fallback_application_name", "keepalives", "keepalives_idle", "keepalives_interval",
      "keepalives_count", "tcp_user_timeout", "replication", "gssencmode", "sslmode", "requiressl", "sslnegotiation",
      "sslcompression", "sslcert", "sslkey", "sslkeylogfile", "sslpassword", "sslcertmode", "sslrootcert", "sslcrl",
      "sslcrldir", "sslsni", "requirepeer", "ssl_min_protocol_version", "ssl_max_protocol_version", "min_protocol_version",
      "max_protocol_version", "krbsrvname", "gsslib", "gssdelegation", "service", "target_session_attrs",
      "load_balance_hosts", "pgbouncer");

  public DatabaseUrl {
    ignoredParameters = List.copyOf(ignoredParameters);
  }

  /**
   * Parses a URL or a libpq key=value connection string.
   *
   * @param url             the URL or connection string as pasted
   * @param pgbouncerSetting {@code auto} to detect pgbouncer from the host and port, or {@code true}/{@code false}
   * @throws InvalidDatabaseUrlException naming what is wrong, with the password masked, and the accepted forms
   */
  public static DatabaseUrl parse(String url, String pgbouncerSetting) {
    if (url == null || url.isBlank()) {
      throw new InvalidDatabaseUrlException("the URL is empty", "");
    }
    String trimmed = url.strip();
    int schemeEnd = trimmed.indexOf("://");
    if (schemeEnd < 0) {
      if (KEY_VALUE.matcher(trimmed).lookingAt()) {
        return new Parser(trimmed).keyValue(pgbouncerSetting);
      }
      throw new InvalidDatabaseUrlException("it is not a URL (no '://') nor key=value settings (host=…)", "");
    }
    String scheme = trimmed.substring(0, schemeEnd).toLowerCase(Locale.ROOT);
    if (!SCHEMES.contains(scheme)) {
      throw new InvalidDatabaseUrlException("unknown scheme '" + scheme + "'", trimmed);
    }
    return new Parser(trimmed).url(trimmed.substring(schemeEnd + 3), pgbouncerSetting);
  }

  /** Parses with pgbouncer detection on. */
  public static DatabaseUrl parse(String url) {
    return parse(url, "auto");
  }

  /** The same settings with another database name (for creating and using per-test or dev databases). */
  public DatabaseUrl withDatabase(String otherDatabase) {
    return new DatabaseUrl(host, port, otherDatabase, user, password, sslMode, sslRootCert, applicationName,
        connectTimeoutSeconds, pgbouncer, ignoredParameters);
  }

  /** A URL that names the same database with the password replaced by {@code ****}: safe to log. */
  public String masked() {
    String auth = user.isEmpty() ? "" : encode(user) + (password.isEmpty() ? "" : ":****") + "@";
    return "postgres://" + auth + hostForUrl() + ":" + port + "/" + encode(database) + "?sslmode=" + sslMode;
  }

  /** Where the server is, without credentials: safe for logs and error messages. */
  public String location() {
    return hostForUrl() + ":" + port + "/" + database;
  }

  /** Options for {@code vertx-pg-client}. */
  public PgConnectOptions toPgConnectOptions() {
    PgConnectOptions options = new PgConnectOptions()
        .setHost(host)
        .setPort(port)
        .setDatabase(database)
        .setUser(user)
        .setPassword(password)
        .setSslMode(SslMode.of(sslMode))
        .setUseLayer7Proxy(pgbouncer)
        .setCachePreparedStatements(!pgbouncer);
    Map<String, String> properties = new LinkedHashMap<>(PgConnectOptions.DEFAULT_PROPERTIES);
    properties.put("application_name", applicationName);
    options.setProperties(properties);
    if (!sslMode.equals("disable")) {
      options.setSslOptions(sslOptions());
    }
    return options;
  }

  /** JDBC URL for Flyway (credentials are passed separately, see {@link #user()} and {@link #password()}). */
  public String jdbcUrl() {
    StringBuilder url = new StringBuilder("jdbc:postgresql://").append(hostForUrl()).append(':').append(port)
        .append('/').append(encode(database)).append("?sslmode=").append(sslMode)
        .append("&ApplicationName=").append(encode(applicationName));
    if (sslRootCert != null) {
      url.append("&sslrootcert=").append(encode(sslRootCert));
    } else if (sslMode.startsWith("verify")) {
      url.append("&sslfactory=org.postgresql.ssl.DefaultJavaSSLFactory");
    }
    if (connectTimeoutSeconds > 0) {
      url.append("&connectTimeout=").append(connectTimeoutSeconds);
    }
    if (pgbouncer) {
      url.append("&prepareThreshold=0");
    }
    return url.toString();
  }

  /** Connect timeout in milliseconds for the reactive client, or the given default. */
  public int connectTimeoutMillis(int defaultMillis) {
    return connectTimeoutSeconds > 0 ? connectTimeoutSeconds * 1000 : defaultMillis;
  }

  @Override
  public String toString() {
    return masked();
  }

  private String hostForUrl() {
    return host.contains(":") ? "[" + host + "]" : host;
  }

  private ClientSSLOptions sslOptions() {
    ClientSSLOptions ssl = new ClientSSLOptions();
    boolean verifyCa = sslMode.startsWith("verify") || (sslMode.equals("require") && sslRootCert != null);
    if (!verifyCa) {
      return ssl.setTrustAll(true).setHostnameVerificationAlgorithm("");
    }
    ssl.setTrustOptions(sslRootCert != null ? new PemTrustOptions().addCertPath(sslRootCert) : jvmTrust());
    return ssl.setHostnameVerificationAlgorithm(sslMode.equals("verify-full") ? "HTTPS" : "");
  }

  private static TrustOptions jvmTrust() {
    try {
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init((KeyStore) null);
      return TrustOptions.wrap(factory.getTrustManagers()[0]);
    } catch (NoSuchAlgorithmException | KeyStoreException e) {
      throw new IllegalStateException("the JVM has no default trust store", e);
    }
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** One parse of one URL or connection string; keeps the original text so errors can show it masked. */
  private static final class Parser {
    private final String original;

    Parser(String original) {
      this.original = original;
    }

    DatabaseUrl url(String rest, String pgbouncerSetting) {
      int authorityEnd = indexOfAny(rest, "/?#");
      String authority = authorityEnd < 0 ? rest : rest.substring(0, authorityEnd);
      String afterAuthority = authorityEnd < 0 ? "" : rest.substring(authorityEnd);
      if (afterAuthority.indexOf('#') >= 0) {
        afterAuthority = afterAuthority.substring(0, afterAuthority.indexOf('#'));
      }
      int at = authority.lastIndexOf('@');
      String userInfo = at < 0 ? "" : authority.substring(0, at);
      String hostPort = at < 0 ? authority : authority.substring(at + 1);

      int queryStart = afterAuthority.indexOf('?');
      String path = queryStart < 0 ? afterAuthority : afterAuthority.substring(0, queryStart);
      Map<String, String> query = queryStart < 0 ? Map.of() : parseQuery(afterAuthority.substring(queryStart + 1));

      String user = decode(userInfo.contains(":") ? userInfo.substring(0, userInfo.indexOf(':')) : userInfo, "user name");
      String password = userInfo.contains(":") ? decode(userInfo.substring(userInfo.indexOf(':') + 1), "password") : "";
      user = query.getOrDefault("user", user);
      password = query.getOrDefault("password", password);

      String[] hostAndPort = splitHostPort(hostPort);
      String database = decode(path.startsWith("/") ? path.substring(1) : path, "database name");
      if (database.contains("/")) {
        throw fail("the database name '" + database + "' contains '/'");
      }
      return settings(hostAndPort[0], hostAndPort[1], database, user, password, query, pgbouncerSetting);
    }

    /** A libpq key=value connection string. */
    DatabaseUrl keyValue(String pgbouncerSetting) {
      Map<String, String> settings = keyValues();
      for (String keyword : settings.keySet()) {
        if (!LIBPQ_KEYWORDS.contains(keyword)) {
          throw fail("'" + keyword + "' is not a connection setting libpq knows");
        }
      }
      String host = settings.remove("host");
      String hostAddress = settings.remove("hostaddr");
      if (host != null && hostAddress != null) {
        throw fail("it gives both host and hostaddr; give one");
      }
      String port = settings.remove("port");
      String database = settings.remove("dbname");
      String user = settings.remove("user");
      String password = settings.remove("password");
      return settings(host(host != null ? host : hostAddress), port == null ? "" : port,
          database == null ? "" : database, user == null ? "" : user, password == null ? "" : password, settings,
          pgbouncerSetting);
    }

    /** The settings in order, the last value of a repeated keyword winning (libpq's conninfo_parse). */
    private Map<String, String> keyValues() {
      Map<String, String> settings = new LinkedHashMap<>();
      int i = 0;
      while (true) {
        i = skipSpaces(i);
        if (i >= original.length()) {
          return settings;
        }
        int start = i;
        while (i < original.length() && original.charAt(i) != '=' && !Character.isWhitespace(original.charAt(i))) {
          i++;
        }
        String keyword = original.substring(start, i);
        i = skipSpaces(i);
        if (i >= original.length() || original.charAt(i) != '=') {
          throw fail("missing '=' after '" + keyword + "'");
        }
        i = skipSpaces(i + 1);
        StringBuilder value = new StringBuilder();
        i = original.startsWith("'", i) ? quoted(i + 1, value, keyword) : unquoted(i, value);
        settings.put(keyword, value.toString());
      }
    }

    /** Reads a value up to the closing quote; the index after it. */
    private int quoted(int from, StringBuilder value, String keyword) {
      for (int i = from; i < original.length(); i++) {
        char c = original.charAt(i);
        if (c == '\\' && i + 1 < original.length()) {
          value.append(original.charAt(++i));
        } else if (c == '\'') {
          return i + 1;
        } else {
          value.append(c);
        }
      }
      throw fail("the quoted value of '" + keyword + "' has no closing quote");
    }

    /** Reads a value up to whitespace; the index after it. */
    private int unquoted(int from, StringBuilder value) {
      int i = from;
      while (i < original.length() && !Character.isWhitespace(original.charAt(i))) {
        char c = original.charAt(i++);
        if (c == '\\' && i < original.length()) {
          c = original.charAt(i++);
        }
        value.append(c);
      }
      return i;
    }

    private int skipSpaces(int from) {
      int i = from;
      while (i < original.length() && Character.isWhitespace(original.charAt(i))) {
        i++;
      }
      return i;
    }

    /** A key=value host: a name or an address (IPv6 without brackets). */
    private String host(String host) {
      if (host == null || host.isEmpty()) {
        throw fail("it names no host (host=…)");
      }
      if (host.startsWith("/") || host.startsWith("@")) {
        throw fail("Unix-socket directories are not supported; give a host name or address");
      }
      if (host.contains(",")) {
        throw fail("it names several hosts; give one");
      }
      if (!host.matches("[A-Za-z0-9._-]+") && !host.matches("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")) {
        throw fail("the host '" + host + "' is not a valid host name or address");
      }
      return host;
    }

    /** The settings both forms have given, checked and completed with libpq's defaults. */
    private DatabaseUrl settings(String host, String portText, String databaseName, String user, String password,
                                 Map<String, String> query, String pgbouncerSetting) {
      int port = parsePort(portText);
      String database = databaseName.isEmpty() ? (user.isEmpty() ? "postgres" : user) : databaseName;
      String sslMode = sslMode(query);
      String sslRootCert = blankToNull(query.get("sslrootcert"));
      String applicationName = query.getOrDefault("application_name",
          query.getOrDefault("ApplicationName", DEFAULT_APPLICATION_NAME));
      int connectTimeout = connectTimeout(query.getOrDefault("connect_timeout", query.get("connectTimeout")));
      boolean pgbouncer = pgbouncer(pgbouncerSetting, host, port, query.get("pgbouncer"));

      List<String> ignored = new ArrayList<>();
      for (String key : query.keySet()) {
        if (!KNOWN_PARAMETERS.contains(key) && !IGNORED_QUIETLY.contains(key)) {
          ignored.add(key);
        }
      }
      return new DatabaseUrl(host, port, database, user, password, sslMode, sslRootCert, applicationName,
          connectTimeout, pgbouncer, ignored);
    }

    private String[] splitHostPort(String hostPort) {
      if (hostPort.isEmpty()) {
        throw fail("it names no host (Unix-socket URLs are not supported)");
      }
      if (hostPort.contains(",")) {
        throw fail("it names several hosts; give one");
      }
      if (hostPort.startsWith("[")) {
        int close = hostPort.indexOf(']');
        if (close < 0) {
          throw fail("the IPv6 host has no closing ']'");
        }
        String host = hostPort.substring(1, close);
        String tail = hostPort.substring(close + 1);
        if (!tail.isEmpty() && !tail.startsWith(":")) {
          throw fail("unexpected text after the IPv6 host");
        }
        return new String[] {host, tail.isEmpty() ? "" : tail.substring(1)};
      }
      int colon = hostPort.indexOf(':');
      if (colon >= 0 && hostPort.indexOf(':', colon + 1) >= 0) {
        throw fail("an IPv6 host must be written in brackets, like [fdaa::3]");
      }
      String host = colon < 0 ? hostPort : hostPort.substring(0, colon);
      if (host.isEmpty() || !host.matches("[A-Za-z0-9._-]+")) {
        throw fail("the host '" + host + "' is not a valid host name");
      }
      return new String[] {host, colon < 0 ? "" : hostPort.substring(colon + 1)};
    }

    private int parsePort(String text) {
      if (text.isEmpty()) {
        return DEFAULT_PORT;
      }
      try {
        int port = Integer.parseInt(text);
        if (port >= 1 && port <= 65535) {
          return port;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw fail("the port '" + text + "' is not a number from 1 to 65535");
    }

    private String sslMode(Map<String, String> query) {
      String mode = query.get("sslmode");
      if (mode == null && query.containsKey("ssl")) {
        mode = Boolean.parseBoolean(query.get("ssl")) ? "require" : "disable";
      }
      if (mode == null) {
        return "prefer";
      }
      String normalized = mode.toLowerCase(Locale.ROOT).replace('_', '-');
      if (!SSL_MODES.contains(normalized)) {
        throw fail("sslmode '" + mode + "' is not one of " + String.join(", ", SSL_MODES));
      }
      return normalized;
    }

    private int connectTimeout(String text) {
      if (text == null || text.isEmpty()) {
        return 0;
      }
      try {
        int seconds = Integer.parseInt(text);
        if (seconds >= 0) {
          return seconds;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw fail("connect_timeout '" + text + "' is not a whole number of seconds");
    }

    private boolean pgbouncer(String setting, String host, int port, String queryFlag) {
      if (queryFlag != null) {
        return Boolean.parseBoolean(queryFlag);
      }
      String normalized = setting == null ? "auto" : setting.strip().toLowerCase(Locale.ROOT);
      return switch (normalized) {
        case "true", "yes", "on" -> true;
        case "false", "no", "off" -> false;
        default -> host.toLowerCase(Locale.ROOT).startsWith("pgbouncer.") || port == PGBOUNCER_PORT;
      };
    }

    private Map<String, String> parseQuery(String query) {
      Map<String, String> params = new LinkedHashMap<>();
      for (String pair : query.split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String key = decode(eq < 0 ? pair : pair.substring(0, eq), "query parameter");
        String value = eq < 0 ? "" : decode(pair.substring(eq + 1), "query parameter");
        params.put(key, value);
      }
      return params;
    }

    private String decode(String text, String what) {
      try {
        return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw fail("the " + what + " has a malformed percent-encoding");
      }
    }

    private InvalidDatabaseUrlException fail(String problem) {
      return new InvalidDatabaseUrlException(problem, original);
    }

    private static int indexOfAny(String text, String chars) {
      for (int i = 0; i < text.length(); i++) {
        if (chars.indexOf(text.charAt(i)) >= 0) {
          return i;
        }
      }
      return -1;
    }

    private static String blankToNull(String value) {
      return value == null || value.isBlank() ? null : value;
    }
  }
}
