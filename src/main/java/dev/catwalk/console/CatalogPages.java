package dev.catwalk.console;

import dev.catwalk.Addresses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The catalog in the console: {@code /catalog?q=} searches the local copy of the registries
 * ({@link Addresses#CATALOG_SEARCH}), {@code /catalog/{id}} shows an entry with the form generated from the
 * configSchema Catwalk derives from it ({@link Addresses#CATALOG_GET}); its Deploy posts to the console's draft
 * create, which sends {@code {catalogId, config}} to {@link Addresses#DEPLOYMENTS_CREATE}.
 */
final class CatalogPages {

  private final ConsoleRoutes console;

  CatalogPages(ConsoleRoutes console) {
    this.console = console;
  }

  void mount(Router router) {
    router.get("/catalog").handler(console.signedIn(this::search));
    router.get("/catalog/:id").handler(console.admin(this::entry));
  }

  private void search(RoutingContext ctx) {
    String q = ctx.queryParams().get("q");
    JsonObject body = new JsonObject().put("limit", 30);
    if (q != null && !q.isBlank()) {
      body.put("q", q.strip());
    }
    String cursor = ctx.queryParams().get("cursor");
    if (cursor != null && !cursor.isBlank()) {
      body.put("cursor", cursor);
    }
    console.ask(ctx, Addresses.CATALOG_SEARCH, body).onSuccess(reply -> {
      List<Object> items = new ArrayList<>();
      for (Object item : reply.getJsonArray("items", new JsonArray())) {
        JsonObject entry = (JsonObject) item;
        JsonObject local = entry.getJsonObject("backends", new JsonObject()).getJsonObject("local", new JsonObject());
        items.add(ConsoleRoutes.plain(entry.copy().put("runnable", local.getValue("runnable"))
            .put("why", local.getString("reason"))));
      }
      Map<String, Object> data = new HashMap<>();
      data.put("q", q == null ? "" : q);
      data.put("items", items);
      data.put("nextCursor", reply.getString("nextCursor"));
      data.put("sources", ConsoleRoutes.plain(reply.getJsonArray("sources", new JsonArray())));
      console.render(ctx, 200, "catalog.html", data);
    }).onFailure(e -> {
      if (ConsoleRoutes.status(e) == 400) {
        Map<String, Object> data = new HashMap<>();
        data.put("q", q == null ? "" : q);
        data.put("items", List.of());
        data.put("error", e.getMessage());
        data.put("sources", List.of());
        console.render(ctx, 400, "catalog.html", data);
      } else {
        console.failed(ctx, e);
      }
    });
  }

  private void entry(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    console.ask(ctx, Addresses.CATALOG_GET, new JsonObject().put("id", id)).onSuccess(entry -> {
      JsonObject draft = new JsonObject().put("kind", "catalog").put("catalogId", entry.getString("id", id))
          .put("catalogVersion", entry.getString("version")).put("variant", entry.getString("variant"))
          .put("recipe", entry.getJsonObject("recipe")).put("configSchema", entry.getJsonObject("configSchema"))
          .put("sources", entry.getJsonObject("sources")).put("warnings", entry.getJsonArray("warnings", new JsonArray()))
          .put("origin", entry.getString("name")).put("title", entry.getString("title"))
          .put("description", entry.getString("description")).put("name", suggestedName(entry.getString("name")));
      JsonObject local = entry.getJsonObject("backends", new JsonObject()).getJsonObject("local", new JsonObject());
      if (Boolean.FALSE.equals(local.getValue("runnable"))) {
        draft.put("cannotRun", local.getString("reason"));
      }
      console.keepDraft(ctx, draft);
      console.draftPage(ctx, 200, draft, Map.of(), FieldErrors.NONE);
    }).onFailure(e -> console.failed(ctx, e));
  }

  private static String suggestedName(String entryName) {
    String base = entryName == null ? "server" : entryName.substring(entryName.lastIndexOf('/') + 1);
    String name = base.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9-]+", "-").replaceAll("^-+|-+$", "");
    return name.isEmpty() ? "server" : name.length() > 63 ? name.substring(0, 63) : name;
  }
}
