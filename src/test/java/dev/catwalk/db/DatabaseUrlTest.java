package dev.catwalk.db;

import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DatabaseUrlTest {

  /** url, host, port, database, user, password, sslmode, pgbouncer. */
  static Stream<Arguments> accepted() {
    return Stream.of(
        Arguments.of("postgres://u:p@db.example.com:5433/app", "db.example.com", 5433, "app", "u", "p", "prefer", false),
        Arguments.of("postgresql://u:p@db.example.com/app", "db.example.com", 5432, "app", "u", "p", "prefer", false),
        Arguments.of("postgresql+psycopg://u:p@db/app", "db", 5432, "app", "u", "p", "prefer", false),
        Arguments.of("postgresql+psycopg2://u:p@db/app", "db", 5432, "app", "u", "p", "prefer", false),
        Arguments.of("postgresql+asyncpg://u:p@db:5432/app", "db", 5432, "app", "u", "p", "prefer", false),
        Arguments.of("jdbc:postgresql://db:5432/app?user=u&password=p", "db", 5432, "app", "u", "p", "prefer", false),
        Arguments.of("POSTGRES://u:p@db/app", "db", 5432, "app", "u", "p", "prefer", false),
        Arguments.of("postgres://u:p%40ss@db/app", "db", 5432, "app", "u", "p@ss", "prefer", false),
        Arguments.of("postgres://us%3Aer:p%2Fw%3Fd%23@db/app", "db", 5432, "app", "us:er", "p/w?d#", "prefer", false),
        Arguments.of("postgres://u:p@ss@db/app", "db", 5432, "app", "u", "p@ss", "prefer", false),
        Arguments.of("postgres://u:pa+ss@db/app", "db", 5432, "app", "u", "pa+ss", "prefer", false),
        Arguments.of("postgres://u:p@[fdaa::3]:5432/app", "fdaa::3", 5432, "app", "u", "p", "prefer", false),
        Arguments.of("postgres://u:p@[fdaa:0:1::2]/app", "fdaa:0:1::2", 5432, "app", "u", "p", "prefer", false),
        Arguments.of("postgres://u@db/app", "db", 5432, "app", "u", "", "prefer", false),
        Arguments.of("postgres://u:p@db", "db", 5432, "u", "u", "p", "prefer", false),
        Arguments.of("postgres://u:p@db/", "db", 5432, "u", "u", "p", "prefer", false),
        Arguments.of("postgres://db/app", "db", 5432, "app", "", "", "prefer", false),
        Arguments.of("postgres://my_app:secret@my-pg.flycast:5432/my_app?sslmode=disable",
            "my-pg.flycast", 5432, "my_app", "my_app", "secret", "disable", false),
        Arguments.of("postgres://u:p@top2.nearest.of.my-pg.internal:5432/u?sslmode=disable",
            "top2.nearest.of.my-pg.internal", 5432, "u", "u", "p", "disable", false),
        Arguments.of("postgresql://fly-user:p@pgbouncer.abc123.flympg.net/fly-db",
            "pgbouncer.abc123.flympg.net", 5432, "fly-db", "fly-user", "p", "prefer", true),
        Arguments.of("postgresql://fly-user:p@direct.abc123.flympg.net/fly-db",
            "direct.abc123.flympg.net", 5432, "fly-db", "fly-user", "p", "prefer", false),
        Arguments.of("postgres://u:p@db:6432/app", "db", 6432, "app", "u", "p", "prefer", true),
        Arguments.of("postgres://u:p@db/app?pgbouncer=true", "db", 5432, "app", "u", "p", "prefer", true),
        Arguments.of("postgres://u:p@db/app?sslmode=allow", "db", 5432, "app", "u", "p", "allow", false),
        Arguments.of("postgres://u:p@db/app?sslmode=prefer", "db", 5432, "app", "u", "p", "prefer", false),
        Arguments.of("postgres://u:p@db/app?sslmode=require", "db", 5432, "app", "u", "p", "require", false),
        Arguments.of("postgres://u:p@db/app?sslmode=verify-ca", "db", 5432, "app", "u", "p", "verify-ca", false),
        Arguments.of("postgres://u:p@db/app?sslmode=verify-full", "db", 5432, "app", "u", "p", "verify-full", false),
        Arguments.of("postgres://u:p@db/app?sslmode=VERIFY_FULL", "db", 5432, "app", "u", "p", "verify-full", false),
        Arguments.of("jdbc:postgresql://db/app?ssl=true&user=u&password=p", "db", 5432, "app", "u", "p", "require", false),
        Arguments.of("  postgres://u:p@db/app  ", "db", 5432, "app", "u", "p", "prefer", false),
        Arguments.of("postgres://u:p@db/my%20db", "db", 5432, "my db", "u", "p", "prefer", false));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("accepted")
  void parsesEveryAcceptedForm(String url, String host, int port, String database, String user, String password,
                               String sslMode, boolean pgbouncer) {
    DatabaseUrl parsed = DatabaseUrl.parse(url);

    assertThat(parsed.host()).isEqualTo(host);
    assertThat(parsed.port()).isEqualTo(port);
    assertThat(parsed.database()).isEqualTo(database);
    assertThat(parsed.user()).isEqualTo(user);
    assertThat(parsed.password()).isEqualTo(password);
    assertThat(parsed.sslMode()).isEqualTo(sslMode);
    assertThat(parsed.pgbouncer()).isEqualTo(pgbouncer);
    assertThat(parsed.toString()).doesNotContain(password.isEmpty() ? "\u0000" : ":" + password + "@");
  }

  /** url or key=value settings, what the error must say. */
  static Stream<Arguments> rejected() {
    return Stream.of(
        Arguments.of("mysql://u:hunter2secret@db/app", "unknown scheme 'mysql'"),
        Arguments.of("postgres:/u:hunter2secret@db/app", "not a URL"),
        Arguments.of("db.example.com:5432/app", "not a URL"),
        Arguments.of("", "empty"),
        Arguments.of("postgres://u:hunter2secret@db:99999/app", "port '99999'"),
        Arguments.of("postgres://u:hunter2secret@db:abc/app", "port 'abc'"),
        Arguments.of("postgres://u:hunter2secret@fdaa::3/app", "IPv6 host must be written in brackets"),
        Arguments.of("postgres://u:hunter2secret@[fdaa::3/app", "no closing ']'"),
        Arguments.of("postgres://u:hunter2secret@/app", "no host"),
        Arguments.of("postgres://u:hunter2secret@h1,h2/app", "several hosts"),
        Arguments.of("postgres://u:hunter2secret@db/app?sslmode=sometimes", "sslmode 'sometimes'"),
        Arguments.of("postgres://u:hunter2secret@db/app?connect_timeout=soon", "connect_timeout 'soon'"),
        Arguments.of("postgres://u:hunter2secret%zz@db/app", "malformed percent-encoding"),
        Arguments.of("jdbc:postgresql://db/app?user=u&password=hunter2secret&sslmode=bogus", "sslmode 'bogus'"),
        Arguments.of("host=db password=hunter2secret dbname", "missing '=' after 'dbname'"),
        Arguments.of("host=db password='hunter2 secret", "the quoted value of 'password' has no closing quote"),
        Arguments.of("host=db dbnmae=app password=hunter2secret", "'dbnmae' is not a connection setting"),
        Arguments.of("host=/var/run/postgresql password=hunter2secret", "Unix-socket directories are not supported"),
        Arguments.of("host=a,b password=hunter2secret", "several hosts"),
        Arguments.of("dbname=app password=hunter2secret", "no host"),
        Arguments.of("host=db port=abc password=hunter2secret", "port 'abc'"),
        Arguments.of("host=db password='hunter2 \\' secret' sslmode=sometimes", "sslmode 'sometimes'"),
        Arguments.of("host=db hostaddr=10.0.0.1 password=hunter2secret", "both host and hostaddr"),
        Arguments.of("host=db sslpassword=hunter2secret connect_timeout=soon", "connect_timeout 'soon'"),
        Arguments.of("host=db$ password=hunter2\\ secret", "not a valid host name or address"));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("rejected")
  void rejectsMalformedUrlsWithTheAcceptedFormsAndNoPassword(String url, String problem) {
    assertThatThrownBy(() -> DatabaseUrl.parse(url))
        .isInstanceOf(InvalidDatabaseUrlException.class)
        .hasMessageContaining(problem)
        .hasMessageContaining("postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        .hasMessageContaining("jdbc:postgresql://")
        .hasMessageContaining("host=HOST port=PORT dbname=DATABASE")
        .message().doesNotContain("hunter2");
  }

  /** libpq key=value settings, and a URL that says the same. */
  static Stream<Arguments> keyValueSettings() {
    return Stream.of(
        Arguments.of("host=db.example.com port=5433 dbname=app user=u password=p sslmode=require",
            "postgres://u:p@db.example.com:5433/app?sslmode=require"),
        Arguments.of("  host = db   dbname = app\tuser=u  ", "postgres://u@db/app"),
        Arguments.of("host=db dbname=app user=u password='p a s s'", "postgres://u:p%20a%20s%20s@db/app"),
        Arguments.of("host=db dbname=app user=u password='it\\'s a \\\\ back'",
            "postgres://u:it's%20a%20%5C%20back@db/app"),
        Arguments.of("host=db user=u password=a\\ b\\'c", "postgres://u:a%20b'c@db"),
        Arguments.of("host=db user=u password=''", "postgres://u@db"),
        Arguments.of("host=fdaa::3 port=5432 dbname=app sslmode=disable", "postgres://[fdaa::3]:5432/app?sslmode=disable"),
        Arguments.of("hostaddr=10.0.0.5 dbname=app", "postgres://10.0.0.5/app"),
        Arguments.of("host=db dbname=first dbname=app", "postgres://db/app"),
        Arguments.of("host=db dbname=app sslmode=verify-full sslrootcert=/etc/ca.pem application_name='my gw'"
            + " connect_timeout=7", "postgres://db/app?sslmode=verify-full&sslrootcert=/etc/ca.pem"
            + "&application_name=my%20gw&connect_timeout=7"),
        Arguments.of("host=pgbouncer.abc.flympg.net dbname=fly-db user=fly-user password=p",
            "postgresql://fly-user:p@pgbouncer.abc.flympg.net/fly-db"),
        Arguments.of("host=db dbname=app keepalives=1 target_session_attrs=any",
            "postgres://db/app?keepalives=1&target_session_attrs=any"));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("keyValueSettings")
  void readsLibpqKeyValueSettingsAsTheUrlThatSaysTheSame(String settings, String url) {
    DatabaseUrl parsed = DatabaseUrl.parse(settings);

    assertThat(parsed).isEqualTo(DatabaseUrl.parse(url));
    assertThat(parsed.jdbcUrl()).isEqualTo(DatabaseUrl.parse(url).jdbcUrl());
    assertThat(parsed.toPgConnectOptions().toJson()).isEqualTo(DatabaseUrl.parse(url).toPgConnectOptions().toJson());
  }

  @Test
  void echoesBadKeyValueSettingsWithEveryPasswordMasked() {
    assertThatThrownBy(() -> DatabaseUrl.parse("host=db password='hunter2 \\' x' sslpassword=hunter2\\ y port=x"))
        .hasMessageContaining("'host=db password=**** sslpassword=**** port=x'");
  }

  @Test
  void mapsSslModesToTheReactiveClientWithLibpqMeanings() {
    PgConnectOptions disable = DatabaseUrl.parse("postgres://u:p@db/app?sslmode=disable").toPgConnectOptions();
    PgConnectOptions require = DatabaseUrl.parse("postgres://u:p@db/app?sslmode=require").toPgConnectOptions();
    PgConnectOptions verifyFull = DatabaseUrl.parse("postgres://u:p@db/app?sslmode=verify-full").toPgConnectOptions();
    PgConnectOptions verifyCa = DatabaseUrl.parse("postgres://u:p@db/app?sslmode=verify-ca").toPgConnectOptions();

    assertThat(disable.getSslMode()).isEqualTo(SslMode.DISABLE);
    assertThat(require.getSslMode()).isEqualTo(SslMode.REQUIRE);
    assertThat(require.getSslOptions().isTrustAll()).as("require encrypts without verifying").isTrue();
    assertThat(verifyCa.getSslOptions().isTrustAll()).isFalse();
    assertThat(verifyCa.getSslOptions().getHostnameVerificationAlgorithm()).isEmpty();
    assertThat(verifyFull.getSslMode()).isEqualTo(SslMode.VERIFY_FULL);
    assertThat(verifyFull.getSslOptions().isTrustAll()).isFalse();
    assertThat(verifyFull.getSslOptions().getHostnameVerificationAlgorithm()).isEqualTo("HTTPS");
  }

  @Test
  void requireWithARootCertificateVerifiesTheCaLikeLibpq() {
    PgConnectOptions options = DatabaseUrl.parse("postgres://u:p@db/app?sslmode=require&sslrootcert=/etc/ca.pem")
        .toPgConnectOptions();

    assertThat(options.getSslOptions().isTrustAll()).isFalse();
    assertThat(options.getSslOptions().getTrustOptions()).isNotNull();
  }

  @Test
  void carriesApplicationNameAndConnectTimeoutToBothClients() {
    DatabaseUrl url = DatabaseUrl.parse("postgres://u:p@db/app?application_name=my%20gw&connect_timeout=7&sslmode=verify-ca&sslrootcert=/ca.pem");

    assertThat(url.toPgConnectOptions().getProperties()).containsEntry("application_name", "my gw");
    assertThat(url.connectTimeoutMillis(5000)).isEqualTo(7000);
    assertThat(url.jdbcUrl()).isEqualTo(
        "jdbc:postgresql://db:5432/app?sslmode=verify-ca&ApplicationName=my%20gw&sslrootcert=%2Fca.pem&connectTimeout=7");
    assertThat(url.user()).as("Flyway's user, beside the JDBC URL").isEqualTo("u");
    assertThat(url.password()).isEqualTo("p");
  }

  @Test
  void pgbouncerDisablesNamedPreparedStatementsInBothClients() {
    DatabaseUrl url = DatabaseUrl.parse("postgresql://fly-user:p@pgbouncer.abc.flympg.net/fly-db");

    assertThat(url.toPgConnectOptions().getUseLayer7Proxy()).isTrue();
    assertThat(url.toPgConnectOptions().getCachePreparedStatements()).isFalse();
    assertThat(url.jdbcUrl()).contains("prepareThreshold=0");
  }

  @Test
  void pgbouncerDetectionCanBeForcedEitherWay() {
    assertThat(DatabaseUrl.parse("postgres://u:p@db/app", "true").pgbouncer()).isTrue();
    assertThat(DatabaseUrl.parse("postgres://u:p@pgbouncer.x.flympg.net/app", "false").pgbouncer()).isFalse();
  }

  @Test
  void ipv6HostsKeepTheirBracketsInUrlsButNotInSocketOptions() {
    DatabaseUrl url = DatabaseUrl.parse("postgres://u:p@[fdaa::3]:5432/app?sslmode=disable");

    assertThat(url.toPgConnectOptions().getHost()).isEqualTo("fdaa::3");
    assertThat(url.jdbcUrl()).startsWith("jdbc:postgresql://[fdaa::3]:5432/app");
    assertThat(url.masked()).isEqualTo("postgres://u:****@[fdaa::3]:5432/app?sslmode=disable");
  }

  @Test
  void reportsQueryParametersItDoesNotUse() {
    assertThat(DatabaseUrl.parse("postgres://u:p@db/app?sslmode=disable&foo=bar&target_session_attrs=any")
        .ignoredParameters()).containsExactly("foo");
  }
}
