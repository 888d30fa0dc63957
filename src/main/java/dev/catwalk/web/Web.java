package dev.catwalk.web;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.CookieSameSite;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.CSRFHandler;
import io.vertx.ext.web.handler.SessionHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.sstore.LocalSessionStore;
import io.vertx.ext.web.templ.thymeleaf.ThymeleafTemplateEngine;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The page infrastructure every server-rendered page uses. Create one per gateway (its session store
 * and CSRF secret are shared by all HTTP verticle instances), {@link #mountStatic} once per router,
 * {@link #protect} the paths of pages, and answer with {@link #render}.
 *
 * <ul>
 *   <li>Templates: Thymeleaf from {@code src/main/resources/web/templates}; {@code th:text} escapes,
 *       never use {@code th:utext}. Pages wrap themselves in the {@code layout.html} fragment.</li>
 *   <li>Content-Security-Policy: {@code default-src 'none'}, the stylesheet from {@code 'self'}, no script
 *       (console pages opt into scripts from {@code 'self'}, never inline), {@code frame-ancestors 'none'}; {@code form-action 'self'} plus the targets a page names
 *       (browsers apply {@code form-action} to the redirect that follows a form's POST).</li>
 *   <li>CSRF: every protected POST must carry the token the page got (the hidden field {@link #CSRF_FIELD},
 *       which every form template includes); a POST without it is refused with 403.</li>
 *   <li>Session cookie: HttpOnly, SameSite=Lax, Secure (and {@code __Host-} prefixed) when the public URL is HTTPS;
 *       sessions live in this process's memory and expire after {@link #SESSION_TIMEOUT} idle.</li>
 * </ul>
 */
public final class Web {

  /** The form field (and header) that carries the CSRF token. */
  public static final String CSRF_FIELD = "X-XSRF-TOKEN";
  /** Idle time after which a page session ends. */
  public static final Duration SESSION_TIMEOUT = Duration.ofMinutes(30);
  /** Where the stylesheet and other static files are served. */
  public static final String STATIC_PATH = "/static/*";
  private static final int MAX_FORM_BYTES = 64 * 1024;
  private static final String TEMPLATES = "web/templates/";

  private final ThymeleafTemplateEngine engine;
  private final SessionHandler sessions;
  private final CSRFHandler csrf;

  /**
   * @param secure whether the gateway is reached over HTTPS (cookies get {@code Secure} and {@code __Host-})
   */
  public Web(Vertx vertx, boolean secure) {
    this.engine = ThymeleafTemplateEngine.create(vertx);
    String prefix = secure ? "__Host-" : "";
    this.sessions = SessionHandler.create(LocalSessionStore.create(vertx, "catwalk.web.sessions"))
        .setSessionCookieName(prefix + "catwalk_session")
        .setCookieHttpOnlyFlag(true)
        .setCookieSecureFlag(secure)
        .setCookieSameSite(CookieSameSite.LAX)
        .setSessionTimeout(SESSION_TIMEOUT.toMillis());
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    this.csrf = CSRFHandler.create(vertx, Base64.getEncoder().encodeToString(secret))
        .setCookieName(prefix + "catwalk_csrf")
        .setCookieSecure(secure)
        .setCookieHttpOnly(true)
        .setHeaderName(CSRF_FIELD)
        .setNagHttps(false)
        .setTimeout(SESSION_TIMEOUT.toMillis());
  }

  /** Serves {@code src/main/resources/web/static} at {@link #STATIC_PATH}. */
  public void mountStatic(Router router) {
    router.get(STATIC_PATH).handler(StaticHandler.create("web/static").setCachingEnabled(true).setMaxAgeSeconds(3600));
  }

  /**
   * Makes every route matching {@code pathRegex} a page: security headers, a session, form bodies and
   * CSRF checks on POST. Mount it before the page handlers.
   */
  public void protect(Router router, String pathRegex) {
    router.routeWithRegex(pathRegex).handler(Web::securityHeaders);
    router.routeWithRegex(pathRegex).handler(sessions);
    router.routeWithRegex(pathRegex).handler(BodyHandler.create(false).setBodyLimit(MAX_FORM_BYTES));
    router.routeWithRegex(pathRegex).handler(csrf);
    router.routeWithRegex(pathRegex).failureHandler(this::formRefused);
  }

  /** A CSRF refusal (400/403 without a typed failure) as a page; anything else goes on to the gateway's failure handler. */
  private void formRefused(RoutingContext ctx) {
    boolean csrfRefusal = (ctx.statusCode() == 400 || ctx.statusCode() == 403)
        && !(ctx.failure() instanceof dev.catwalk.error.ApiException);
    if (!csrfRefusal || ctx.response().headWritten()) {
      ctx.next();
      return;
    }
    render(ctx, 403, "message.html", Map.of("heading", "This form has expired", "message",
        "It was replaced by a newer page or was not sent from this site. Go back, reload the page and try again.",
        "error", true), List.of()).onFailure(e -> ctx.response().setStatusCode(403).end());
  }

  /**
   * Renders {@code template} (a file name in {@code web/templates}) with {@code data}, the CSRF token
   * ({@code csrf}) and the signed-in operator ({@code user}), and ends the response.
   *
   * @param formTargets CSP sources a form of this page may post or be redirected to, besides {@code 'self'}
   */
  public Future<Void> render(RoutingContext ctx, int status, String template, Map<String, Object> data,
                             List<String> formTargets) {
    return render(ctx, status, template, data, formTargets, false);
  }

  /**
   * As {@link #render(RoutingContext, int, String, Map, List)}; with {@code scripts} the policy also lets the page
   * load scripts from this origin ({@code /static}, never inline) and fetch or stream from it ({@code connect-src
   * 'self'}), for the console's progressive enhancement.
   */
  public Future<Void> render(RoutingContext ctx, int status, String template, Map<String, Object> data,
                             List<String> formTargets, boolean scripts) {
    Map<String, Object> model = new HashMap<>(data);
    model.put("csrf", ctx.get(CSRF_FIELD));
    model.put("csrfField", CSRF_FIELD);
    model.put("user", SignedIn.of(ctx));
    Set<String> targets = new LinkedHashSet<>();
    targets.add("'self'");
    targets.addAll(formTargets);
    return engine.render(model, TEMPLATES + template).compose(html -> ctx.response().setStatusCode(status)
        .putHeader("Content-Type", "text/html; charset=utf-8")
        .putHeader("Content-Security-Policy", policy(String.join(" ", targets))
            + (scripts ? "; script-src 'self'; connect-src 'self'" : ""))
        .end(html));
  }

  private static String policy(String formAction) {
    return "default-src 'none'; style-src 'self'; img-src 'self'; form-action " + formAction
        + "; frame-ancestors 'none'; base-uri 'none'";
  }

  private static void securityHeaders(RoutingContext ctx) {
    ctx.response().putHeader("Content-Security-Policy", policy("'self'"))
        .putHeader("X-Frame-Options", "DENY")
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("Cache-Control", "no-store");
    ctx.next();
  }
}
