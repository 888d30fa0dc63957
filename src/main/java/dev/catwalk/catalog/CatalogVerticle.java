package dev.catwalk.catalog;

import dev.catwalk.error.ApiException;
import dev.catwalk.error.BadRequestException;
import dev.catwalk.error.ConflictException;
import dev.catwalk.error.NotFoundException;
import dev.catwalk.error.UnprocessableException;
import dev.catwalk.error.Validation;
import dev.catwalk.Addresses;
import dev.catwalk.BusCommands;
import dev.catwalk.config.SettingsRepository;
import dev.catwalk.deploy.Backend;
import dev.catwalk.deploy.Deployment;
import dev.catwalk.error.Failures;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * Owns the catalog: the sync of each source (the official MCP Registry, Glama) into Postgres, started
 * when the gateway starts and repeated on a timer, and the catalog commands ({@link Addresses#CATALOG_SEARCH},
 * {@link Addresses#CATALOG_GET}, {@link Addresses#CATALOG_RESOLVE}, {@link Addresses#CATALOG_STATUS},
 * {@link Addresses#CATALOG_SYNC}). Searches and lookups read only Postgres; no user request reaches a
 * registry.
 *
 * <p>Registry: a full walk of {@code GET /v0.1/servers} along its cursors, then walks of the changes since
 * the last walk began ({@code updated_since}, a minute early for the registry's cache and clock skew). Glama
 * (no changes-since query): a full crawl each time, whose entries not seen again are marked deleted. Each
 * page is stored with its cursor, so an interrupted walk resumes; a failure keeps the catalog as it was,
 * records the error and retries with backoff; malformed entries are skipped and logged.
 */
public final class CatalogVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(CatalogVerticle.class);
  private static final String REGISTRY = ServerJsonMapper.SOURCE;
  private static final String GLAMA = GlamaMapper.SOURCE;
  private static final Set<String> SEARCH_FIELDS = Set.of("q", "runtime", "backend", "cursor", "limit");
  private static final Set<String> RESOLVE_FIELDS = Set.of("catalogId", "catalogVersion", "variant", "backend",
      "name", "config");
  private static final int DEFAULT_LIMIT = 20;
  private static final int MAX_LIMIT = 100;
  private static final Duration FIRST_RETRY = Duration.ofSeconds(30);

  /**
   * What the verticle needs from the configuration.
   *
   * @param sources         URLs, default switches and intervals of the sources
   * @param client          HTTP behaviour towards the sources
   * @param deltaMargin     how much earlier than a walk's start the next delta begins
   * @param probeTtl        how long a backend's answer about a kind of recipe is reused
   * @param analysisTimeout how long the repository analysis of an entry may take
   */
  public record Options(CatalogOptions sources, SourceClient.Options client, Duration deltaMargin,
                        Duration probeTtl, Duration analysisTimeout) {

    /** The defaults for a running gateway. */
    public static Options defaults(CatalogOptions sources) {
      return new Options(sources, new SourceClient.Options(Duration.ofSeconds(30), 4, Duration.ofSeconds(1),
          Duration.ofSeconds(60), 100, 32 * 1024 * 1024), Duration.ofSeconds(60), Duration.ofSeconds(60),
          Duration.ofSeconds(90));
    }

    /** These options with another limit on the size of one answer. */
    public Options withMaxBodyBytes(int bytes) {
      return new Options(sources, new SourceClient.Options(client.requestTimeout(), client.attempts(),
          client.retryDelay(), client.maxRetryDelay(), client.pageSize(), bytes), deltaMargin, probeTtl,
          analysisTimeout);
    }

    /** These options with other HTTP behaviour (tests: short timeouts and retry delays). */
    public Options withClient(Duration requestTimeout, int attempts, Duration retryDelay, int pageSize) {
      return new Options(sources, new SourceClient.Options(requestTimeout, attempts, retryDelay,
          client.maxRetryDelay(), pageSize, client.maxBodyBytes()), deltaMargin, probeTtl, analysisTimeout);
    }
  }

  /** One source's schedule; touched only on this verticle's context. */
  private static final class Source {
    final String name;
    final String url;
    final String setting;
    final boolean enabledByDefault;
    final Duration interval;
    boolean running;
    long timer = -1;
    int failures;
    long runs;
    Instant nextAt;

    Source(String name, String url, String setting, boolean enabledByDefault, Duration interval) {
      this.name = name;
      this.url = url;
      this.setting = setting;
      this.enabledByDefault = enabledByDefault;
      this.interval = interval;
    }
  }

  private final Options options;
  private final CatalogRepository repository;
  private final SettingsRepository settings;
  private final Map<String, Backend> backends;
  private final Map<String, Source> sources = new LinkedHashMap<>();
  private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();
  private WebClient web;
  private SourceClient client;
  private RuntimeSupport support;
  private boolean stopped;

  public CatalogVerticle(Options options, CatalogRepository repository, SettingsRepository settings,
                         Map<String, Backend> backends) {
    this.options = options;
    this.repository = repository;
    this.settings = settings;
    this.backends = new LinkedHashMap<>(backends);
    CatalogOptions s = options.sources();
    sources.put(REGISTRY, new Source(REGISTRY, s.registryUrl(), "catalogRegistryEnabled", s.registryEnabled(),
        s.registryInterval()));
    sources.put(GLAMA, new Source(GLAMA, s.glamaUrl(), "catalogGlamaEnabled", s.glamaEnabled(), s.glamaInterval()));
  }

  @Override
  public Future<?> start() {
    web = WebClient.create(vertx, new WebClientOptions().setUserAgent("catwalk-catalog/" + dev.catwalk.BuildInfo.version())
        .setConnectTimeout((int) options.client().requestTimeout().toMillis()).setFollowRedirects(true)
);
    client = new SourceClient(vertx, web, options.client());
    support = new RuntimeSupport(backends, options.probeTtl());
    bind(Addresses.CATALOG_SEARCH, this::search);
    bind(Addresses.CATALOG_GET, this::get);
    bind(Addresses.CATALOG_RESOLVE, this::resolve);
    bind(Addresses.CATALOG_STATUS, message -> status());
    bind(Addresses.CATALOG_SYNC, this::syncNow);
    consumers.add(vertx.eventBus().consumer(Addresses.SETTINGS_CHANGED, this::settingsChanged));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList())
        .onSuccess(v -> remapStale().onComplete(ar -> sources.values().forEach(s -> schedule(s, 0))));
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    sources.values().forEach(s -> vertx.cancelTimer(s.timer));
    return Future.all(consumers.stream().map(MessageConsumer::unregister).toList())
        .eventually(() -> {
          web.close();
          return Future.succeededFuture();
        });
  }

  private void bind(String address, Function<Message<JsonObject>, Future<?>> handler) {
    consumers.add(BusCommands.consumer(vertx, address, handler));
  }

  // ------------------------------------------------------------------ search and lookups

  private Future<JsonObject> search(Message<JsonObject> message) {
    JsonObject body = message.body();
    rejectUnknown(body, SEARCH_FIELDS);
    String query = CatalogSearch.checkQuery(text(body, "q"));
    String kind = text(body, "runtime");
    if (kind != null && !CatalogSearch.KINDS.contains(kind)) {
      throw new BadRequestException("runtime: one of " + String.join(", ", new java.util.TreeSet<>(CatalogSearch.KINDS)));
    }
    String backend = text(body, "backend");
    if (backend != null && !backends.containsKey(backend)) {
      throw new BadRequestException("backend: '" + Validation.printable(backend) + "' is not configured (configured: "
          + String.join(", ", backends.keySet()) + ")");
    }
    int limit = BusCommands.wholeNumber(body, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
    int offset = CatalogSearch.offsetOf(text(body, "cursor"));
    return Future.all(enabledSources(), supportedProbes(backend))
        .compose(all -> repository.search(new CatalogSearch(query, kind, all.resultAt(1), all.resultAt(0), offset,
            limit)))
        .compose(page -> searchAnswer(page, offset, limit));
  }

  private Future<List<String>> supportedProbes(String backend) {
    if (backend == null) {
      return Future.succeededFuture(null);
    }
    return repository.probesInUse().compose(support::reasons).map(reasons -> {
      List<String> supported = new ArrayList<>();
      reasons.get(backend).forEach((probe, reason) -> {
        if (reason == null) {
          supported.add(probe);
        }
      });
      return supported;
    });
  }

  private Future<JsonObject> searchAnswer(CatalogRepository.Page page, int offset, int limit) {
    Set<String> probes = new java.util.LinkedHashSet<>();
    page.items().forEach(item -> probes.addAll(CatalogViews.probes(MappedEntry.variantsOf(item.mapping()))));
    return Future.all(support.reasons(probes), status()).map(all -> {
      Map<String, Map<String, String>> reasons = all.resultAt(0);
      JsonArray items = new JsonArray();
      for (CatalogRepository.Stored stored : page.items()) {
        List<Variant> variants = stored.analysis() == null ? MappedEntry.variantsOf(stored.mapping())
            : completed(stored, MappedEntry.variantsOf(stored.mapping()), stored.analysis());
        items.add(CatalogViews.item(stored, variants, CatalogViews.backends(stored, variants, reasons)));
      }
      boolean more = offset + limit < page.total();
      return new JsonObject().put("items", items).put("total", page.total())
          .put("nextCursor", more ? new CatalogSearch(null, null, null, List.of(), offset, limit).nextCursor() : null)
          .put("sources", all.<JsonObject>resultAt(1).getJsonArray("sources"));
    });
  }

  private Future<JsonObject> get(Message<JsonObject> message) {
    JsonObject body = message.body();
    UUID id = entryId(body.getValue("id"));
    String version = text(body, "version");
    boolean refresh = Boolean.parseBoolean(String.valueOf(body.getValue("refresh")));
    return load(id, version).compose(found -> detail(found, refresh));
  }

  private Future<JsonObject> detail(Found found, boolean refresh) {
    return variants(found.entry(), refresh).compose(variants -> support.reasons(CatalogViews.probes(variants))
        .map(reasons -> CatalogViews.detail(found.entry(), variants, reasons, found.versions())));
  }

  /** An entry and all its versions. */
  private record Found(CatalogRepository.Stored entry, List<CatalogRepository.Stored> versions) {
  }

  private Future<Found> load(UUID id, String version) {
    return Future.all(repository.versions(id), enabledSources()).map(all -> {
      List<CatalogRepository.Stored> versions = all.resultAt(0);
      List<String> enabled = all.resultAt(1);
      CatalogRepository.Stored entry = CatalogRepository.pick(versions, version).orElseThrow(() ->
          new NotFoundException(version == null || versions.isEmpty() ? "no catalog entry " + id
              : "the catalog entry " + id + " has no version " + Validation.printable(version)));
      if (!enabled.contains(entry.source())) {
        throw new NotFoundException("the catalog source " + entry.source() + " is switched off");
      }
      if ("deleted".equals(entry.status())) {
        throw new NotFoundException("the catalog entry " + entry.name() + " " + entry.version()
            + " was deleted from its source" + (entry.statusMessage() == null ? "" : ": " + entry.statusMessage()));
      }
      return new Found(entry, versions);
    });
  }

  /** The entry's variants; a repository variant completed by the repository analysis (stored, or asked for now). */
  private Future<List<Variant>> variants(CatalogRepository.Stored entry, boolean refresh) {
    List<Variant> variants = MappedEntry.variantsOf(entry.mapping());
    if (variants.stream().noneMatch(Variant::needsAnalysis)) {
      return Future.succeededFuture(variants);
    }
    if (entry.analysis() != null && !refresh) {
      return Future.succeededFuture(completed(entry, variants, entry.analysis()));
    }
    JsonObject request = new JsonObject().put("repoUrl", repositoryUrl(entry));
    if (refresh) {
      request.put("refresh", true);
    }
    return vertx.eventBus().<JsonObject>request(Addresses.ANALYSIS_ANALYZE, request,
            new DeliveryOptions().setSendTimeout(options.analysisTimeout().toMillis()))
        .compose(reply -> keepAnalysis(entry, variants, reply.body()),
            e -> Future.succeededFuture(analysisFailed(variants, e)));
  }

  private Future<List<Variant>> keepAnalysis(CatalogRepository.Stored entry, List<Variant> variants,
                                             JsonObject analysis) {
    List<Variant> completed = completed(entry, variants, analysis);
    List<String> runtimes = new ArrayList<>(CatalogViews.probes(completed));
    return repository.storeAnalysis(entry, analysis, runtimes).map(completed);
  }

  private static List<Variant> completed(CatalogRepository.Stored entry, List<Variant> variants, JsonObject analysis) {
    return variants.stream().map(v -> v.needsAnalysis() ? Completion.complete(entry.source(), entry.name(),
        entry.version(), v, analysis) : v).toList();
  }

  private static List<Variant> analysisFailed(List<Variant> variants, Throwable failure) {
    String why = Failures.problem(failure, Addresses.ANALYSIS_ANALYZE).detail();
    return variants.stream().map(v -> !v.needsAnalysis() ? v : new Variant(v.id(), v.kind(), v.type(), null, null,
        null, null, null, List.of(), null, Map.of(), v.inputs(),
        List.of(new Variant.Problem("analysis-failed", "the repository analysis failed: " + why)), v.warnings(),
        v.sources(), false)).toList();
  }

  private static String repositoryUrl(CatalogRepository.Stored entry) {
    String url = entry.repositoryUrl().replaceAll("/+$", "").replaceAll("\\.git$", "");
    String subfolder = entry.mapping().getString("repositorySubfolder");
    return subfolder == null || url.contains("/tree/") ? url
        : url + "/tree/HEAD/" + subfolder.replaceAll("^\\.?/+|/+$", "");
  }

  // ------------------------------------------------------------------ deploying

  private Future<JsonObject> resolve(Message<JsonObject> message) {
    JsonObject body = message.body();
    rejectUnknown(body, RESOLVE_FIELDS);
    UUID id = entryId(body.getValue("catalogId"));
    String backend = text(body, "backend");
    if (backend == null || !backends.containsKey(backend)) {
      throw new BadRequestException("backend: not configured");
    }
    Object config = body.getValue("config");
    if (config != null && !(config instanceof JsonObject)) {
      throw new BadRequestException("config: must be an object");
    }
    return load(id, text(body, "catalogVersion")).compose(found -> deployable(body, backend, found.entry()));
  }

  private Future<JsonObject> deployable(JsonObject body, String backend, CatalogRepository.Stored entry) {
    if ("deprecated".equals(entry.status())) {
      throw new ConflictException(entry.name() + " " + entry.version() + " is deprecated"
          + (entry.statusMessage() == null ? "" : ": " + entry.statusMessage()));
    }
    return variants(entry, false).compose(variants -> deployable(body, backend, entry, variants));
  }

  private Future<JsonObject> deployable(JsonObject body, String backend, CatalogRepository.Stored entry,
                                        List<Variant> variants) {
    return support.reasons(CatalogViews.probes(variants)).map(reasons -> {
      Map<String, String> byProbe = reasons.get(backend);
      String wanted = text(body, "variant");
      Variant variant;
      if (wanted != null) {
        variant = variants.stream().filter(v -> v.id().equals(wanted)).findFirst().orElseThrow(() ->
            new BadRequestException("variant: '" + Validation.printable(wanted) + "' is not one of "
                + variants.stream().map(Variant::id).toList()));
        String why = !variant.problems().isEmpty() ? variant.problems().getFirst().message()
            : byProbe.get(variant.probe());
        if (why != null) {
          throw new UnprocessableException(entry.name() + " (" + variant.id() + ") cannot run on the " + backend
              + " backend: " + why);
        }
      } else {
        variant = CatalogViews.runnableOn(variants, byProbe);
        if (variant == null) {
          throw new UnprocessableException(entry.name() + " cannot run on the " + backend + " backend: "
              + CatalogViews.backends(entry, variants, Map.of(backend, byProbe)).getJsonObject(backend)
              .getString("reason"));
        }
      }
      Materializer.Deployment parts = Materializer.materialize(variant, body.getJsonObject("config"));
      String name = text(body, "name");
      return new JsonObject().put("name", name != null ? name : CatalogViews.suggestedName(entry.name()))
          .put("backend", backend).put("recipe", parts.recipe()).put("configSchema", parts.configSchema())
          .put("config", parts.config())
          .put("catalog", new JsonObject().put("id", entry.entryId().toString()).put("source", entry.source())
              .put("name", entry.name()).put("version", entry.version().isEmpty() ? null : entry.version())
              .put("variant", variant.id()));
    });
  }

  // ------------------------------------------------------------------ sync

  private Future<JsonObject> syncNow(Message<JsonObject> message) {
    String only = text(message.body(), "source");
    if (only != null && !sources.containsKey(only)) {
      throw new BadRequestException("source: one of " + String.join(", ", sources.keySet()));
    }
    for (Source source : sources.values()) {
      if ((only == null || only.equals(source.name)) && source.url != null && !source.running) {
        schedule(source, 0);
      }
    }
    return status();
  }

  private void settingsChanged(Message<JsonObject> message) {
    JsonArray names = message.body().getJsonArray("names", new JsonArray());
    for (Source source : sources.values()) {
      if (names.contains(source.setting) && source.url != null && !source.running) {
        schedule(source, 0);
      }
    }
  }

  private void schedule(Source source, long delayMillis) {
    if (stopped || source.url == null) {
      return;
    }
    vertx.cancelTimer(source.timer);
    long delay = Math.max(1, delayMillis);
    source.nextAt = Instant.now().plusMillis(delay).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    source.timer = vertx.setTimer(delay, t -> run(source));
  }

  private void run(Source source) {
    source.timer = -1;
    if (stopped || source.running) {
      return;
    }
    source.running = true;
    enabled(source)
        .compose(on -> on ? walk(source).map(true) : Future.succeededFuture(false))
        .onComplete(ar -> finished(source, ar));
  }

  /** Ends a run: a failure is recorded first, so whoever sees the run counted also sees its error. */
  private void finished(Source source, io.vertx.core.AsyncResult<Boolean> result) {
    if (stopped) {
      source.running = false;
      return;
    }
    if (result.succeeded()) {
      source.failures = 0;
      ended(source, Boolean.TRUE.equals(result.result()) ? source.interval.toMillis() : -1);
      return;
    }
    source.failures++;
    long backoff = Math.min(source.interval.toMillis(), FIRST_RETRY.toMillis() << Math.min(source.failures - 1, 10));
    String reason = result.cause() instanceof SourceClient.SourceException ? result.cause().getMessage()
        : Failures.problem(result.cause(), "catalog sync").detail();
    LOG.warn("catalog {}: sync failed, keeping the last good copy; retrying in {} s: {}", source.name,
        backoff / 1000, reason);
    repository.fail(source.name, reason)
        .onFailure(e -> LOG.warn("catalog {}: the failure could not be recorded: {}", source.name, e.getMessage()))
        .onComplete(ar -> ended(source, backoff));
  }

  /** The run is over; the next in {@code delayMillis} (none while the source is switched off: -1). */
  private void ended(Source source, long delayMillis) {
    source.running = false;
    source.runs++;
    if (delayMillis < 0) {
      source.nextAt = null;
    } else {
      schedule(source, delayMillis);
    }
  }

  private Future<Boolean> enabled(Source source) {
    if (source.url == null) {
      return Future.succeededFuture(false);
    }
    return settings.switches().map(values -> values.getOrDefault(source.setting, source.enabledByDefault));
  }

  private Future<List<String>> enabledSources() {
    return settings.switches().map(values -> sources.values().stream()
        .filter(s -> s.url != null && values.getOrDefault(s.setting, s.enabledByDefault)).map(s -> s.name).toList());
  }

  private Future<Void> walk(Source source) {
    OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
    return repository.beginWalk(source.name, now).compose(state -> {
      LOG.info("catalog {}: {}", source.name, state.cursor() != null ? "resuming the walk at its saved cursor"
          : delta(state) && source.name.equals(REGISTRY) ? "syncing the changes since " + state.watermark().toInstant()
          : "reading the whole catalog");
      return page(source, state, state.cursor(), 0);
    });
  }

  private Future<Void> page(Source source, CatalogRepository.SyncState state, String cursor, int pages) {
    if (stopped) {
      return Future.succeededFuture();
    }
    Future<SourceClient.Page> fetched = source.name.equals(REGISTRY)
        ? client.registryPage(source.url, cursor, delta(state) ? state.watermark().toInstant().toString() : null)
        : client.glamaPage(source.url, cursor);
    return fetched.compose(page -> store(source, state, cursor, page, pages));
  }

  private Future<Void> store(Source source, CatalogRepository.SyncState state, String cursor, SourceClient.Page page,
                             int pages) {
    if (page.nextCursor() != null && page.nextCursor().equals(cursor)) {
      return Future.failedFuture(new SourceClient.SourceException(source.name + " answered the same cursor again"));
    }
    return vertx.executeBlocking(() -> mapPage(source.name, page.rows(), pages), false)
        .compose(mapped -> repository.storePage(source.name, mapped.rows(), state, page.nextCursor(), mapped.skipped()))
        .compose(v -> page.nextCursor() == null ? finishWalk(source, state, pages + 1)
            : continueIfEnabled(source, state, page.nextCursor(), pages + 1));
  }

  private Future<Void> continueIfEnabled(Source source, CatalogRepository.SyncState state, String cursor, int pages) {
    return enabled(source).compose(on -> on ? page(source, state, cursor, pages) : Future.succeededFuture());
  }

  private Future<Void> finishWalk(Source source, CatalogRepository.SyncState state, int pages) {
    if (source.name.equals(GLAMA)) {
      return repository.finishWalk(GLAMA, "backfill", null, state.generation())
          .onSuccess(v -> LOG.info("catalog glama: crawl complete ({} pages)", pages));
    }
    OffsetDateTime started = state.walkStartedAt() != null ? state.walkStartedAt() : OffsetDateTime.now(ZoneOffset.UTC);
    return repository.finishWalk(REGISTRY, "delta", started.minus(options.deltaMargin()), null)
        .onSuccess(v -> LOG.info("catalog registry: sync complete ({} pages)", pages));
  }

  private static boolean delta(CatalogRepository.SyncState state) {
    return "delta".equals(state.phase()) && state.watermark() != null;
  }

  /** The rows of a page, mapped; malformed ones skipped and logged. */
  private record MappedPage(List<CatalogRepository.PageRow> rows, int skipped) {
  }

  private static MappedPage mapPage(String source, JsonArray rows, int page) {
    List<CatalogRepository.PageRow> mapped = new ArrayList<>();
    int skipped = 0;
    for (int i = 0; i < rows.size(); i++) {
      Object row = rows.getValue(i);
      try {
        MappedEntry entry = source.equals(REGISTRY) ? ServerJsonMapper.map(row) : GlamaMapper.map(row);
        mapped.add(new CatalogRepository.PageRow(entry, (JsonObject) row));
      } catch (MalformedEntryException e) {
        skipped++;
        LOG.warn("catalog {}: skipped a malformed entry (page {}, row {}): {}", source, page + 1, i + 1, e.getMessage());
      } catch (RuntimeException e) {
        skipped++;
        LOG.error("catalog {}: skipped an entry the mapper failed on (page {}, row {})", source, page + 1, i + 1, e);
      }
    }
    return new MappedPage(mapped, skipped);
  }

  private Future<Void> remapStale() {
    return repository.stale(200).compose(rows -> {
      if (rows.isEmpty()) {
        return Future.succeededFuture();
      }
      Future<Void> chain = Future.succeededFuture();
      for (JsonObject row : rows) {
        chain = chain.compose(v -> remap(row));
      }
      return chain.compose(v -> remapStale());
    }).onFailure(e -> LOG.warn("catalog: mapping stored entries again failed: {}", e.getMessage()));
  }

  private Future<Void> remap(JsonObject row) {
    String source = row.getString("source");
    MappedEntry mapped;
    try {
      mapped = source.equals(REGISTRY) ? ServerJsonMapper.map(row.getValue("raw")) : GlamaMapper.map(row.getValue("raw"));
    } catch (RuntimeException e) {
      mapped = new MappedEntry(source, row.getString("name"), row.getString("version"), null, "", "active", null,
          false, null, null, null, null, null, List.of(), List.of(), List.of("no longer readable: " + e.getMessage()),
          new JsonObject());
    }
    return repository.remap(source, row.getString("name"), row.getString("version"), mapped);
  }

  // ------------------------------------------------------------------ status

  private Future<JsonObject> status() {
    List<Future<CatalogRepository.SyncState>> states = sources.keySet().stream().map(repository::syncState).toList();
    return Future.all(Future.all(states), repository.counts(), settings.switches()).map(all -> {
      Map<String, Long> counts = all.resultAt(1);
      Map<String, Boolean> switches = all.resultAt(2);
      JsonArray out = new JsonArray();
      int i = 0;
      for (Source source : sources.values()) {
        out.add(describe(source, states.get(i++).result(), counts.getOrDefault(source.name, 0L),
            switches.getOrDefault(source.setting, source.enabledByDefault)));
      }
      return new JsonObject().put("sources", out);
    });
  }

  private static JsonObject describe(Source source, CatalogRepository.SyncState state, long entries, boolean on) {
    String current = source.url == null ? "unconfigured" : !on ? "disabled" : source.running ? "syncing"
        : state.lastErrorAt() != null ? "failed" : state.lastSuccessAt() != null ? "idle" : "pending";
    return new JsonObject().put("source", source.name).put("configured", source.url != null)
        .put("enabled", source.url != null && on).put("url", source.url).put("state", current)
        .put("phase", state.phase()).put("entries", entries)
        .put("lastAttemptAt", Deployment.timestamp(state.lastAttemptAt()))
        .put("lastSuccessAt", Deployment.timestamp(state.lastSuccessAt()))
        .put("lastError", state.lastError()).put("lastErrorAt", Deployment.timestamp(state.lastErrorAt()))
        .put("skipped", state.skipped()).put("runs", source.runs)
        .put("nextSyncAt", source.nextAt == null || source.running || !on ? null : source.nextAt.toString());
  }

  // ------------------------------------------------------------------ request checks

  private static void rejectUnknown(JsonObject body, Set<String> allowed) {
    for (String field : body.fieldNames()) {
      if (!allowed.contains(field)) {
        throw new BadRequestException(Validation.printable(field) + ": unknown field (allowed: "
            + String.join(", ", new java.util.TreeSet<>(allowed)) + ")");
      }
    }
  }

  private static String text(JsonObject body, String field) {
    Object value = body.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String text)) {
      throw new BadRequestException(field + ": must be a string");
    }
    return text.isEmpty() ? null : text;
  }

  private static UUID entryId(Object value) {
    return dev.catwalk.Ids.parse(value).orElseThrow(
        () -> new NotFoundException("no catalog entry " + Validation.printable(String.valueOf(value))));
  }
}
