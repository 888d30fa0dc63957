package dev.catwalk.oauth;

import dev.catwalk.Addresses;
import dev.catwalk.BusCommands;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * Operator commands on accounts and grants ({@code catwalk.admin.accounts.*}, {@code catwalk.admin.grants.*}),
 * used by the admin REST API and by {@code catwalk admin} over the admin channel.
 */
public final class OAuthAdminVerticle extends VerticleBase {

  private final AccountRepository accounts;
  private final OAuthRepository oauth;
  private final Function<UUID, Future<Integer>> endGrantSessions;
  private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();

  /**
   * @param endGrantSessions ends the MCP sessions of a grant; completes with how many
   */
  public OAuthAdminVerticle(AccountRepository accounts, OAuthRepository oauth,
                            Function<UUID, Future<Integer>> endGrantSessions) {
    this.accounts = accounts;
    this.oauth = oauth;
    this.endGrantSessions = endGrantSessions;
  }

  @Override
  public Future<?> start() {
    bind(Addresses.ADMIN_ACCOUNTS_ADD, this::add);
    bind(Addresses.ADMIN_ACCOUNTS_REMOVE, this::remove);
    bind(Addresses.ADMIN_ACCOUNTS_LIST, m -> accounts.list().map(list -> new JsonObject().put("accounts",
        new JsonArray(list.stream().map(Account::toJson).toList()))));
    bind(Addresses.ADMIN_ACCOUNTS_GET, m -> accounts.find(uuid(m.body(), "id", "no such account")).compose(found ->
        found.isPresent() ? Future.succeededFuture(found.get().toJson())
            : Future.failedFuture(new dev.catwalk.error.NotFoundException("no such account"))));
    bind(Addresses.ADMIN_ACCOUNTS_ROLE, this::changeRole);
    bind(Addresses.ADMIN_GRANTS_LIST, m -> oauth.grants(uuid(m.body(), "deploymentId", "no such deployment"))
        .map(list -> new JsonObject().put("grants", new JsonArray(list))));
    bind(Addresses.ADMIN_GRANTS_REVOKE, this::revoke);
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  @Override
  public Future<?> stop() {
    return Future.all(consumers.stream().map(MessageConsumer::unregister).toList());
  }

  private Future<JsonObject> add(Message<JsonObject> message) {
    JsonObject body = message.body();
    dev.catwalk.error.Validation.rejectUnknownFields(body, "", List.of("username", "password", "role"));
    return accounts.create(text(body, "username"), text(body, "password"), body.getValue("role") == null
        ? Account.MEMBER : text(body, "role")).map(Account::toJson);
  }

  private Future<JsonObject> changeRole(Message<JsonObject> message) {
    JsonObject body = message.body();
    dev.catwalk.error.Validation.rejectUnknownFields(body, "", List.of("username", "role"));
    String actor = message.headers().get(Addresses.ACTOR_HEADER);
    return accounts.changeRole(text(body, "username"), text(body, "role"), actor == null ? "system" : actor)
        .compose(changed -> changed.isPresent() ? Future.succeededFuture(changed.get().toJson())
            : Future.failedFuture(new dev.catwalk.error.NotFoundException("no such account")));
  }

  private Future<JsonObject> remove(Message<JsonObject> message) {
    return accounts.remove(text(message.body(), "username")).compose(found -> {
      if (found.isEmpty()) {
        return Future.failedFuture(new dev.catwalk.error.NotFoundException("no such account"));
      }
      return Future.all(found.get().stream().map(endGrantSessions).toList())
          .map(v -> new JsonObject().put("removed", true).put("grantsRevoked", found.get().size()));
    });
  }

  private Future<JsonObject> revoke(Message<JsonObject> message) {
    UUID deployment = uuid(message.body(), "deploymentId", "no such deployment");
    UUID grant = uuid(message.body(), "grantId", "no such grant");
    return oauth.revokeGrant(deployment, grant, "revoked by an administrator").compose(revoked -> revoked
        ? endGrantSessions.apply(grant).map(ended -> new JsonObject().put("revoked", true).put("sessionsEnded", ended))
        : Future.failedFuture(new dev.catwalk.error.NotFoundException("no live grant with that id on this deployment")));
  }

  private void bind(String address, Function<Message<JsonObject>, Future<?>> handler) {
    consumers.add(BusCommands.consumer(vertx, address, handler));
  }

  private static String text(JsonObject body, String field) {
    Object value = body.getValue(field);
    return value instanceof String s ? s : null;
  }

  private static UUID uuid(JsonObject body, String field, String notFound) {
    try {
      return UUID.fromString(String.valueOf(body.getValue(field)));
    } catch (IllegalArgumentException e) {
      throw new dev.catwalk.error.NotFoundException(notFound);
    }
  }
}
