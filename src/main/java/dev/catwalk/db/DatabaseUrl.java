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
import java.util.Properties;
import java.util.Set;

/**
 * A Postgres connection URL in any of the forms users paste (libpq, SQLAlchemy driver-qualified
 * and JDBC), parsed once into the settings both the reactive client and Flyway's JDBC connection need.
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
      "   query parameters: sslmode, sslrootcert, application_name, connect_timeout, pgbouncer)");

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

  public DatabaseUrl {
    ignoredParameters = List.copyOf(ignoredParameters);
  }

  /**
   * Parses a URL.
   *
   * @param url             the URL as pasted
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
      throw new InvalidDatabaseUrlException("it is not a URL (no '://')", "");
    }
    String scheme = trimmed.substring(0, schemeEnd).toLowerCase(Locale.ROOT);
    if (!SCHEMES.contains(scheme)) {
      throw new InvalidDatabaseUrlException("unknown scheme '" + scheme + "'", trimmed);
    }
    return new Parser(trimmed, trimmed.substring(schemeEnd + 3)).parse(pgbouncerSetting);
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

  /** JDBC connection properties with the credentials. */
  public Properties jdbcProperties() {
    Properties properties = new Properties();
    properties.setProperty("user", user);
    properties.setProperty("password", password);
    return properties;
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

  /** One parse of one URL; keeps the original text so errors can show it masked. */
  private static final class Parser {
    private final String original;
    private final String rest;

    Parser(String original, String rest) {
      this.original = original;
      this.rest = rest;
    }

    DatabaseUrl parse(String pgbouncerSetting) {
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
      String host = hostAndPort[0];
      int port = parsePort(hostAndPort[1]);
      String database = decode(path.startsWith("/") ? path.substring(1) : path, "database name");
      if (database.contains("/")) {
        throw fail("the database name '" + database + "' contains '/'");
      }
      if (database.isEmpty()) {
        database = user.isEmpty() ? "postgres" : user;
      }

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
