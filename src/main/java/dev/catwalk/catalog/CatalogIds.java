package dev.catwalk.catalog;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Catalog ids: a name-based UUID of the source and the server's name, so an entry keeps its id across
 * syncs, versions and databases (a deployment's catalog reference and a bookmarked console page stay valid).
 */
public final class CatalogIds {

  private CatalogIds() {
  }

  /** The id of the entry named {@code name} in {@code source}. */
  public static UUID entryId(String source, String name) {
    return UUID.nameUUIDFromBytes((source + "\n" + name).getBytes(StandardCharsets.UTF_8));
  }
}
