package dev.catwalk.catalog;

import dev.catwalk.deploy.Deployment;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The catalog's answers as JSON: a search result item, an entry's detail with its variants, and whether
 * (and with which variant) each configured backend can run an entry, or why not.
 */
final class CatalogViews {

  private CatalogViews() {
  }

  /** Every probe the variants need. */
  static Set<String> probes(Collection<Variant> variants) {
    Set<String> probes = new LinkedHashSet<>();
    variants.stream().filter(Variant::mapped).forEach(v -> probes.add(v.probe()));
    return probes;
  }

  /** The first variant {@code backend} can run, or null. */
  static Variant runnableOn(List<Variant> variants, Map<String, String> reasons) {
    for (Variant variant : variants) {
      if (variant.mapped() && reasons != null && reasons.containsKey(variant.probe())
          && reasons.get(variant.probe()) == null) {
        return variant;
      }
    }
    return null;
  }

  /**
   * Per backend: {@code {runnable: true, variant}} or {@code {runnable: false, reason}}, or
   * {@code {runnable: null, reason}} while the repository analysis has not completed the entry.
   */
  static JsonObject backends(CatalogRepository.Stored entry, List<Variant> variants,
                             Map<String, Map<String, String>> reasons) {
    JsonObject out = new JsonObject();
    reasons.forEach((backend, byProbe) -> out.put(backend, backend(entry, variants, byProbe)));
    return out;
  }

  private static JsonObject backend(CatalogRepository.Stored entry, List<Variant> variants,
                                    Map<String, String> byProbe) {
    if ("deprecated".equals(entry.status())) {
      return new JsonObject().put("runnable", false).put("reason", "the entry is deprecated"
          + (entry.statusMessage() == null ? "" : ": " + entry.statusMessage()));
    }
    Variant runnable = runnableOn(variants, byProbe);
    if (runnable != null) {
      return new JsonObject().put("runnable", true).put("variant", runnable.id());
    }
    if (variants.isEmpty()) {
      return new JsonObject().put("runnable", false)
          .put("reason", "the entry publishes no package, no remote and no repository");
    }
    if (variants.stream().anyMatch(Variant::needsAnalysis)) {
      return new JsonObject().putNull("runnable")
          .put("reason", "its repository has not been analyzed yet; open the entry to analyze it");
    }
    List<String> reasons = new ArrayList<>();
    for (Variant variant : variants) {
      String why = variant.problems().isEmpty() ? byProbe.get(variant.probe())
          : variant.problems().getFirst().message();
      reasons.add(label(variant) + ": " + why);
    }
    return new JsonObject().put("runnable", false).put("reason", String.join("; ", reasons));
  }

  private static String label(Variant variant) {
    return switch (variant.kind()) {
      case "remote" -> variant.type() + " remote";
      case "repository" -> "repository";
      default -> variant.type() + " package";
    };
  }

  /** A search result. */
  static JsonObject item(CatalogRepository.Stored entry, List<Variant> variants, JsonObject backends) {
    JsonObject extra = entry.mapping().getJsonObject("extra", new JsonObject());
    JsonObject item = new JsonObject().put("id", entry.entryId().toString()).put("source", entry.source())
        .put("name", entry.name()).put("title", entry.title()).put("description", entry.description())
        .put("version", entry.version().isEmpty() ? null : entry.version()).put("status", entry.status());
    if (entry.statusMessage() != null) {
      item.put("statusMessage", entry.statusMessage());
    }
    item.put("repositoryUrl", entry.repositoryUrl())
        .put("updatedAt", Deployment.timestamp(entry.updatedAt() != null ? entry.updatedAt() : entry.syncedAt()))
        .put("kinds", new JsonArray(entry.kinds()))
        .put("packages", extra.getJsonArray("packages", new JsonArray()))
        .put("remotes", extra.getJsonArray("remotes", new JsonArray()))
        .put("backends", backends);
    if (variants.stream().anyMatch(v -> v.kind().equals("repository"))) {
      item.put("analyzed", entry.analysis() != null);
    }
    return item;
  }

