package dev.catwalk.admin;

import dev.catwalk.error.ApiException;
import dev.catwalk.error.BadRequestException;
import dev.catwalk.error.NotFoundException;
import dev.catwalk.Addresses;
import dev.catwalk.BusCommands;
import dev.catwalk.config.SettingsRepository;
import dev.catwalk.crypto.KeyCanary;
import dev.catwalk.crypto.SecretBox;
import dev.catwalk.crypto.Tokens;
import dev.catwalk.deploy.DeploymentRepository;
import dev.catwalk.mcp.McpEndpoint;
import dev.catwalk.mcp.SessionGrant;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServerOptions;
import io.vertx.ext.bridge.BridgeEventType;
import io.vertx.ext.bridge.BridgeOptions;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.eventbus.bridge.tcp.BridgeEvent;
import io.vertx.ext.eventbus.bridge.tcp.TcpEventBusBridge;
import io.vertx.sqlclient.Pool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Operator commands on the event bus ({@code catwalk.admin.*}, see {@link Addresses}): list and end
 * MCP sessions, drain the node, rotate the encryption key (secrets, settings and the {@link KeyCanary} in one
 * transaction); also ends sessions on request of the
 * deployment lifecycle ({@link Addresses#SESSIONS_END}). When an admin port is set, a TCP event-bus
 * bridge bound to 127.0.0.1 lets {@code catwalk admin} send these commands; it lets only
 * {@code catwalk.admin.*} through, and only with the admin token in the message headers.
 */
public final class AdminVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(AdminVerticle.class);
  /** The actor recorded for commands that came through the admin bridge. */
  public static final String OPERATOR = "operator";

  private final McpEndpoint endpoint;
  private final Pool pool;
  private final SecretBox box;
  private final String adminToken;
  private final int bridgePort;
  private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();
  private TcpEventBusBridge bridge;

  /**
   * @param bridgePort loopback port of the admin bridge; 0 for none
   */
  public AdminVerticle(McpEndpoint endpoint, Pool pool, SecretBox box, String adminToken, int bridgePort) {
    this.endpoint = endpoint;
    this.pool = pool;
    this.box = box;
    this.adminToken = adminToken;
    this.bridgePort = bridgePort;
  }

  @Override
  public Future<?> start() {
    bind(Addresses.ADMIN_SESSIONS_LIST, this::listSessions);
    bind(Addresses.ADMIN_SESSIONS_END, this::endSession);
    bind(Addresses.ADMIN_DRAIN, this::drain);
    bind(Addresses.ADMIN_ROTATE_KEY, this::rotateKey);
    bind(Addresses.SESSIONS_END, this::endMatching);
    Future<?> consumersReady = Future.all(consumers.stream().map(MessageConsumer::completion).toList());
    return bridgePort == 0 ? consumersReady : consumersReady.compose(v -> startBridge());
  }

  @Override
  public Future<?> stop() {
    Future<?> bridgeClosed = bridge == null ? Future.succeededFuture() : bridge.close();
    return Future.all(bridgeClosed, Future.all(consumers.stream().map(MessageConsumer::unregister).toList()));
  }

  private Future<TcpEventBusBridge> startBridge() {
    BridgeOptions options = new BridgeOptions()
        .addInboundPermitted(new PermittedOptions().setAddressRegex(Addresses.ADMIN_ADDRESS_PATTERN));
    bridge = TcpEventBusBridge.create(vertx, options, new NetServerOptions(), this::admit);
    return bridge.listen(bridgePort, "127.0.0.1")
        .onSuccess(b -> LOG.info("admin channel on 127.0.0.1:{}", bridgePort));
  }

  private void admit(BridgeEvent event) {
    if (event.type() != BridgeEventType.SEND && event.type() != BridgeEventType.PUBLISH) {
      event.complete(event.type() != BridgeEventType.REGISTER);
      return;
    }
    JsonObject raw = event.getRawMessage();
    JsonObject headers = raw.getJsonObject("headers", new JsonObject());
    boolean allowed = Tokens.secretEquals(headers.getString(Addresses.ADMIN_TOKEN_HEADER), adminToken);
    if (allowed) {
      headers.remove(Addresses.ADMIN_TOKEN_HEADER);
      headers.put(Addresses.ACTOR_HEADER, OPERATOR);
      event.setRawMessage(raw.put("headers", headers));
    } else {
      LOG.warn("admin channel: refused a command without a valid admin token");
    }
    event.complete(allowed);
  }

  private void bind(String address, Function<Message<JsonObject>, Future<?>> handler) {
    consumers.add(BusCommands.consumer(vertx, address, handler));
  }


  private Future<JsonObject> listSessions(Message<JsonObject> message) {
    Predicate<SessionGrant> filter = matching(body(message));
    return Future.succeededFuture(new JsonObject().put("sessions", new JsonArray(endpoint.sessions(filter)))
        .put("draining", endpoint.draining()));
  }

  private Future<JsonObject> endSession(Message<JsonObject> message) {
    if (!(body(message).getValue("sessionId") instanceof String sessionId)) {
      return Future.failedFuture(new BadRequestException("sessionId", "missing"));
    }
    return endpoint.endSession(sessionId).compose(ended -> ended ? Future.succeededFuture(new JsonObject()
        .put("ended", true)) : Future.failedFuture(new NotFoundException("no open session with that id")));
  }

  private Future<JsonObject> drain(Message<JsonObject> message) {
    JsonObject body = body(message);
    dev.catwalk.error.Validation.rejectUnknownFields(body, "", java.util.List.of("drain", "endSessions"));
    for (String field : body.fieldNames()) {
      if (!(body.getValue(field) instanceof Boolean)) {
        return Future.failedFuture(new BadRequestException(field + ": must be true or false"));
      }
    }
    boolean drain = body.getBoolean("drain", true);
    boolean endOpen = body.getBoolean("endSessions", false);
    endpoint.draining(drain);
    LOG.info("node {} (requested by {})", drain ? "draining" : "accepting sessions again",
        message.headers().get(Addresses.ACTOR_HEADER));
    Future<Integer> ended = endOpen ? endpoint.endSessions(grant -> true) : Future.succeededFuture(0);
    return ended.map(count -> new JsonObject().put("draining", drain).put("sessionsEnded", count)
        .put("sessionsOpen", endpoint.sessionCount()));
  }

  private Future<JsonObject> rotateKey(Message<JsonObject> message) {
    return pool.withTransaction(this::resealAll)
        .onSuccess(result -> LOG.info("encryption key rotated to key id {}: {} secrets, {} settings re-encrypted",
            result.getString("keyId"), result.getInteger("secrets"), result.getInteger("settings")));
  }

  private Future<JsonObject> resealAll(io.vertx.sqlclient.SqlConnection tx) {
    JsonObject result = new JsonObject().put("keyId", box.currentKeyId());
    return DeploymentRepository.resealSecrets(tx, box)
        .compose(secrets -> SettingsRepository.resealSettings(tx, box).map(settings -> result.put("secrets", secrets)
            .put("settings", settings)))
        .compose(counts -> KeyCanary.rewrite(tx, box).map(counts));
  }

  private Future<JsonObject> endMatching(Message<JsonObject> message) {
    return endpoint.endSessions(matching(body(message))).map(count -> new JsonObject().put("ended", count));
  }

  private static Predicate<SessionGrant> matching(JsonObject body) {
    String deploymentId = optionalString(body, "deploymentId");
    String tokenId = optionalString(body, "tokenId");
    String deployment = dev.catwalk.Ids.canonical(deploymentId);
    String token = dev.catwalk.Ids.canonical(tokenId);
    return grant -> (deploymentId == null || deployment != null && deployment.equals(grant.owner()))
        && (tokenId == null || token != null && token.equals(grant.credentialId()));
  }

  private static String optionalString(JsonObject body, String field) {
    Object value = body.getValue(field);
    if (value != null && !(value instanceof String)) {
      throw new BadRequestException(field, "must be a string");
    }
    return (String) value;
  }

  private static JsonObject body(Message<JsonObject> message) {
    return message.body() == null ? new JsonObject() : message.body();
  }
}
