package dev.catwalk.deploy;

import dev.catwalk.mcp.Upstream;

import java.net.URI;
import java.util.Map;

/** Makes the upstream of a server reached over Streamable HTTP (a remote server, or a runner on a Fly Machine). */
@FunctionalInterface
public interface RemoteUpstreams {

  /** An upstream for {@code url} sending {@code headers} (secret values) with every request. */
  Upstream open(URI url, Map<String, String> headers);
}
