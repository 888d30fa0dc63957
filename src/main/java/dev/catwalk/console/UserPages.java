package dev.catwalk.console;

import dev.catwalk.Addresses;
import dev.catwalk.oauth.Account;
import dev.catwalk.web.SignedIn;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Operator accounts in the console (admins only): {@code /users} lists them, adds one, changes one's role and removes
 * one, through the {@link Addresses#ADMIN_ACCOUNTS_LIST}, {@link Addresses#ADMIN_ACCOUNTS_ADD},
 * {@link Addresses#ADMIN_ACCOUNTS_ROLE} and {@link Addresses#ADMIN_ACCOUNTS_REMOVE} commands (removing revokes the
 * account's grants and ends their sessions). Not oneself: another administrator does that.
 */
final class UserPages {

  private final ConsoleRoutes console;

  UserPages(ConsoleRoutes console) {
    this.console = console;
  }

  void mount(Router router) {
    router.get("/users").handler(console.admin(ctx -> page(ctx, 200, Map.of(), FieldErrors.NONE, Map.of())));
    router.post("/users").handler(console.admin(this::add));
    router.post("/users/:username/remove").handler(console.admin(this::remove));
    router.post("/users/:username/role").handler(console.admin(this::changeRole));
  }

  /**
   * @param roleErrors what the server said about a role change, by user name
   */
  private void page(RoutingContext ctx, int status, Map<String, String> typed, FieldErrors errors,
                    Map<String, String> roleErrors) {
    console.ask(ctx, Addresses.ADMIN_ACCOUNTS_LIST, new JsonObject()).onSuccess(reply -> {
      Map<String, Object> data = new HashMap<>();
      data.put("accounts", ConsoleRoutes.plain(reply.getJsonArray("accounts", new JsonArray())));
      data.put("v", typed);
      data.put("usernameError", errors.of("username"));
      data.put("passwordError", errors.of("password"));
      data.put("roleError", errors.of("role"));
      data.put("error", errors.unplaced(List.of("username", "password", "role")));
      data.put("me", SignedIn.of(ctx).username());
      data.put("roleErrors", roleErrors);
      console.render(ctx, status, "users.html", data);
    }).onFailure(e -> console.failed(ctx, e));
  }

  private void add(RoutingContext ctx) {
    String username = ctx.request().getFormAttribute("username");
    String role = ctx.request().getFormAttribute("role");
    JsonObject body = new JsonObject().put("username", username == null ? "" : username.strip())
        .put("password", ctx.request().getFormAttribute("password") == null ? "" : ctx.request().getFormAttribute("password"))
        .put("role", role == null ? "member" : role);
    console.ask(ctx, Addresses.ADMIN_ACCOUNTS_ADD, body).onSuccess(account -> {
      console.flash(ctx, "Added " + account.getString("username") + " (" + account.getString("role") + ").");
      ConsoleRoutes.redirect(ctx, "/users");
    }).onFailure(e -> {
      int status = ConsoleRoutes.status(e);
      if (status == 400 || status == 409) {
        Map<String, String> typed = new HashMap<>();
        typed.put("username", body.getString("username"));
        typed.put("role", body.getString("role"));
        FieldErrors errors = FieldErrors.parse(e.getMessage());
        page(ctx, status, typed, errors.byField().isEmpty() && status == 409
            ? new FieldErrors(Map.of("username", e.getMessage()), null) : errors, Map.of());
      } else {
        console.failed(ctx, e);
      }
    });
  }

  private void changeRole(RoutingContext ctx) {
    String username = ctx.pathParam("username");
    if (username.equals(SignedIn.of(ctx).username())) {
      console.flash(ctx, "You cannot change your own role here: ask another administrator.");
      ConsoleRoutes.redirect(ctx, "/users");
      return;
    }
    String role = ctx.request().getFormAttribute("role");
    JsonObject body = new JsonObject().put("username", username).put("role", role == null ? "" : role);
    console.ask(ctx, Addresses.ADMIN_ACCOUNTS_ROLE, body).onSuccess(account -> {
      console.flash(ctx, account.getString("username") + " is now " + (Account.ADMIN.equals(account.getString("role"))
          ? "an admin." : "a member."));
      ConsoleRoutes.redirect(ctx, "/users");
    }).onFailure(e -> {
      int status = ConsoleRoutes.status(e);
      if (status == 400 || status == 409) {
        String message = FieldErrors.parse(e.getMessage()).of("role");
        page(ctx, status, Map.of(), FieldErrors.NONE, Map.of(username, message == null ? e.getMessage() : message));
      } else {
        console.failed(ctx, e);
      }
    });
  }

  private void remove(RoutingContext ctx) {
    String username = ctx.pathParam("username");
    if (username.equals(SignedIn.of(ctx).username())) {
      console.flash(ctx, "You cannot remove your own account here.");
      ConsoleRoutes.redirect(ctx, "/users");
      return;
    }
    console.ask(ctx, Addresses.ADMIN_ACCOUNTS_REMOVE, new JsonObject().put("username", username)).onSuccess(reply -> {
      console.flash(ctx, "Removed " + username + "; its OAuth access was revoked.");
      ConsoleRoutes.redirect(ctx, "/users");
    }).onFailure(e -> console.failed(ctx, e));
  }
}
