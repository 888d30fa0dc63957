package dev.catwalk.oauth;

import dev.catwalk.deploy.PublicAddresses;
import io.netty.util.NetUtil;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document, the client registration
 * MCP 2025-11-25 prefers): a {@code client_id} that is an {@code https} URL names a JSON document its
 * owner publishes there. The document is fetched with {@code GET} (200 only, no redirects followed, at
 * most {@link #MAX_BYTES}, within the timeout), from a public address only unless configured otherwise
 * (every resolved address is checked first, and the address each connection actually reached is
 * checked again, so a name that rebinds to a private address is caught), and must be a JSON object
 * whose {@code client_id} is the URL exactly, with a {@code client_name} and {@code redirect_uris}, and
 * no shared secret ({@code token_endpoint_auth_method} {@code none} only). A good document is stored as
 * the client (grants refer to it) and kept in memory for its HTTP freshness lifetime ({@code max-age}),
 * at most the configured TTL; {@code no-store} and {@code no-cache} mean it is fetched on every use, and
 * failures are never cached. Shared by every HTTP verticle instance (the cache is a concurrent map).
 */
public final class ClientMetadataDocuments {

  /** Largest document accepted, in bytes (the draft's suggested bound). */
  public static final int MAX_BYTES = 5 * 1024;
  private static final int MAX_CACHED = 1000;
  private static final int MAX_URL_LENGTH = 2000;
  private static final Pattern MAX_AGE = Pattern.compile("(?:^|[,\\s])max-age\\s*=\\s*\"?(\\d+)");
  private static final Logger LOG = LoggerFactory.getLogger(ClientMetadataDocuments.class);

  /**
   * How documents are fetched and kept.
   *
   * @param enabled      whether {@code https} client ids are accepted (and the metadata says so)
   * @param timeout      the longest a fetch may take, connection included
   * @param cacheTtl     the longest a document is used without fetching it again
   * @param allowPrivate whether documents may be on loopback, private or other non-public addresses
   * @param caFile       PEM certificates trusted instead of the JVM's CAs for these fetches, or null
   */
  public record Options(boolean enabled, Duration timeout, Duration cacheTtl, boolean allowPrivate, String caFile) {
  }

  /** A document's client and until when (System.nanoTime) it is fresh. */
  private record Cached(OAuthRepository.Client client, long freshUntil) {
  }

  private final Vertx vertx;
  private final Options options;
  private final OAuthRepository repository;
  private final HttpClientAgent client;
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();

  public ClientMetadataDocuments(Vertx vertx, Options options, OAuthRepository repository) {
    this.vertx = vertx;
    this.options = options;
    this.repository = repository;
    HttpClientOptions http = new HttpClientOptions().setKeepAlive(false).setForceSni(true)
        .setConnectTimeout((int) options.timeout().toMillis()).setMaxRedirects(0);
    if (options.caFile() != null) {
      http.setTrustOptions(new PemTrustOptions().addCertPath(options.caFile()));
    }
    this.client = vertx.httpClientBuilder().with(http)
        .withConnectHandler(connection -> guard(connection, options.allowPrivate())).build();
  }

  /** Whether a client id names a metadata document (an {@code https} URL) rather than a registered client. */
  public static boolean isDocumentUrl(String clientId) {
    return clientId != null && clientId.regionMatches(true, 0, "https://", 0, 8);
  }

  /** Lets go of the HTTP client. */
  public Future<Void> close() {
    return client.close();
  }

  /** Whether metadata documents are accepted. */
  public boolean enabled() {
    return options.enabled();
  }

  /**
   * The client a {@code client_id} names: a registered client, or (for an {@code https} URL, when
   * documents are accepted) the client its fresh document describes. Fails with an {@link OAuthError}
   * {@code invalid_client} that says why when the document cannot be used.
   */
  public Future<Optional<OAuthRepository.Client>> lookup(String clientId) {
    if (!options.enabled() || !isDocumentUrl(clientId)) {
      return repository.client(clientId);
    }
    Cached cached = cache.get(clientId);
    if (cached != null && cached.freshUntil() - System.nanoTime() > 0) {
      return Future.succeededFuture(Optional.of(cached.client()));
    }
    URI url;
    try {
      url = documentUrl(clientId);
    } catch (OAuthError e) {
      return Future.failedFuture(e);
    }
    return checkAddresses(url.getHost()).compose(v -> fetch(url)).compose(this::store).map(Optional::of);
  }

  private Future<OAuthRepository.Client> store(Fetched fetched) {
    OAuthRepository.Client found = client(fetched.url(), fetched.body());
    return repository.upsertDocumentClient(found).map(v -> {
      remember(found, fetched.freshFor());
      return found;
    });
  }

  /** The checked URL of a document client id (draft §3: https, a path, no fragment, user info or dot segments). */
  static URI documentUrl(String clientId) {
    URI url;
    try {
      url = clientId.length() > MAX_URL_LENGTH ? null : new URI(clientId);
    } catch (URISyntaxException e) {
      url = null;
    }
    if (url == null || !"https".equals(url.getScheme()) || url.getHost() == null || url.getRawUserInfo() != null
        || url.getRawFragment() != null || url.getRawPath() == null || url.getRawPath().length() < 2
        || List.of(url.getRawPath().split("/", -1)).stream().anyMatch(s -> s.equals(".") || s.equals(".."))) {
      throw invalid("a client_id URL must be https with a path, and without a fragment, user info or dot segments");
    }
    return url;
  }

  private Future<Void> checkAddresses(String host) {
    if (options.allowPrivate()) {
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(() -> {
      try {
        for (InetAddress address : InetAddress.getAllByName(host)) {
          if (!PublicAddresses.isPublic(address)) {
            throw invalid("its metadata document is on a private, loopback or other non-public address");
          }
        }
      } catch (UnknownHostException e) {
        throw invalid("the host of its metadata document does not resolve");
      }
      return null;
    }, false);
  }

  /** A fetched document: its URL, its body, and how long it may be used. */
  private record Fetched(URI url, Buffer body, Duration freshFor) {
  }

  private Future<Fetched> fetch(URI url) {
    Promise<Fetched> result = Promise.promise();
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url.toString())
        .setFollowRedirects(false).setConnectTimeout(options.timeout().toMillis())
        .putHeader("Accept", "application/json");
    long timer = vertx.setTimer(options.timeout().toMillis(), id -> result.tryFail(invalid(
        "its metadata document did not arrive within " + options.timeout().toSeconds() + " s")));
    client.request(request).onSuccess(sent -> send(url, sent, result)).onFailure(e -> unreachable(url, e, result));
    return result.future().onComplete(ar -> vertx.cancelTimer(timer));
  }

  private void send(URI url, HttpClientRequest sent, Promise<Fetched> result) {
    result.future().onFailure(e -> sent.reset());
    sent.send().onSuccess(response -> read(url, response, result)).onFailure(e -> unreachable(url, e, result));
  }

  private static void unreachable(URI url, Throwable cause, Promise<Fetched> result) {
    if (!result.future().isComplete()) {
      LOG.info("client metadata document {} could not be fetched: {}", url.getHost(), cause.toString());
    }
    result.tryFail(invalid("its metadata document could not be fetched"));
  }

  private void read(URI url, HttpClientResponse response, Promise<Fetched> result) {
    response.exceptionHandler(e -> result.tryFail(invalid("its metadata document could not be read")));
    if (response.statusCode() != 200) {
      result.tryFail(invalid("its metadata document answered HTTP " + response.statusCode()
          + (response.statusCode() / 100 == 3 ? " (redirects are not followed)" : "") + ", not 200"));
      return;
    }
    String type = response.getHeader("Content-Type");
    if (type != null && !type.toLowerCase(Locale.ROOT).contains("json")) {
      result.tryFail(invalid("its metadata document is not JSON (Content-Type " + printable(type) + ")"));
      return;
    }
    String length = response.getHeader("Content-Length");
    if (length != null && length.matches("\\d{1,18}") && Long.parseLong(length) > MAX_BYTES) {
      result.tryFail(tooLarge());
      return;
    }
    Buffer body = Buffer.buffer();
    response.handler(chunk -> {
      if (result.future().isComplete()) {
        return;
      }
      body.appendBuffer(chunk);
      if (body.length() > MAX_BYTES) {
        result.tryFail(tooLarge());
      }
    });
    response.endHandler(v -> result.tryComplete(new Fetched(url, body, freshness(response))));
  }

  /** The client a document describes (draft §4, §6), or {@code invalid_client} naming the problem. */
  static OAuthRepository.Client client(URI url, Buffer body) {
    JsonObject document;
    try {
      document = body.toJsonObject();
    } catch (DecodeException | ClassCastException e) {
      throw invalid("its metadata document is not a JSON object");
    }
    if (document == null) {
      throw invalid("its metadata document is not a JSON object");
    }
    if (!url.toString().equals(document.getValue("client_id"))) {
      throw invalid("the client_id in its metadata document is not the document's URL");
    }
    if (document.containsKey("client_secret") || document.containsKey("client_secret_expires_at")) {
      throw invalid("its metadata document must not carry a client secret");
    }
    if (!(document.getValue("client_name") instanceof String name) || name.isBlank()) {
      throw invalid("its metadata document has no client_name");
    }
    JsonObject metadata;
    try {
      metadata = ClientMetadata.checked(document, "none", Set.of("none"));
    } catch (OAuthError e) {
      throw invalid("its metadata document: " + e.getMessage());
    }
    return new OAuthRepository.Client(url.toString(), name.strip(), ClientMetadata.redirectUris(metadata), null,
        metadata);
  }

  /** How long a response may be used (RFC 9111 §4.2.1 {@code max-age}), at most the configured TTL. */
  private Duration freshness(HttpClientResponse response) {
    return freshness(String.join(",", response.headers().getAll("Cache-Control")), options.cacheTtl());
  }

  static Duration freshness(String cacheControl, Duration max) {
    String directives = cacheControl.toLowerCase(Locale.ROOT);
    if (directives.contains("no-store") || directives.contains("no-cache")) {
      return Duration.ZERO;
    }
    Matcher maxAge = MAX_AGE.matcher(directives);
    if (maxAge.find()) {
      String seconds = maxAge.group(1);
      return seconds.length() > 9 ? max : Duration.ofSeconds(Math.min(Long.parseLong(seconds), max.toSeconds()));
    }
    return max;
  }

  private void remember(OAuthRepository.Client found, Duration freshFor) {
    if (freshFor.isZero()) {
      cache.remove(found.clientId());
      return;
    }
    if (cache.size() >= MAX_CACHED) {
      long now = System.nanoTime();
      cache.values().removeIf(entry -> entry.freshUntil() - now <= 0);
    }
    if (cache.size() < MAX_CACHED) {
      cache.put(found.clientId(), new Cached(found, System.nanoTime() + freshFor.toNanos()));
    }
  }

  /** Closes a connection whose remote address is not public (unless private addresses are allowed). */
  private static void guard(HttpConnection connection, boolean allowPrivate) {
    if (allowPrivate) {
      return;
    }
    String ip = connection.remoteAddress() == null ? null : connection.remoteAddress().hostAddress();
    byte[] bytes = ip == null ? null : NetUtil.createByteArrayFromIpAddressString(ip);
    try {
      if (bytes != null && PublicAddresses.isPublic(InetAddress.getByAddress(bytes))) {
        return;
      }
    } catch (UnknownHostException e) {
      // refused below
    }
    LOG.warn("closed a connection for a client metadata document: its address is not public");
    connection.close();
  }

  private static OAuthError invalid(String why) {
    return new OAuthError(400, "invalid_client", why);
  }

  private static OAuthError tooLarge() {
    return invalid("its metadata document is larger than " + MAX_BYTES + " bytes");
  }

  private static String printable(String text) {
    String clean = text.replaceAll("[^\\x20-\\x7e]", "?");
    return clean.length() > 60 ? clean.substring(0, 60) + "…" : clean;
  }
}
