package dev.catwalk.console;

import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * Ready-to-paste client configuration for a deployment's MCP URL: with an access token when one was just
 * created, else with a placeholder the person replaces (clients that do OAuth need no token at all).
 */
public final class Snippets {

  /** What stands for the token when none is shown. */
  public static final String PLACEHOLDER = "YOUR_ACCESS_TOKEN";

  private Snippets() {
  }

  /**
   * One snippet.
   *
   * @param id    element id
   * @param title the client
   * @param where where to paste it
   * @param text  the text
   */
  public record Snippet(String id, String title, String where, String text) {
  }

  /** The snippets for {@code name} at {@code url}; {@code token} may be null. */
  public static List<Snippet> of(String name, String url, String token) {
    String bearer = "Bearer " + (token == null ? PLACEHOLDER : token);
    JsonObject headers = new JsonObject().put("Authorization", bearer);
    String cursor = new JsonObject().put("mcpServers", new JsonObject().put(name, new JsonObject().put("url", url)
        .put("headers", headers))).encodePrettily();
    String vscode = new JsonObject().put("servers", new JsonObject().put(name, new JsonObject().put("type", "http")
        .put("url", url).put("headers", headers))).encodePrettily();
    String desktop = new JsonObject().put("mcpServers", new JsonObject().put(name, new JsonObject()
        .put("command", "npx").put("args", new io.vertx.core.json.JsonArray(List.of("-y", "mcp-remote", url,
            "--header", "Authorization:" + bearer))))).encodePrettily();
    return List.of(
        new Snippet("snippet-claude-code", "Claude Code", "in a terminal",
            "claude mcp add --transport http " + name + " " + url + " --header \"Authorization: " + bearer + "\""),
        new Snippet("snippet-connector", "claude.ai and Claude Desktop connectors",
            "Settings → Connectors → Add custom connector; paste the URL (you sign in here to allow it, no token)", url),
        new Snippet("snippet-claude-desktop", "Claude Desktop (config file)",
            "claude_desktop_config.json (through mcp-remote, with the token)", desktop),
        new Snippet("snippet-cursor", "Cursor", "~/.cursor/mcp.json or .cursor/mcp.json", cursor),
        new Snippet("snippet-vscode", "VS Code", ".vscode/mcp.json", vscode));
  }
}
