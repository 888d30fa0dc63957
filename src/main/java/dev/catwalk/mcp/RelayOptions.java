package dev.catwalk.mcp;

import java.time.Duration;
import java.util.List;

/**
 * Limits of the MCP relay, all configurable ({@code CATWALK_MCP_*}, defaults in {@code conf/config.yaml}).
 *
 * @param maxSessions      open sessions at most; more get 503 with Retry-After
 * @param maxBodyBytes     largest POST body; larger gets 413
 * @param requestTimeout   a request without a response by then is answered with a JSON-RPC error
 * @param idleTimeout      a session without traffic for this long is ended
 * @param keepAlive        interval of SSE comment lines on open streams
 * @param replayEvents     events kept per stream for {@code Last-Event-ID} resumption
 * @param pendingServerMessages server messages kept while no stream can carry them
 * @param allowedOrigins   browser origins allowed besides loopback ones ({@code *} allows any)
 * @param dnsRebindingProtection refuse requests whose Host or Origin is not loopback (for loopback binds)
 * @param handshakeTimeout a session whose client sends nothing more within this time after the answer to
 *                         {@code initialize} (a refused or vanished client) is ended with its server
 */
public record RelayOptions(int maxSessions, int maxBodyBytes, Duration requestTimeout, Duration idleTimeout,
                           Duration keepAlive, int replayEvents, int pendingServerMessages,
                           List<String> allowedOrigins, boolean dnsRebindingProtection, Duration handshakeTimeout) {

  /** Largest single JSON-RPC message read from an upstream (a stdio line or an HTTP body). */
  public static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

  /** The same options allowing these browser origins besides loopback ones ({@code *}: any). */
  public RelayOptions withAllowedOrigins(List<String> origins) {
    return new RelayOptions(maxSessions, maxBodyBytes, requestTimeout, idleTimeout, keepAlive, replayEvents,
        pendingServerMessages, List.copyOf(origins), dnsRebindingProtection, handshakeTimeout);
  }

  /** The same options with DNS-rebinding protection on or off. */
  public RelayOptions withDnsRebindingProtection(boolean on) {
    return new RelayOptions(maxSessions, maxBodyBytes, requestTimeout, idleTimeout, keepAlive, replayEvents,
        pendingServerMessages, allowedOrigins, on, handshakeTimeout);
  }
}
