package dev.catwalk.mcp;

import java.util.List;

/** Header names and protocol constants of MCP's Streamable HTTP transport. */
public final class McpHeaders {

  /** Session id, minted on the initialize response and sent by the client on every later request. */
  public static final String SESSION_ID = "MCP-Session-Id";
  /** Negotiated protocol version, sent by clients (2025-06-18 and later) after initialize. */
  public static final String PROTOCOL_VERSION = "MCP-Protocol-Version";
  /** SSE resumption: the last event id the client saw. */
  public static final String LAST_EVENT_ID = "Last-Event-ID";
  /** Stops proxies such as nginx from buffering event streams. */
  public static final String ACCEL_BUFFERING = "X-Accel-Buffering";
  /** JSON media type. */
  public static final String JSON = "application/json";
  /** Server-sent events media type. */
  public static final String EVENT_STREAM = "text/event-stream";
  /** Protocol versions this gateway speaks, oldest first. */
  public static final List<String> VERSIONS = List.of("2025-03-26", "2025-06-18", "2025-11-25");
  /**
   * Every published protocol revision, valid in the {@link #PROTOCOL_VERSION} header whatever the
   * session negotiated: a session relays the version its server answered (2024-11-05 included), so
   * the header names one of these or that negotiated version.
   */
  public static final List<String> HEADER_VERSIONS = List.of("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25");
  /** Version assumed when a client sends no header and none was negotiated. */
  public static final String DEFAULT_VERSION = "2025-03-26";
  /** The version that added priming events and {@code retry:}. */
  public static final String PRIMING_VERSION = "2025-11-25";

  private McpHeaders() {
  }
}
