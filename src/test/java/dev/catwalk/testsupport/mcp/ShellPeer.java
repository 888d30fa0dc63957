package dev.catwalk.testsupport.mcp;

import java.util.List;

/**
 * The smallest stdio MCP peer: a POSIX sh loop (about 1 MB per process, no JVM) that answers each request with an
 * empty result. For tests that need many sessions, each with a server process of its own.
 */
public final class ShellPeer {

  /** The script, for {@code sh -c}. */
  public static final String SCRIPT = """
      while IFS= read -r line; do
        case "$line" in
          *'"id":'*'"method":'*)
            id=${line#*\\"id\\":}
            id=${id%%[,\\}]*}
            printf '{"jsonrpc":"2.0","id":%s,"result":{}}\\n' "$id" ;;
        esac
      done
      """;

  private ShellPeer() {
  }

  /** The command line that runs it. */
  public static List<String> command() {
    return List.of("sh", "-c", SCRIPT);
  }
}
