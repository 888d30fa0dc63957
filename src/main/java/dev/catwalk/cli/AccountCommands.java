package dev.catwalk.cli;

import dev.catwalk.Addresses;
import dev.catwalk.admin.AdminClient;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code catwalk admin add-user | remove-user | users | grants | revoke-grant}: operator accounts (who may
 * sign in and let MCP clients connect by OAuth) and the grants they gave, on the running gateway.
 */
final class AccountCommands {

  private AccountCommands() {
  }

  /** {@code catwalk admin add-user NAME --role admin|member}; the password is read from standard input. */
  @Command(name = "add-user", mixinStandardHelpOptions = true,
      description = "Add an operator account; reads its password (at least 12 characters) from standard input.")
  public static final class AddUser extends AdminCommand.Action {

    @Parameters(paramLabel = "NAME", description = "User name: lower-case letters, digits and . _ @ -.")
    private String username;

    @Option(names = "--role", paramLabel = "ROLE", defaultValue = "member",
        description = "admin (everything) or member (signs in and lets clients connect); default member.")
    private String role;

    @Override
    protected Future<JsonObject> send(AdminClient client) {
      String password = readPassword();
      return client.request(Addresses.ADMIN_ACCOUNTS_ADD, new JsonObject().put("username", username)
          .put("password", password).put("role", role));
    }

    @Override
    protected String describe(JsonObject account) {
      return "added " + account.getString("role") + " " + account.getString("username");
    }
  }

  /** {@code catwalk admin remove-user NAME}. */
  @Command(name = "remove-user", mixinStandardHelpOptions = true,
      description = "Remove an operator account, revoking the grants it gave and ending their sessions.")
  public static final class RemoveUser extends AdminCommand.Action {

    @Parameters(paramLabel = "NAME", description = "The account's user name.")
    private String username;

    @Override
    protected Future<JsonObject> send(AdminClient client) {
      return client.request(Addresses.ADMIN_ACCOUNTS_REMOVE, new JsonObject().put("username", username));
    }

    @Override
    protected String describe(JsonObject reply) {
      return "removed " + username + " (" + reply.getInteger("grantsRevoked", 0) + " grant(s) revoked)";
    }
  }

  /** {@code catwalk admin users}. */
  @Command(name = "users", mixinStandardHelpOptions = true, description = "List the operator accounts.")
  public static final class Users extends AdminCommand.Action {

    @Override
    protected Future<JsonObject> send(AdminClient client) {
      return client.request(Addresses.ADMIN_ACCOUNTS_LIST, new JsonObject());
    }

    @Override
    protected String describe(JsonObject reply) {
      JsonArray accounts = reply.getJsonArray("accounts", new JsonArray());
      if (accounts.isEmpty()) {
        return "no accounts (add one with: catwalk admin add-user NAME --role admin)";
      }
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"USERNAME", "ROLE"});
      accounts.forEach(a -> rows.add(new String[] {((JsonObject) a).getString("username"),
          ((JsonObject) a).getString("role")}));
      return AdminCommand.table(rows) + "\n" + accounts.size() + " account(s)";
    }
  }

  /** {@code catwalk admin grants NAME_OR_ID}. */
  @Command(name = "grants", mixinStandardHelpOptions = true,
      description = "List the OAuth grants of a deployment (which client, allowed by whom).")
  public static final class Grants extends AdminCommand.Action {

    @Parameters(paramLabel = "NAME_OR_ID", description = "The deployment's name or id.")
    private String deployment;

    @Override
    protected Future<JsonObject> send(AdminClient client) {
      return client.deploymentId(deployment).compose(id -> client.request(Addresses.ADMIN_GRANTS_LIST,
          new JsonObject().put("deploymentId", id)));
    }

    @Override
    protected String describe(JsonObject reply) {
      JsonArray grants = reply.getJsonArray("grants", new JsonArray());
      if (grants.isEmpty()) {
        return "no grants";
      }
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"GRANT", "CLIENT", "USER", "CREATED", "STATE"});
      for (Object item : grants) {
        JsonObject grant = (JsonObject) item;
        rows.add(new String[] {grant.getString("id"), grant.getString("clientName", grant.getString("clientId")),
            grant.getString("username"), grant.getString("createdAt"), grant.getBoolean("revoked", false)
            ? "revoked: " + grant.getString("revokedReason", "") : "live"});
      }
      return AdminCommand.table(rows) + "\n" + grants.size() + " grant(s)";
    }
  }

  /** {@code catwalk admin revoke-grant NAME_OR_ID GRANT_ID}. */
  @Command(name = "revoke-grant", mixinStandardHelpOptions = true,
      description = "Revoke an OAuth grant of a deployment and end its sessions.")
  public static final class RevokeGrant extends AdminCommand.Action {

    @Parameters(index = "0", paramLabel = "NAME_OR_ID", description = "The deployment's name or id.")
    private String deployment;

    @Parameters(index = "1", paramLabel = "GRANT_ID", description = "The grant (see: catwalk admin grants).")
    private String grantId;

    @Override
    protected Future<JsonObject> send(AdminClient client) {
      return client.deploymentId(deployment).compose(id -> client.request(Addresses.ADMIN_GRANTS_REVOKE,
          new JsonObject().put("deploymentId", id).put("grantId", grantId)));
    }

    @Override
    protected String describe(JsonObject reply) {
      return "revoked grant " + grantId + " (" + reply.getInteger("sessionsEnded", 0) + " session(s) ended)";
    }
  }

  /** Whether standard input is a terminal ({@code Console.isTerminal} exists from Java 22 on). */
  private static boolean terminal() {
    java.io.Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
    } catch (ReflectiveOperationException e) {
      return true;
    }
  }

  /** The first line of standard input (or a prompt without echo on a terminal). */
  static String readPassword() {
    if (terminal()) {
      char[] typed = System.console().readPassword("password: ");
      return typed == null ? "" : new String(typed);
    }
    try {
      String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
      return line == null ? "" : line;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
