package dev.catwalk.cli;

import dev.catwalk.admin.AdminClient;
import dev.catwalk.config.CatwalkConfig;
import dev.catwalk.config.ConfigKeys;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;

/**
 * {@code catwalk admin <command>}: the operator's commands for the running gateway, sent over its
 * admin channel (the TCP event-bus bridge on {@code 127.0.0.1:CATWALK_ADMIN_PORT}, see
 * {@link AdminClient}) with the admin token from the configuration ({@code CATWALK_ADMIN_TOKEN}, or
 * the development secrets of a loopback gateway on this machine). Exit codes: 0 done, 1 the gateway
 * could not be reached or refused or failed the command, 2 usage or configuration.
 */
@Command(name = "admin", mixinStandardHelpOptions = true,
    description = "Operator commands for the running gateway, over its local admin channel "
        + "(127.0.0.1:CATWALK_ADMIN_PORT, admin token required).",
    subcommands = {AdminCommand.ListDeployments.class, AdminCommand.Sessions.class, AdminCommand.EndSession.class, AdminCommand.Stop.class,
        AdminCommand.Restart.class, AdminCommand.Drain.class, AdminCommand.RotateKey.class,
        AccountCommands.AddUser.class, AccountCommands.RemoveUser.class, AccountCommands.Users.class,
        AccountCommands.Grants.class, AccountCommands.RevokeGrant.class})
public final class AdminCommand implements Callable<Integer> {

