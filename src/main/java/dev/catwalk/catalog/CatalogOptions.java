package dev.catwalk.catalog;

import java.time.Duration;

/**
 * The catalog's sources. A source whose URL is not configured is off; the switches are defaults that
 * the {@code catalogRegistryEnabled} and {@code catalogGlamaEnabled} settings override.
 *
 * @param registryUrl      base URL of the MCP Registry API (without {@code /v0.1}), without a trailing slash, or null
 * @param registryEnabled  whether the registry is mirrored unless a setting says otherwise
 * @param glamaUrl         base URL of Glama's MCP API (without {@code /v1/servers}), or null
 * @param glamaEnabled     whether Glama is mirrored unless a setting says otherwise
 * @param registryInterval time between registry syncs
 * @param glamaInterval    time between Glama crawls
 */
public record CatalogOptions(String registryUrl, boolean registryEnabled, String glamaUrl, boolean glamaEnabled,
                             Duration registryInterval, Duration glamaInterval) {
}
