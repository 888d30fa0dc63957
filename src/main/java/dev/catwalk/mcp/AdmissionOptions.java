package dev.catwalk.mcp;

/**
 * How an {@link McpEndpoint} admits new sessions besides the node's cap and each grant's {@link SessionCaps}
 * ({@code serve} only: {@code CATWALK_MCP_DEPLOYMENT_SHARE}, {@code CATWALK_MCP_INITIALIZE_BURST},
 * {@code CATWALK_MCP_INITIALIZE_PER_MINUTE}).
 *
 * @param ownerSharePercent   percent of the node's session cap one owner may hold, whatever its own caps
 * @param initializeBurst     initialize requests one credential may send at once; 0: no rate limit
 * @param initializePerMinute initialize requests one credential may send per minute once its burst is spent
 */
public record AdmissionOptions(int ownerSharePercent, int initializeBurst, int initializePerMinute) {

  /** No share and no rate limit (the runner: its one client is the gateway, which applies both). */
  public static final AdmissionOptions UNLIMITED = new AdmissionOptions(100, 0, 0);
}
