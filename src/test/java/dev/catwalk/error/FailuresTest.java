package dev.catwalk.error;

import dev.catwalk.http.FailureHandler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

import static org.assertj.core.api.Assertions.assertThat;

/** The one failure mapping, through a real router and the event bus. */
@ExtendWith(VertxExtension.class)
class FailuresTest {

  @Test
  void typedExceptionsAnswerWithTheirStatusAndMessage() {
    Map<ApiException, Integer> expected = Map.of(
        new BadRequestException("config.region", "must be one of \"eu\", \"us\""), 400,
        new UnauthorizedException("no"), 401,
        new NotFoundException("no deployment x"), 404,
        new ConflictException("taken"), 409,
        new UnsupportedMediaTypeException("json only"), 415,
        new UnprocessableException("no npx here"), 422,
        new TooManyRequestsException("slow down"), 429,
        new BadGatewayException("GitHub answered 500"), 502,
        new UnavailableException("down"), 503,
        new GatewayTimeoutException("late"), 504);
    expected.forEach((failure, status) -> {
      Problem problem = Failures.problem(failure, "test");
      assertThat(problem.status()).isEqualTo(status);
      assertThat(problem.detail()).isEqualTo(failure.getMessage());
    });
    assertThat(new BadRequestException("config.region", "required").getMessage()).isEqualTo("config.region: required");
    assertThat(new BadRequestException("config.region", "required").field()).isEqualTo("config.region");
  }

  @Test
  void anyOtherExceptionIsA500ThatTellsTheClientNothing() {
    for (RuntimeException bug : List.of(new IllegalArgumentException("secret=hunter2"),
        new NoSuchElementException("secret=hunter2"), new ClassCastException("secret=hunter2"),
        new NullPointerException("secret=hunter2"))) {
      Problem problem = Failures.problem(bug, "test");
      assertThat(problem.status()).isEqualTo(500);
      assertThat(problem.detail()).isEqualTo("an unexpected error occurred");
    }
  }

  @Test
  void theRouterAnswersProblemsAndHidesBugs(Vertx vertx) {
    Router router = Router.router(vertx);
    router.get("/bad").handler(ctx -> {
      throw new BadRequestException("limit", "must be a whole number from 1 to 200");
    });
    router.get("/bug").handler(ctx -> {
      throw new IllegalArgumentException("internal detail /etc/secret");
    });
    router.get("/down").handler(ctx -> ctx.fail(new UnavailableException("the database is unavailable")));
    router.route().failureHandler(new FailureHandler());
    HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").await();
    WebClient client = WebClient.create(vertx);

    HttpResponse<Buffer> bad = get(client, server, "/bad");
    HttpResponse<Buffer> bug = get(client, server, "/bug");
    HttpResponse<Buffer> down = get(client, server, "/down");

    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.getHeader("Content-Type")).isEqualTo(Problem.CONTENT_TYPE);
    assertThat(bad.bodyAsJsonObject()).isEqualTo(new JsonObject().put("type", "about:blank")
        .put("title", "Bad Request").put("status", 400).put("detail", "limit: must be a whole number from 1 to 200"));
    assertThat(bug.statusCode()).isEqualTo(500);
    assertThat(bug.bodyAsString()).doesNotContain("secret").contains("an unexpected error occurred");
    assertThat(down.statusCode()).isEqualTo(503);
    assertThat(down.getHeader("Retry-After")).isEqualTo("5");
  }

  @Test
  void aFailedCommandKeepsItsStatusAndMessageAcrossTheEventBus(Vertx vertx) {
    vertx.eventBus().consumer("test.fails", message -> Failures.reply(message, new NotFoundException("no session s1")));
    vertx.eventBus().consumer("test.bug", message -> Failures.reply(message, new IllegalStateException("secret")));

    Throwable notFound = vertx.eventBus().request("test.fails", "x").map(Throwable.class::cast)
        .otherwise(e -> e).await();
    Throwable bug = vertx.eventBus().request("test.bug", "x").map(Throwable.class::cast).otherwise(e -> e).await();

    assertThat(notFound).isInstanceOf(ReplyException.class);
    assertThat(Failures.problem(notFound, "test")).isEqualTo(new Problem(404, "Not Found", "no session s1"));
    assertThat(Failures.problem(bug, "test")).isEqualTo(new Problem(500, "Internal Server Error",
        "an unexpected error occurred"));
  }

  private static HttpResponse<Buffer> get(WebClient client, HttpServer server, String path) {
    return client.get(server.actualPort(), "127.0.0.1", path).send().await();
  }
}
