package dev.catwalk.testsupport;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTPS server on 127.0.0.1, named {@code localhost} by its self-signed certificate, where OAuth
 * clients publish their Client ID Metadata Documents: each path answers what the test put there and
 * counts how often it was fetched. A path without an answer never answers (a server that hangs).
 */
public final class ClientMetadataSite implements AutoCloseable {

  /** What a path answers. */
  public record Answer(int status, Map<String, String> headers, String body, boolean chunked) {
    /** A 200 JSON answer with the given {@code Cache-Control}. */
    public static Answer json(JsonObject document, String cacheControl) {
      return new Answer(200, Map.of("Content-Type", "application/json", "Cache-Control", cacheControl),
          document.encode(), false);
    }
  }

  private final SelfSignedCertificate certificate = SelfSignedCertificate.create("localhost");
  private final HttpServer server;
  private final Map<String, Answer> answers = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> fetches = new ConcurrentHashMap<>();

  private ClientMetadataSite(Vertx vertx) {
    this.server = vertx.createHttpServer(new HttpServerOptions().setSsl(true)
        .setKeyCertOptions(certificate.keyCertOptions())).requestHandler(this::answer);
  }

  /** Starts a site on a free port of 127.0.0.1. */
  public static ClientMetadataSite start(Vertx vertx) {
    ClientMetadataSite site = new ClientMetadataSite(vertx);
    site.server.listen(0, "127.0.0.1").await();
    return site;
  }

  /** The PEM file of the certificate to trust ({@code CATWALK_OAUTH_CIMD_CA_FILE}). */
  public String certificatePath() {
    return certificate.certificatePath();
  }

  /** The https URL of a path on this site (a client id). */
  public String url(String path) {
    return "https://localhost:" + server.actualPort() + path;
  }

  /** Makes {@code path} answer {@code answer}. */
  public void put(String path, Answer answer) {
    answers.put(path, answer);
  }

  /** A well-formed document for {@code path}: its client id, a name and public-client settings. */
  public JsonObject document(String path, String name, JsonArray redirectUris) {
    return new JsonObject().put("client_id", url(path)).put("client_name", name).put("redirect_uris", redirectUris)
        .put("token_endpoint_auth_method", "none").put("grant_types", new JsonArray().add("authorization_code")
            .add("refresh_token")).put("response_types", new JsonArray().add("code"));
  }

  /** How often {@code path} was requested. */
  public int fetches(String path) {
    AtomicInteger count = fetches.get(path);
    return count == null ? 0 : count.get();
  }

  private void answer(HttpServerRequest request) {
    fetches.computeIfAbsent(request.path(), p -> new AtomicInteger()).incrementAndGet();
    Answer answer = answers.get(request.path());
    if (answer == null) {
      return;
    }
    answer.headers().forEach(request.response()::putHeader);
    request.response().setStatusCode(answer.status()).setChunked(answer.chunked());
    if (answer.chunked()) {
      for (int at = 0; at < answer.body().length(); at += 1000) {
        request.response().write(answer.body().substring(at, Math.min(answer.body().length(), at + 1000)));
      }
      request.response().end();
    } else {
      request.response().end(answer.body());
    }
  }

  @Override
  public void close() {
    server.close().await();
    certificate.delete();
  }
}
