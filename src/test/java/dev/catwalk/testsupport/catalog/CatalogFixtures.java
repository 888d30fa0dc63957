package dev.catwalk.testsupport.catalog;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The catalog entries the fake registry and the fake Glama serve (test resources under {@code /catalog}):
 * written for these tests, modelled on the shapes real entries have (every package type and transport,
 * remotes with headers and URL variables, arguments, environment variables, statuses, the 2025-07-09
 * snake_case schema), with names and descriptions of their own.
 */
public final class CatalogFixtures {

  private CatalogFixtures() {
  }

  /** The registry rows: {@code [{server, _meta}]}. */
  public static JsonArray registryRows() {
    return new JsonArray(read("/catalog/registry-entries.json"));
  }

  /** The Glama servers. */
  public static JsonArray glamaServers() {
    return new JsonArray(read("/catalog/glama-servers.json"));
  }

  /** The server.json of the registry row named {@code name} (its latest version in the fixtures). */
  public static JsonObject server(String name) {
    JsonObject found = null;
    for (Object row : registryRows()) {
      JsonObject server = ((JsonObject) row).getJsonObject("server");
      if (name.equals(server.getString("name"))) {
        found = server;
      }
    }
    if (found == null) {
      throw new IllegalArgumentException("no fixture " + name);
    }
    return found;
  }

  private static String read(String resource) {
    try (InputStream in = CatalogFixtures.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource " + resource);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
