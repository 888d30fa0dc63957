package dev.catwalk.catalog;

import dev.catwalk.analysis.LenientJson;
import dev.catwalk.analysis.ExtractionHeuristics;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Maps one server of Glama's directory ({@code GET /v1/servers}: {@code id, name, namespace, slug,
 * description, url, repository, spdxLicense, tools, attributes, environmentVariablesJsonSchema}). Glama
 * names no package, version, command or transport, so the one {@link Variant} is the repository, completed by
 * the repository analysis; its environment schema is kept as a lower-trust source of the form (secrets
 * guessed from the names, {@code oneOf} alternatives reported, not required).
 */
public final class GlamaMapper {

  /** The source name of Glama entries. */
  public static final String SOURCE = "glama";

  private static final Pattern SEGMENT = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$");
  private static final int MAX_DESCRIPTION = 2000;

  private GlamaMapper() {
  }

  /**
   * Maps one server object.
   *
   * @throws MalformedEntryException naming what makes it unreadable
   */
  public static MappedEntry map(Object row) {
    if (!(row instanceof JsonObject server)) {
      throw new MalformedEntryException("the server is not a JSON object");
    }
    String id = LenientJson.string(server, "id");
    String namespace = LenientJson.string(server, "namespace");
    String slug = LenientJson.string(server, "slug");
    if (id == null || id.isBlank()) {
      throw new MalformedEntryException("a server without an id");
    }
    if (namespace == null || slug == null || !SEGMENT.matcher(namespace).matches() || !SEGMENT.matcher(slug).matches()) {
      throw new MalformedEntryException("server " + ServerJsonMapper.printable(id) + ": no usable namespace and slug");
    }
    if (server.getValue("description") != null && !(server.getValue("description") instanceof String)) {
      throw new MalformedEntryException("server " + namespace + "/" + slug + ": 'description' is not a string");
    }
    String name = namespace + "/" + slug;
    List<String> warnings = new ArrayList<>();
    String repositoryUrl = ServerJsonMapper.blankToNull(LenientJson.string(LenientJson.object(server, "repository"), "url"));
    List<Variant> variants = new ArrayList<>();
    if (repositoryUrl != null) {
      variants.add(repositoryVariant(name, server));
    } else {
      warnings.add("Glama lists no repository for this server, so Catwalk cannot tell how to run it");
    }
    List<String> tools = new ArrayList<>();
    for (Object tool : LenientJson.array(server, "tools")) {
      if (tool instanceof JsonObject object && LenientJson.string(object, "name") != null) {
        tools.add(object.getString("name"));
      }
    }
    String description = LenientJson.string(server, "description");
    description = description == null ? "" : description.strip();
    if (description.length() > MAX_DESCRIPTION) {
      description = description.substring(0, MAX_DESCRIPTION);
    }
    JsonObject extra = new JsonObject().put("glamaId", id)
        .put("attributes", new JsonArray(LenientJson.array(server, "attributes").stream().map(String::valueOf).toList()));
    JsonObject license = LenientJson.object(server, "spdxLicense");
    if (LenientJson.string(license, "name") != null) {
      extra.put("license", license.getString("name"));
    }
    return new MappedEntry(SOURCE, name, "", ServerJsonMapper.blankToNull(LenientJson.string(server, "name")), description,
        "active", null, true, null, null, repositoryUrl, null, ServerJsonMapper.blankToNull(LenientJson.string(server, "url")),
        tools, variants, warnings, extra);
  }

  private static Variant repositoryVariant(String name, JsonObject server) {
    VariantBuilder b = new VariantBuilder(SOURCE, name, null, "repository", "repository", "repository");
    b.needsAnalysis = true;
    JsonObject schema = LenientJson.object(server, "environmentVariablesJsonSchema");
    JsonObject properties = LenientJson.object(schema, "properties");
    List<String> required = LenientJson.array(schema, "required").stream().map(String::valueOf).toList();
    for (String variable : properties.fieldNames()) {
      if (!(properties.getValue(variable) instanceof JsonObject definition)) {
        continue;
      }
      if (!ExtractionHeuristics.isEnvName(variable) || !b.reserve(variable)) {
        b.warnings.add("Glama's variable '" + ServerJsonMapper.printable(variable) + "' is not a usable name; left out");
        continue;
      }
      JsonObject property = new JsonObject().put("title", ExtractionHeuristics.title(variable));
      String description = LenientJson.string(definition, "description");
      property.put("description", description != null && !description.isBlank() ? description.strip()
          : "Passed to the server as the environment variable " + variable + ".");
      String type = LenientJson.string(definition, "type");
      property.put("type", List.of("string", "number", "integer", "boolean").contains(type) ? type : "string");
      if (definition.getValue("default") != null) {
        property.put("default", VariantBuilder.typed(definition.getValue("default"), property.getString("type")));
      }
      if (ExtractionHeuristics.looksSecret(variable)) {
        property.put("writeOnly", true);
      }
      b.input(variable, "env", property, required.contains(variable),
          b.origin("/environmentVariablesJsonSchema/properties/" + variable));
    }
    JsonArray alternatives = LenientJson.array(schema, "oneOf");
    if (!alternatives.isEmpty()) {
      List<String> sets = new ArrayList<>();
      for (Object alternative : alternatives) {
        if (alternative instanceof JsonObject option) {
          sets.add(String.join(" + ", LenientJson.array(option, "required").stream().map(String::valueOf).toList()));
        }
      }
      b.warnings.add("Glama says one of these sets of variables is needed: " + String.join(", or ", sets));
    }
    return b.build();
  }
}
