package dev.catwalk.catalog;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A catalog entry as one source describes it, read and mapped: the columns Catwalk stores and searches,
 * the ways to run it ({@link Variant}s) and the warnings of the mapping.
 *
 * @param source          {@code registry} or {@code glama}
 * @param name            the server's name in its source
 * @param version         its version ({@code ""} for Glama)
 * @param title           display title, or null
 * @param description     what it does ({@code ""} when not given)
 * @param status          {@code active}, {@code deprecated} or {@code deleted}
 * @param statusMessage   why it is deprecated or deleted, or null
 * @param officialLatest  whether the source marks this version the latest
 * @param publishedAt     when the version was published, or null
 * @param updatedAt       when the source last changed it, or null
 * @param repositoryUrl   its source repository, or null
 * @param repositorySubfolder the folder of a monorepo, or null
 * @param websiteUrl      its home page (Glama: the listing page), or null
 * @param tools           tool names the source lists
 * @param variants        ways to run it
 * @param warnings        what the mapping left out
 * @param extra           source-specific facts shown with the entry (Glama attributes, licence), never empty-checked
 */
public record MappedEntry(String source, String name, String version, String title, String description, String status,
                          String statusMessage, boolean officialLatest, OffsetDateTime publishedAt,
                          OffsetDateTime updatedAt, String repositoryUrl, String repositorySubfolder, String websiteUrl,
                          List<String> tools, List<Variant> variants, List<String> warnings, JsonObject extra) {

  /** Bumped whenever the mapping changes: stored entries of an older mapper are mapped again from their raw form. */
  public static final int MAPPER_VERSION = 1;

  public MappedEntry {
    tools = List.copyOf(tools);
    variants = List.copyOf(variants);
    warnings = List.copyOf(warnings);
  }

  /** The catalog id of the entry (the same for all its versions). */
  public java.util.UUID entryId() {
    return CatalogIds.entryId(source, name);
  }

  /** What it publishes: package types, {@code remote}, {@code repository}. */
  public List<String> kinds() {
    Set<String> kinds = new LinkedHashSet<>();
    for (Variant variant : variants) {
      kinds.add(switch (variant.kind()) {
        case "remote" -> "remote";
        case "repository" -> "repository";
        default -> variant.type();
      });
    }
    return new ArrayList<>(kinds);
  }

  /** The probes of the variants that map to a recipe (the search's backend filter). */
  public List<String> runtimes() {
    Set<String> probes = new LinkedHashSet<>();
    variants.stream().filter(Variant::mapped).forEach(v -> probes.add(v.probe()));
    return new ArrayList<>(probes);
  }

  /** The {@code mapping} column. */
  public JsonObject mappingJson() {
    return new JsonObject().put("variants", new JsonArray(variants.stream().map(Variant::toJson).toList()))
        .put("warnings", new JsonArray(warnings)).put("extra", extra == null ? new JsonObject() : extra)
        .put("repositorySubfolder", repositorySubfolder).put("websiteUrl", websiteUrl);
  }

  /** The variants of a stored {@code mapping} column. */
  public static List<Variant> variantsOf(JsonObject mapping) {
    List<Variant> variants = new ArrayList<>();
    mapping.getJsonArray("variants", new JsonArray()).forEach(v -> variants.add(Variant.fromJson((JsonObject) v)));
    return variants;
  }
}
