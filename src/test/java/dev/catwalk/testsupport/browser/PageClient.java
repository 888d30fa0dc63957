package dev.catwalk.testsupport.browser;

import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A browser without script for server-rendered pages: keeps cookies, reads the forms of the HTML it is
 * served and submits them with their hidden fields (CSRF tokens included), and does not follow
 * redirects by itself, so a test sees every hop.
 */
public final class PageClient {

  private final HttpClient http = HttpClient.newBuilder()
      .cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL))
      .followRedirects(HttpClient.Redirect.NEVER).build();

  /**
   * One response.
   *
   * @param status   HTTP status
   * @param uri      the URL requested
   * @param headers  response headers
   * @param body     the body as text
   */
  public record Page(int status, URI uri, HttpHeaders headers, String body) {
    /** The parsed HTML. */
    public Document document() {
      return Jsoup.parse(body, uri.toString());
    }

    /** The {@code Location} header resolved against this page's URL, or null. */
    public URI location() {
      return headers.firstValue("Location").map(uri::resolve).orElse(null);
    }

    /** A response header, or null. */
    public String header(String name) {
      return headers.firstValue(name).orElse(null);
    }
  }

  /** GETs a URL. */
  public Page get(URI uri) {
    return send(HttpRequest.newBuilder(uri).GET().build());
  }

  /** Follows a redirect of {@code page} with a GET. */
  public Page follow(Page page) {
    URI location = page.location();
    if (location == null) {
      throw new AssertionError("not a redirect: " + page.status() + " " + page.body());
    }
    return get(location);
  }

  /**
   * Submits the first form matching {@code selector} as a browser would: its fields with their values,
   * {@code values} filled in, and the pressed button's name and value ({@code button} selects it; null: none).
   */
  public Page submit(Page page, String selector, Map<String, String> values, String button) {
    Element form = page.document().selectFirst(selector);
    if (form == null) {
      throw new AssertionError("no form " + selector + " on " + page.uri() + ": " + page.body());
    }
    Map<String, String> fields = new LinkedHashMap<>();
    for (Element input : form.select("input[name]")) {
      fields.put(input.attr("name"), input.attr("value"));
    }
    fields.putAll(values);
    if (button != null) {
      Element pressed = form.selectFirst(button);
      if (pressed == null) {
        throw new AssertionError("no button " + button + " in " + form);
      }
      if (pressed.hasAttr("name")) {
        fields.put(pressed.attr("name"), pressed.attr("value"));
      }
    }
    return post(page.uri().resolve(form.attr("action")), fields);
  }

  /** POSTs a form body. */
  public Page post(URI uri, Map<String, String> fields) {
    String body = fields.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
    return send(HttpRequest.newBuilder(uri).header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  private Page send(HttpRequest request) {
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      return new Page(response.statusCode(), request.uri(), response.headers(), response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