  /** An entry's detail: the item, its default variant's recipe and form, all variants, its versions. */
  static JsonObject detail(CatalogRepository.Stored entry, List<Variant> variants,
                           Map<String, Map<String, String>> reasons, List<CatalogRepository.Stored> versions) {
    JsonObject backends = backends(entry, variants, reasons);
    JsonObject detail = item(entry, variants, backends);
    JsonObject mapping = entry.mapping();
    JsonObject extra = mapping.getJsonObject("extra", new JsonObject());
    detail.put("websiteUrl", mapping.getString("websiteUrl"))
        .put("repository", entry.repositoryUrl() == null ? null : new JsonObject().put("url", entry.repositoryUrl())
            .put("subfolder", mapping.getString("repositorySubfolder")))
        .put("publishedAt", Deployment.timestamp(entry.publishedAt()))
        .put("syncedAt", Deployment.timestamp(entry.syncedAt()));
    for (String fact : List.of("icon", "license", "attributes")) {
      if (extra.containsKey(fact)) {
        detail.put(fact, extra.getValue(fact));
      }
    }
    Variant chosen = defaultVariant(variants, reasons);
    detail.put("variant", chosen == null ? null : chosen.id())
        .put("recipe", chosen == null ? null : chosen.displayRecipe())
        .put("configSchema", chosen == null ? null : chosen.configSchema())
        .put("inputs", chosen == null ? new JsonArray() : inputs(chosen))
        .put("sources", chosen == null ? new JsonObject() : chosen.sources());
    JsonArray all = new JsonArray();
    for (Variant variant : variants) {
      JsonObject perBackend = new JsonObject();
      reasons.forEach((backend, byProbe) -> perBackend.put(backend, variantOn(entry, variant, byProbe)));
      all.add(new JsonObject().put("id", variant.id()).put("kind", variant.kind()).put("type", variant.type())
          .put("recipe", variant.displayRecipe()).put("configSchema", variant.configSchema())
          .put("inputs", inputs(variant)).put("sources", variant.sources())
          .put("problems", new JsonArray(variant.problems().stream().map(Variant.Problem::toJson).toList()))
          .put("warnings", new JsonArray(variant.warnings())).put("backends", perBackend));
    }
    detail.put("variants", all);
    List<String> warnings = new ArrayList<>(mapping.getJsonArray("warnings", new JsonArray()).stream()
        .map(String::valueOf).toList());
    detail.put("warnings", new JsonArray(warnings));
    JsonArray listed = new JsonArray();
    versions.stream().filter(v -> !v.version().isEmpty()).forEach(v -> listed.add(new JsonObject()
        .put("version", v.version()).put("status", v.status()).put("latest", v.latest())
        .put("publishedAt", Deployment.timestamp(v.publishedAt()))));
    detail.put("versions", listed);
    return detail;
  }

  /** Where each field of the form goes: {@code [{field, use, required}]} (use: see {@link Variant.Input}). */
  private static JsonArray inputs(Variant variant) {
    JsonArray inputs = new JsonArray();
    variant.inputs().forEach(input -> inputs.add(new JsonObject().put("field", input.field()).put("use", input.use())
        .put("required", input.required())));
    return inputs;
  }

  private static JsonObject variantOn(CatalogRepository.Stored entry, Variant variant, Map<String, String> byProbe) {
    if (!variant.problems().isEmpty()) {
      return new JsonObject().put("runnable", false).put("reason", variant.problems().getFirst().message());
    }
    if (variant.needsAnalysis()) {
      return new JsonObject().putNull("runnable").put("reason", "its repository has not been analyzed yet");
    }
    if ("deprecated".equals(entry.status())) {
      return new JsonObject().put("runnable", false).put("reason", "the entry is deprecated");
    }
    String reason = byProbe.get(variant.probe());
    return reason == null ? new JsonObject().put("runnable", true)
        : new JsonObject().put("runnable", false).put("reason", reason);
  }

  /** The variant shown first: the first one the first backend can run, else the first that maps, else the first. */
  static Variant defaultVariant(List<Variant> variants, Map<String, Map<String, String>> reasons) {
    for (Map<String, String> byProbe : reasons.values()) {
      Variant runnable = runnableOn(variants, byProbe);
      if (runnable != null) {
        return runnable;
      }
    }
    return variants.stream().filter(Variant::mapped).findFirst().orElse(variants.isEmpty() ? null : variants.getFirst());
  }

  /** A deployment name from a server's name: its last part, in lower-case letters, digits and hyphens. */
  static String suggestedName(String serverName) {
    String last = serverName.substring(serverName.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT)
        .replaceAll("[^a-z0-9-]+", "-").replaceAll("-{2,}", "-").replaceAll("^-+|-+$", "");
    if (last.length() > 63) {
      last = last.substring(0, 63).replaceAll("-+$", "");
    }
    return last.isEmpty() ? "mcp-server" : last;
  }
}
