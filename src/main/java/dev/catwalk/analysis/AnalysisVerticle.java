package dev.catwalk.analysis;

import dev.catwalk.error.ApiException;
import dev.catwalk.error.BadRequestException;
import dev.catwalk.Addresses;
import dev.catwalk.BusCommands;
import dev.catwalk.config.SettingsRepository;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Owns repository analysis: the {@link Addresses#ANALYSIS_ANALYZE} command. Resolves the ref to a
 * commit through the GitHub API, answers from the cache when that commit was analyzed before
 * (unless {@code refresh}), else fetches the files, runs the deterministic {@link Analyzer} on a
 * worker thread, lets the optional {@link LlmStep} fill gaps, and caches the answer.
 */
public final class AnalysisVerticle extends VerticleBase {

  /**
   * What the verticle needs from the configuration.
   *
   * @param githubApiUrl base URL of the GitHub REST API
   * @param githubHosts  hosts accepted in repository URLs besides github.com
   * @param llmBaseUrl   base URL of the OpenAI-compatible API
   * @param llmModel     model of the LLM step, or null for none
   * @param githubTimeout per GitHub request
   * @param llmTimeout   for the LLM request
   * @param maxApiCalls  GitHub API calls at most per analysis
   * @param maxFileBytes larger files are skipped
   */
  public record Options(String githubApiUrl, Set<String> githubHosts, String llmBaseUrl, String llmModel,
                        Duration githubTimeout, Duration llmTimeout, int maxApiCalls, int maxFileBytes) {
    public Options {
      githubHosts = Set.copyOf(githubHosts);
    }
  }

  /** Setting that holds the GitHub token. */
  public static final String GITHUB_TOKEN_SETTING = "githubToken";
  /** Setting that holds the LLM API key. */
  public static final String LLM_KEY_SETTING = "openrouterApiKey";

  private static final Logger LOG = LoggerFactory.getLogger(AnalysisVerticle.class);
  private static final Pattern REF = Pattern.compile("^[A-Za-z0-9._][A-Za-z0-9._/+-]{0,199}$");
  private static final Set<String> FIELDS = Set.of("repoUrl", "ref", "refresh");

  private final Options options;
  private final SettingsRepository settings;
  private final AnalysisRepository cache;
  private WebClient client;
  private GitHubClient github;
  private LlmStep llm;
  private MessageConsumer<JsonObject> consumer;

  /** A verticle with its settings and cache. */
  public AnalysisVerticle(Options options, SettingsRepository settings, AnalysisRepository cache) {
    this.options = options;
    this.settings = settings;
    this.cache = cache;
  }

  @Override
  public Future<?> start() {
    client = WebClient.create(vertx, new WebClientOptions().setUserAgent("catwalk-analysis")
        .setConnectTimeout((int) options.githubTimeout().toMillis()).setFollowRedirects(true));
    github = new GitHubClient(client, new GitHubClient.Options(options.githubApiUrl(), options.githubTimeout(),
        options.maxApiCalls(), options.maxFileBytes()));
    llm = options.llmModel() == null ? null
        : new LlmStep(client, new LlmStep.Options(options.llmBaseUrl(), options.llmModel(), options.llmTimeout()));
    consumer = BusCommands.consumer(vertx, Addresses.ANALYSIS_ANALYZE, this::analyze);
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    client.close();
    return consumer.unregister();
  }

  private Future<JsonObject> analyze(Message<JsonObject> message) {
    JsonObject body = message.body();
    dev.catwalk.error.Validation.rejectUnknownFields(body, "", FIELDS);
    if (body.getValue("repoUrl") != null && !(body.getValue("repoUrl") instanceof String)) {
      throw new BadRequestException("repoUrl: must be a string");
    }
    RepositoryUrl url = RepositoryUrl.parse(body.getString("repoUrl"), options.githubHosts());
    Object ref = body.getValue("ref");
    if (ref != null) {
      if (!(ref instanceof String text) || !REF.matcher(text).matches() || text.contains("..")) {
        throw new BadRequestException("ref: a branch, tag or commit name (letters, digits, . _ / + -)");
      }
      url = url.withRef(text);
    }
    boolean refresh = Boolean.TRUE.equals(body.getValue("refresh")) || "true".equals(body.getValue("refresh"));
    RepositoryUrl target = url;
    return setting(GITHUB_TOKEN_SETTING).compose(token -> run(target, token, refresh));
  }

  private Future<JsonObject> run(RepositoryUrl url, String token, boolean refresh) {
    GitHubClient.Session session = github.session(url, token);
    return session.commit().compose(sha -> refresh ? fresh(session, url, sha) : cachedOrFresh(session, url, sha));
  }

  private Future<JsonObject> cachedOrFresh(GitHubClient.Session session, RepositoryUrl url, String sha) {
    return cache.find(url, sha)
        .recover(e -> {
          LOG.warn("analysis cache unavailable: {}", e.getMessage());
          return Future.succeededFuture(Optional.empty());
        })
        .compose(found -> found.isPresent() ? Future.succeededFuture(found.get().put("cached", true))
            : fresh(session, url, sha));
  }

  private Future<JsonObject> fresh(GitHubClient.Session session, RepositoryUrl url, String sha) {
    return session.snapshot(sha)
        .compose(snapshot -> vertx.executeBlocking(() -> Analyzer.analyze(snapshot), false))
        .compose(this::withLlm)
        .map(Analysis::toJson)
        .compose(json -> store(url, sha, json))
        .map(json -> json.copy().put("cached", false));
  }

  private Future<Analysis> withLlm(Analysis analysis) {
    if (llm == null || !LlmStep.hasGaps(analysis)) {
      return Future.succeededFuture(analysis);
    }
    return setting(LLM_KEY_SETTING).compose(key -> key == null ? Future.succeededFuture(analysis)
        : llm.complete(analysis, key));
  }

  private Future<JsonObject> store(RepositoryUrl url, String sha, JsonObject json) {
    return cache.store(url, sha, json)
        .recover(e -> {
          LOG.warn("analysis not cached: {}", e.getMessage());
          return Future.succeededFuture();
        })
        .map(json);
  }

  private Future<String> setting(String name) {
    return settings.value(name).map(value -> value.orElse(null))
        .recover(e -> {
          LOG.warn("setting {} unavailable: {}", name, e.getMessage());
          return Future.succeededFuture(null);
        });
  }
}
