package dev.catwalk.catalog;

import dev.catwalk.config.CatwalkConfig;
import dev.catwalk.deploy.Backend;
import dev.catwalk.deploy.LocalBackend;
import dev.catwalk.deploy.fly.FlyBackend;
import dev.catwalk.deploy.fly.FlyMachinesClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A program, not a test: maps real registry entries and prints how many map to a recipe that each
 * backend can run, and why the others cannot. Input: a file in the registry API's shape
 * ({@code {"servers": [{"server": …, "_meta": …}]}}), a JSON array of such rows or of bare
 * {@code server.json} objects, or a directory of {@code server.json} files. Only rows the registry marks
 * latest are counted when the file carries {@code _meta} (all rows otherwise).
 *
 * <p>Backends as a well-equipped gateway has them: {@code local} with npx, uvx and a Docker engine (stand-ins
 * that answer like them, in a temporary PATH), remotes on public addresses allowed; {@code fly} configured.
 * Both are asked through {@link Backend#check}, as the catalog asks them.
 *
 * <pre>java -cp … dev.catwalk.catalog.CatalogMappingReport registry.json [--list] [--show SERVER_NAME]</pre>
 */
public final class CatalogMappingReport {

  private CatalogMappingReport() {
  }

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      System.err.println("usage: CatalogMappingReport FILE|DIRECTORY [--list]");
      System.exit(2);
    }
    boolean list = List.of(args).contains("--list");
    List<Object> rows = rows(Path.of(args[0]));
    int show = List.of(args).indexOf("--show");
    if (show > 0 && show + 1 < args.length) {
      for (Object row : rows) {
        MappedEntry entry = ServerJsonMapper.map(row);
        if (entry.name().equals(args[show + 1])) {
          entry.variants().forEach(v -> System.out.println(new JsonObject().put("id", v.id())
              .put("recipe", v.displayRecipe()).put("configSchema", v.configSchema())
              .put("problems", new JsonArray(v.problems().stream().map(Variant.Problem::message).toList()))
              .put("warnings", new JsonArray(v.warnings())).encodePrettily()));
        }
      }
      return;
    }
    Vertx vertx = Vertx.vertx();
    try {
      report(vertx, rows, list);
    } finally {
      vertx.close().await();
    }
  }

  private static List<Object> rows(Path input) throws Exception {
    List<Object> rows = new ArrayList<>();
    if (Files.isDirectory(input)) {
      try (var files = Files.walk(input)) {
        for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList()) {
          rows.add(new JsonObject(Files.readString(file)));
        }
      }
      return rows;
    }
    Object parsed = io.vertx.core.json.Json.decodeValue(Files.readString(input));
    JsonArray array = parsed instanceof JsonObject object ? object.getJsonArray("servers") : (JsonArray) parsed;
    boolean withMeta = array.stream().anyMatch(r -> r instanceof JsonObject o && o.containsKey("_meta"));
    for (Object row : array) {
      if (!withMeta || row instanceof JsonObject o && Boolean.TRUE.equals(o.getJsonObject("_meta", new JsonObject())
          .getJsonObject(ServerJsonMapper.OFFICIAL, new JsonObject()).getValue("isLatest"))) {
        rows.add(row);
      }
    }
    return rows;
  }

  private static void report(Vertx vertx, List<Object> rows, boolean list) throws Exception {
    Map<String, Backend> backends = backends(vertx);
    RuntimeSupport support = new RuntimeSupport(backends, Duration.ofHours(1));
    Map<String, Integer> malformed = new TreeMap<>();
    Map<String, Integer> kinds = new TreeMap<>();
    Map<String, Integer> runnable = new LinkedHashMap<>();
    Map<String, Map<String, Integer>> primary = new LinkedHashMap<>();
    Map<String, Map<String, Integer>> anyReason = new LinkedHashMap<>();
    Map<String, Integer> mappedAnywhere = new TreeMap<>();
    int entries = 0;
    int repositoryOnly = 0;
    int withInputs = 0;
    int withArgumentInputs = 0;
    Set<String> probes = Set.of("npm", "pypi", "oci", "remote");
    Map<String, Map<String, String>> reasons = support.reasons(probes).await();
    for (Object row : rows) {
      MappedEntry entry;
      try {
        entry = ServerJsonMapper.map(row);
      } catch (MalformedEntryException e) {
        malformed.merge(e.getMessage().replaceAll("^[^:]*: ", "").replaceAll("'[^']*'", "'…'"), 1, Integer::sum);
        continue;
      }
      entries++;
      entry.kinds().forEach(k -> kinds.merge(k, 1, Integer::sum));
      if (entry.variants().stream().anyMatch(Variant::needsAnalysis)) {
        repositoryOnly++;
      }
      entry.variants().stream().filter(Variant::mapped).findFirst().ifPresent(v -> {
        mappedAnywhere.merge(v.runtime(), 1, Integer::sum);
      });
      if (entry.variants().stream().anyMatch(v -> v.mapped() && !v.inputs().isEmpty())) {
        withInputs++;
      }
      if (entry.variants().stream().anyMatch(v -> v.inputs().stream().anyMatch(i -> i.use().equals("argument")))) {
        withArgumentInputs++;
      }
      List<String> listed = new ArrayList<>();
      for (String backend : backends.keySet()) {
        Variant chosen = CatalogViews.runnableOn(entry.variants(), reasons.get(backend));
        if (chosen != null) {
          runnable.merge(backend, 1, Integer::sum);
          listed.add(backend + "=" + chosen.id());
          continue;
        }
        List<String> why = whyNot(entry, reasons.get(backend));
        listed.add(backend + "=no(" + String.join(", ", why) + ")");
        primary.computeIfAbsent(backend, b -> new TreeMap<>()).merge(why.getFirst(), 1, Integer::sum);
        for (String reason : new LinkedHashSet<>(why)) {
          anyReason.computeIfAbsent(backend, b -> new TreeMap<>()).merge(reason, 1, Integer::sum);
        }
      }
      if (list) {
        System.out.println(entry.name() + "@" + entry.version() + " " + entry.kinds() + " " + String.join(" ", listed));
      }
    }
    System.out.println("rows read: " + rows.size() + "; malformed (skipped): " + malformed.values().stream()
        .mapToInt(Integer::intValue).sum() + " " + malformed);
    System.out.println("entries mapped: " + entries + "; repository only (need the analysis): " + repositoryOnly);
    System.out.println("what they publish (entries per kind): " + kinds);
    System.out.println("entries with a variant that maps to a recipe, by the first such variant's runtime: "
        + mappedAnywhere + " (total " + mappedAnywhere.values().stream().mapToInt(Integer::intValue).sum() + ")");
    System.out.println("  of which declare inputs (a form): " + withInputs + "; with argument inputs: "
        + withArgumentInputs);
    for (String backend : backends.keySet()) {
      int yes = runnable.getOrDefault(backend, 0);
      System.out.printf("%s: runnable %d of %d (%.1f%%)%n", backend, yes, entries, 100.0 * yes / Math.max(1, entries));
      System.out.println("  not runnable, by first reason: " + primary.getOrDefault(backend, Map.of()));
      System.out.println("  not runnable, entries per reason (an entry may have several): "
          + anyReason.getOrDefault(backend, Map.of()));
    }
  }

  /** Why no variant runs on a backend, one short reason per variant: the problem code or the backend's refusal. */
  private static List<String> whyNot(MappedEntry entry, Map<String, String> byProbe) {
    List<String> why = new ArrayList<>();
    if (entry.variants().isEmpty()) {
      why.add("publishes nothing runnable (no package, remote or repository)");
    }
    for (Variant variant : entry.variants()) {
      String label = variant.kind().equals("package") ? variant.type() : variant.kind();
      if (variant.needsAnalysis()) {
        why.add("repository only: needs the analysis");
      } else if (!variant.problems().isEmpty()) {
        why.add(label + ": " + variant.problems().getFirst().code());
      } else {
        why.add(label + ": backend refuses (" + byProbe.get(variant.probe()) + ")");
      }
    }
    return why;
  }

  private static Map<String, Backend> backends(Vertx vertx) throws Exception {
    Path bin = Files.createTempDirectory("catalog-report-bin");
    for (String program : List.of("npx", "uvx", "docker")) {
      Path file = bin.resolve(program);
      Files.writeString(file, "#!/bin/sh\nexit 0\n");
      if (!file.toFile().setExecutable(true)) {
        throw new IllegalStateException("cannot make " + file + " executable");
      }
      file.toFile().deleteOnExit();
    }
    bin.toFile().deleteOnExit();
    Map<String, Backend> backends = new LinkedHashMap<>();
    backends.put(LocalBackend.NAME, new LocalBackend(vertx, bin.toString(), false, (url, headers) -> {
      throw new IllegalStateException("the report opens no session");
    }, dev.catwalk.sandbox.Sandbox.off())); // no server process runs here: nothing to sandbox
    CatwalkConfig.FlyOptions fly = new CatwalkConfig.FlyOptions("http://127.0.0.1:9", "unused", "org",
        null, "registry.fly.io/catwalk-runner:latest", "shared", 1, 512, "http://{machine_id}.vm.{app}.internal:8080/mcp",
        8080, "catwalk-", new CatwalkConfig.FlyTiming(Duration.ofMinutes(1), Duration.ofMinutes(1),
        Duration.ofSeconds(10), Duration.ofMillis(500), 1, Duration.ofMillis(1)));
    backends.put(FlyBackend.NAME, new FlyBackend(vertx, fly, new FlyMachinesClient(vertx, fly.apiUrl(),
        () -> Future.succeededFuture("unused"), 1, Duration.ofMillis(1)), (url, headers) -> {
          throw new IllegalStateException("the report opens no session");
        }));
    return backends;
  }
}
