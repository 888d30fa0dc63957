package dev.catwalk.console;

import dev.catwalk.Addresses;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The gateway's settings in the console (admins only): {@code /settings} shows what {@link Addresses#ADMIN_SETTINGS_GET}
 * tells (which settings are set and where; a secret is never shown, only "set — replace") and sends the changes to
 * {@link Addresses#ADMIN_SETTINGS_UPDATE}, the command {@code PUT /api/settings} sends, so the rules stay in
 * {@link dev.catwalk.config.SettingsVerticle}; its 400 is put next to the field it names.
 */
final class SettingsPages {

  /** Form fields carry the setting's name behind this prefix. */
  static final String PREFIX = "s.";
  /** A checked {@code clear.NAME} clears a stored secret setting. */
  static final String CLEAR = "clear.";
  private static final Map<String, String[]> TEXT = Map.of(
      "githubToken", new String[] {"GitHub token", "The repository analysis reads GitHub with it: a higher rate limit,"
          + " and private repositories the token may read."},
      "openrouterApiKey", new String[] {"OpenRouter API key (LLM)", "The analysis asks an LLM when a repository's"
          + " files do not say enough (with the model configured as CATWALK_ANALYSIS_MODEL)."},
      "flyApiToken", new String[] {"Fly API token", "The fly backend creates apps and Machines with it (when Fly is"
          + " configured: organization and runner image)."},
      "catalogRegistryEnabled", new String[] {"Sync the official MCP Registry", "The catalog keeps a copy of it."},
      "catalogGlamaEnabled", new String[] {"Sync Glama's directory", "The catalog keeps a copy of it."});

  private final ConsoleRoutes console;

  SettingsPages(ConsoleRoutes console) {
    this.console = console;
  }

  void mount(Router router) {
    router.get("/settings").handler(console.admin(ctx -> page(ctx, 200, FieldErrors.NONE, Map.of())));
    router.post("/settings").handler(console.admin(this::save));
  }

  private void page(RoutingContext ctx, int status, FieldErrors errors, Map<String, String> chosen) {
    console.ask(ctx, Addresses.ADMIN_SETTINGS_GET, new JsonObject()).onSuccess(reply -> {
      List<Map<String, Object>> secrets = new ArrayList<>();
      List<Map<String, Object>> switches = new ArrayList<>();
      List<String> names = new ArrayList<>();
      for (Object item : reply.getJsonArray("settings", new JsonArray())) {
        JsonObject setting = (JsonObject) item;
        String name = setting.getString("name");
        names.add(name);
        String[] text = TEXT.getOrDefault(name, new String[] {name, null});
        Map<String, Object> row = new HashMap<>();
        row.put("name", name);
        row.put("id", "setting-" + name);
        row.put("param", PREFIX + name);
        row.put("label", text[0]);
        row.put("help", text[1]);
        row.put("set", setting.getBoolean("set", false));
        row.put("source", setting.getString("source"));
        row.put("env", setting.getString("environmentVariable"));
        row.put("error", errors.of(name));
        if (setting.containsKey("value")) {
          boolean stored = "database".equals(setting.getString("source"));
          row.put("value", setting.getValue("value"));
          row.put("choice", chosen.getOrDefault(name, stored ? String.valueOf(setting.getValue("value")) : ""));
          switches.add(row);
        } else {
          secrets.add(row);
        }
      }
      Map<String, Object> data = new HashMap<>();
      data.put("secrets", secrets);
      data.put("switches", switches);
      data.put("error", errors.unplaced(names));
      console.render(ctx, status, "settings.html", data);
    }).onFailure(e -> console.failed(ctx, e));
  }

  /** Sends what the form changes: a typed secret, a checked clear, a switch whose choice differs from what is stored. */
  private void save(RoutingContext ctx) {
    MultiMap form = ctx.request().formAttributes();
    Map<String, String> chosen = new HashMap<>();
    console.ask(ctx, Addresses.ADMIN_SETTINGS_GET, new JsonObject()).compose(current -> {
      JsonObject changes = new JsonObject();
      for (Object item : current.getJsonArray("settings", new JsonArray())) {
        JsonObject setting = (JsonObject) item;
        String name = setting.getString("name");
        String typed = form.get(PREFIX + name);
        boolean stored = "database".equals(setting.getString("source"));
        if (setting.containsKey("value")) {
          String choice = typed == null ? "" : typed;
          chosen.put(name, choice);
          String was = stored ? String.valueOf(setting.getValue("value")) : "";
          if (!choice.equals(was)) {
            changes.put(name, choice.isEmpty() ? null : Boolean.valueOf(choice));
          }
        } else if (typed != null && !typed.isEmpty()) {
          changes.put(name, typed);
        } else if (form.get(CLEAR + name) != null && stored) {
          changes.putNull(name);
        }
      }
      return changes.isEmpty() ? io.vertx.core.Future.succeededFuture(changes)
          : console.ask(ctx, Addresses.ADMIN_SETTINGS_UPDATE, changes).map(changes);
    }).onSuccess(changes -> {
      console.flash(ctx, changes.isEmpty() ? "Nothing changed." : "Saved: " + String.join(", ", changes.fieldNames()) + ".");
      ConsoleRoutes.redirect(ctx, "/settings");
    }).onFailure(e -> {
      if (ConsoleRoutes.status(e) == 400) {
        page(ctx, 400, FieldErrors.parse(e.getMessage()), chosen);
      } else {
        console.failed(ctx, e);
      }
    });
  }
}
