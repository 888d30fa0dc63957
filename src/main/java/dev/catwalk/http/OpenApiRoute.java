package dev.catwalk.http;

import dev.catwalk.BuildInfo;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;

/**
 * {@code GET /api/openapi.json}: the OpenAPI 3.1 description of the REST API
 * ({@code src/main/resources/openapi.json}), public like {@code /health}. Read once at start-up, off
 * the event loop, with this build's version and the gateway's public URL filled in; served with an
 * {@code ETag} and a short {@code Cache-Control}, and 304 for a matching {@code If-None-Match}.
 */
public final class OpenApiRoute {

  /** Where the document is served. */
  public static final String PATH = "/api/openapi.json";
  /** The class-path resource holding it. */
  public static final String RESOURCE = "/openapi.json";
  /** How long clients and proxies may reuse it without asking again. */
  public static final String CACHE_CONTROL = "public, max-age=300";

  private final byte[] document;
  private final String etag;

  private OpenApiRoute(byte[] document, String etag) {
    this.document = document;
    this.etag = etag;
  }

  /** Reads the document on a worker thread; fails when the resource is missing or not JSON. */
  public static Future<OpenApiRoute> load(Vertx vertx, String publicUrl) {
    return vertx.executeBlocking(() -> read(publicUrl), false);
  }

  /** Mounts {@code GET} {@link #PATH}; mount it before the admin token handler. */
  public void mount(Router router) {
    router.get(PATH).handler(this::serve);
  }

  private void serve(RoutingContext ctx) {
    ctx.response().putHeader("ETag", etag).putHeader("Cache-Control", CACHE_CONTROL);
    if (matches(ctx.request().getHeader("If-None-Match"))) {
      ctx.response().setStatusCode(304).end();
      return;
    }
    ctx.response().putHeader("Content-Type", "application/json").end(Buffer.buffer(document));
  }

  /** Whether an {@code If-None-Match} header names the current document (weak or strong, or {@code *}). */
  private boolean matches(String ifNoneMatch) {
    return ifNoneMatch != null && Arrays.stream(ifNoneMatch.split(",")).map(String::trim)
        .map(tag -> tag.startsWith("W/") ? tag.substring(2) : tag)
        .anyMatch(tag -> tag.equals(etag) || tag.equals("*"));
  }

  private static OpenApiRoute read(String publicUrl) {
    JsonObject json;
    try (InputStream in = OpenApiRoute.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the resource " + RESOURCE + " is missing from the build");
      }
      json = new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    json.getJsonObject("info").put("version", BuildInfo.version());
    json.put("servers", new JsonArray().add(new JsonObject().put("url", publicUrl)
        .put("description", "this gateway (CATWALK_PUBLIC_URL)")));
    byte[] document = json.toBuffer().getBytes();
    return new OpenApiRoute(document, "\"" + digest(document) + "\"");
  }

  private static String digest(byte[] document) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(document);
      return Base64.getUrlEncoder().withoutPadding().encodeToString(hash).substring(0, 22);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