  @Spec
  private CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(System.err);
    return ExitCodes.USAGE;
  }

  /** What every admin subcommand shares: the channel's port, the token, the output format, the exit codes. */
  abstract static class Action extends Bootstrap {

    @Option(names = "--port", paramLabel = "PORT",
        description = "Port of the admin channel on 127.0.0.1 (default: " + ConfigKeys.ADMIN_PORT + ").")
    private Integer port;

    @Option(names = "--json", description = "Print the gateway's reply as JSON.")
    private boolean json;

    /** Sends the command. */
    protected abstract Future<JsonObject> send(AdminClient client);

    /** The reply for people. */
    protected abstract String describe(JsonObject reply);

    @Override
    protected final CatwalkConfig.Purpose purpose() {
      return CatwalkConfig.Purpose.ADMIN;
    }

    @Override
    protected final int run(Vertx vertx, CatwalkConfig config) {
      int channelPort = port != null ? port : config.serve().adminPort();
      if (port == null && channelPort == 0) {
        System.err.println("catwalk: the admin channel is off (" + ConfigKeys.ADMIN_PORT + "=0): set "
            + ConfigKeys.ADMIN_PORT + " as for serve, or pass --port");
        return ExitCodes.USAGE;
      }
      if (channelPort < 1 || channelPort > 65535) {
        System.err.println("catwalk: --port: " + channelPort + " is not a port (1 to 65535)");
        return ExitCodes.USAGE;
      }
      AdminClient client = new AdminClient(vertx, channelPort, config.adminToken());
      try {
        JsonObject reply = send(client).await();
        System.out.println(json ? reply.encodePrettily() : describe(reply));
        return 0;
      } catch (AdminClient.AdminException e) {
        System.err.println("catwalk: " + e.getMessage());
        return ExitCodes.FAILURE;
      } finally {
        client.close().await();
      }
    }
  }

  /** {@code catwalk admin list}. */
  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the deployments and their status.")
  public static final class ListDeployments extends Action {

    @Override
    protected Future<JsonObject> send(AdminClient client) {
      return client.allDeployments().map(all -> new JsonObject().put("items", new JsonArray(all)));
    }

    @Override
    protected String describe(JsonObject reply) {
      JsonArray items = reply.getJsonArray("items");
      if (items.isEmpty()) {
        return "no deployments";
      }
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"NAME", "ID", "STATUS", "BACKEND", "REASON"});
      for (Object item : items) {
        JsonObject deployment = (JsonObject) item;
        rows.add(new String[] {deployment.getString("name"), deployment.getString("id"), deployment.getString("status"),
            deployment.getString("backend"), deployment.getString("statusReason", "")});
      }
      return table(rows) + "\n" + items.size() + " deployment(s)";
    }
  }

  /** {@code catwalk admin sessions [--deployment NAME_OR_ID]}. */
  @Command(name = "sessions", mixinStandardHelpOptions = true,
      description = "List the open MCP sessions on the node.")
  public static final class Sessions extends Action {

    @Option(names = "--deployment", paramLabel = "NAME_OR_ID", description = "Only the sessions of this deployment.")
    private String deployment;

    @Override
    protected Future<JsonObject> send(AdminClient client) {
      return deployment == null ? client.sessions(null) : client.deploymentId(deployment).compose(client::sessions);
    }

    @Override
    protected String describe(JsonObject reply) {
      JsonArray sessions = reply.getJsonArray("sessions", new JsonArray());
      String draining = reply.getBoolean("draining", false) ? "\nthe node is draining: new sessions are refused" : "";
      if (sessions.isEmpty()) {
        return "no open sessions" + draining;
      }
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"SESSION", "DEPLOYMENT", "TOKEN", "CLIENT", "AGE", "IDLE"});
      for (Object item : sessions) {
        JsonObject session = (JsonObject) item;
        rows.add(new String[] {session.getString("sessionId"), session.getString("deploymentId"),
            session.getString("tokenId"), client(session.getJsonObject("client")),
            duration(session.getLong("ageSeconds", 0L)), duration(session.getLong("idleSeconds", 0L))});
      }
      return table(rows) + "\n" + sessions.size() + " session(s)" + draining;
    }

    private static String client(JsonObject info) {
      if (info == null) {
        return "-";
      }
      String version = info.getString("version");
      return info.getString("name", "?") + (version == null ? "" : " " + version);
    }
  }

  /** {@code catwalk admin end-session SESSION_ID}. */
  @Command(name = "end-session", mixinStandardHelpOptions = true, description = "End one MCP session.")
  public static final class EndSession extends Action {

    @Parameters(paramLabel = "SESSION_ID", description = "The session's id (see: catwalk admin sessions).")
    private String sessionId;

    @Override
    protected String describe(JsonObject reply) {
      return "ended session " + sessionId;
    }

    @Override
    protected Future<JsonObject> send(AdminClient client) {
      return client.endSession(sessionId);
    }
  }

  /** What {@code stop} and {@code restart} share: one deployment id in, the deployment out. */
  abstract static class DeploymentAction extends Action {

    @Parameters(paramLabel = "NAME_OR_ID", description = "The deployment's name or id (see: catwalk admin list).")
    private String deployment;

    private final BiFunction<AdminClient, String, Future<JsonObject>> command;

    DeploymentAction(BiFunction<AdminClient, String, Future<JsonObject>> command) {
      this.command = command;
    }

    @Override
    protected Future<JsonObject> send(AdminClient client) {
      return client.deploymentId(deployment).compose(id -> command.apply(client, id));
    }

    @Override
    protected String describe(JsonObject deployment) {
      String reason = deployment.getString("statusReason");
      return "deployment " + deployment.getString("name") + " (" + deployment.getString("id") + "): "
          + deployment.getString("status") + (reason == null ? "" : " (" + reason + ")");
    }
  }

  /** {@code catwalk admin stop DEPLOYMENT_ID}. */
  @Command(name = "stop", mixinStandardHelpOptions = true,
      description = "Stop a deployment: end its sessions and refuse new ones until it is restarted.")
  public static final class Stop extends DeploymentAction {
    public Stop() {
      super(AdminClient::stop);
    }
  }

  /** {@code catwalk admin restart DEPLOYMENT_ID}. */
  @Command(name = "restart", mixinStandardHelpOptions = true,
      description = "Restart a deployment: end its sessions and provision it again.")
  public static final class Restart extends DeploymentAction {
    public Restart() {
      super(AdminClient::restart);
    }
  }

  /** {@code catwalk admin drain [--end-sessions | --undo]}. */
  @Command(name = "drain", mixinStandardHelpOptions = true,
      description = "Refuse new MCP sessions on the node (open ones go on), e.g. before a deploy.")
  public static final class Drain extends Action {

    @ArgGroup(exclusive = true)
    private Mode mode;

    /** {@code --end-sessions} and {@code --undo} exclude each other. */
    static final class Mode {
      @Option(names = "--end-sessions", description = "Also end the open sessions.")
      private boolean endSessions;

      @Option(names = "--undo", description = "Accept new sessions again.")
      private boolean undo;
    }

    @Override
    protected Future<JsonObject> send(AdminClient client) {
      boolean undo = mode != null && mode.undo;
      return client.drain(!undo, mode != null && mode.endSessions);
    }

    @Override
    protected String describe(JsonObject reply) {
      int open = reply.getInteger("sessionsOpen", 0);
      if (!reply.getBoolean("draining", false)) {
        return "accepting new sessions again (" + open + " open)";
      }
      return "draining: new sessions are refused (" + reply.getInteger("sessionsEnded", 0) + " ended, " + open
          + " still open)";
    }
  }

  /** {@code catwalk admin rotate-key}. */
  @Command(name = "rotate-key", mixinStandardHelpOptions = true,
      description = "Re-encrypt every stored secret with the current CATWALK_ENCRYPTION_KEY, in one transaction.")
  public static final class RotateKey extends Action {

    @Override
    protected Future<JsonObject> send(AdminClient client) {
      return client.rotateKey();
    }

    @Override
    protected String describe(JsonObject reply) {
      return "re-encrypted " + reply.getInteger("secrets", 0) + " secret(s) and " + reply.getInteger("settings", 0)
          + " setting(s) with key " + reply.getString("keyId");
    }
  }

  /** Columns padded to their widest cell, two spaces apart. */
  static String table(List<String[]> rows) {
    int[] widths = new int[rows.get(0).length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], String.valueOf(row[i]).length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        line.append(String.format("%-" + widths[i] + "s", String.valueOf(row[i]))).append(i < row.length - 1 ? "  " : "");
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
    return out.toString().stripTrailing();
  }

  /** Seconds as {@code 42s}, {@code 3m05s} or {@code 2h07m}. */
  static String duration(long seconds) {
    if (seconds < 60) {
      return seconds + "s";
    }
    if (seconds < 3600) {
      return String.format("%dm%02ds", seconds / 60, seconds % 60);
    }
    return String.format("%dh%02dm", seconds / 3600, seconds % 3600 / 60);
  }
}
