package dev.catwalk.admin;

import dev.catwalk.Addresses;
import dev.catwalk.http.BusRequests;
import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;

import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;

/**
 * The operator's end of the admin channel: a client of the TCP event-bus bridge that
 * {@link AdminVerticle} binds to {@code 127.0.0.1:CATWALK_ADMIN_PORT}, used by {@code catwalk admin}.
 *
 * <p>Each command is one connection: connect, write one {@code send} frame
 * ({@code {type, address, replyAddress, headers, body}}, the admin token in the headers), read the
 * reply frame, close. A frame is a 4-byte big-endian length and that many bytes of UTF-8 JSON. The
 * bridge answers {@code {type: "message", address: replyAddress, body}}, or
 * {@code {type: "err", address: replyAddress, sourceAddress: address, failureCode, failureType, message}} when
 * the command failed, or {@code {type: "err", message}} when it refused the frame (a wrong admin token,
 * an address outside {@code catwalk.admin.*}). Every failure completes the future with an
 * {@link AdminException} whose message is fit to show an operator; the token is never part of one.
 */
public final class AdminClient {

  /** The only address the admin channel listens on. */
  public static final String HOST = "127.0.0.1";
  /** Deployments asked for at a time. */
  private static final int PAGE = 200;
  /** How long connecting may take by default. */
  public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
  /** How long a command's reply may take by default: as long as the REST API waits. */
  public static final Duration REPLY_TIMEOUT = BusRequests.TIMEOUT;

  private static final int MAX_FRAME_BYTES = 16 * 1024 * 1024;
  private static final int LENGTH_BYTES = 4;
  /** Extra time past the gateway's own timeout (sent along) before the client gives up on a silent gateway. */
  private static final long GRACE_MILLIS = 2_000;
  private static final String REPLY_PREFIX = "catwalk.admin-client.reply.";

  private final Vertx vertx;
  private final NetClient client;
  private final int port;
  private final String token;
  private final Duration replyTimeout;

  /** A client with the default timeouts. */
  public AdminClient(Vertx vertx, int port, String token) {
    this(vertx, port, token, CONNECT_TIMEOUT, REPLY_TIMEOUT);
  }

  /**
   * @param port           the admin channel's port on 127.0.0.1 ({@code CATWALK_ADMIN_PORT})
   * @param token          the gateway's admin token ({@code CATWALK_ADMIN_TOKEN})
   * @param connectTimeout how long connecting may take
   * @param replyTimeout   how long a command may take; the gateway is told the same
   */
  public AdminClient(Vertx vertx, int port, String token, Duration connectTimeout, Duration replyTimeout) {
    this.vertx = vertx;
    this.port = port;
    this.token = Objects.requireNonNull(token, "token");
    this.replyTimeout = replyTimeout;
    this.client = vertx.createNetClient(new NetClientOptions().setConnectTimeout((int) connectTimeout.toMillis()));
  }

  /** {@code host:port} of the admin channel, for messages. */
  public String channel() {
    return HOST + ":" + port;
  }

  /** Open MCP sessions on the node, of one deployment when {@code deploymentId} is not null. */
  public Future<JsonObject> sessions(String deploymentId) {
    return request(Addresses.ADMIN_SESSIONS_LIST, new JsonObject().put("deploymentId", deploymentId));
  }

  /** Ends one MCP session; fails with code 404 when none has that id. */
  public Future<JsonObject> endSession(String sessionId) {
    return request(Addresses.ADMIN_SESSIONS_END, new JsonObject().put("sessionId", sessionId));
  }

  /** One page of the live deployments, oldest first: {@code {items, total, limit, offset}}. */
  public Future<JsonObject> deployments(int limit, int offset) {
    return request(Addresses.ADMIN_DEPLOYMENTS_LIST, new JsonObject().put("limit", limit).put("offset", offset));
  }

  /** Every live deployment, oldest first. */
  public Future<java.util.List<JsonObject>> allDeployments() {
    return collect(new java.util.ArrayList<>(), 0);
  }

  private Future<java.util.List<JsonObject>> collect(java.util.List<JsonObject> into, int offset) {
    return deployments(PAGE, offset).compose(page -> {
      page.getJsonArray("items", new io.vertx.core.json.JsonArray()).forEach(item -> into.add((JsonObject) item));
      return into.size() < page.getInteger("total", 0) && page.getJsonArray("items").size() > 0
          ? collect(into, into.size()) : Future.succeededFuture(into);
    });
  }

  /** The id of the deployment named {@code nameOrId}, or {@code nameOrId} itself when it is an id; 404 when neither. */
  public Future<String> deploymentId(String nameOrId) {
    try {
      return Future.succeededFuture(java.util.UUID.fromString(nameOrId).toString());
    } catch (IllegalArgumentException notAnId) {
      return allDeployments().compose(all -> all.stream().filter(d -> nameOrId.equals(d.getString("name"))).findFirst()
          .map(d -> Future.succeededFuture(d.getString("id")))
          .orElseGet(() -> Future.failedFuture(new AdminException("no deployment named '"
              + dev.catwalk.error.Validation.printable(nameOrId) + "' (see: catwalk admin list)", 404, null))));
    }
  }

  /** Stops a deployment (ends its sessions); the reply is the deployment. */
  public Future<JsonObject> stop(String deploymentId) {
    return request(Addresses.ADMIN_DEPLOYMENTS_STOP, new JsonObject().put("id", deploymentId));
  }

  /** Restarts a deployment (ends its sessions, provisions it again); the reply is the deployment. */
  public Future<JsonObject> restart(String deploymentId) {
    return request(Addresses.ADMIN_DEPLOYMENTS_RESTART, new JsonObject().put("id", deploymentId));
  }

  /** Starts ({@code drain}) or stops draining the node, ending open sessions when {@code endSessions}. */
  public Future<JsonObject> drain(boolean drain, boolean endSessions) {
    return request(Addresses.ADMIN_DRAIN, new JsonObject().put("drain", drain).put("endSessions", endSessions));
  }

  /** Re-encrypts every stored secret with the current key; the reply has {@code keyId, secrets, settings}. */
  public Future<JsonObject> rotateKey() {
    return request(Addresses.ADMIN_ROTATE_KEY, new JsonObject());
  }

  /** Sends {@code body} to {@code address} through the bridge and completes with the reply's body. */
  public Future<JsonObject> request(String address, JsonObject body) {
    return client.connect(port, HOST)
        .recover(this::connectFailed)
        .compose(socket -> new Exchange(socket, address).run(body));
  }

  /** Closes the client's connections. */
  public Future<Void> close() {
    return client.close();
  }

  private <T> Future<T> connectFailed(Throwable cause) {
    String message;
    if (cause instanceof ConnectTimeoutException) {
      message = "no answer from the admin channel " + channel() + " (connect timed out): is catwalk serve running?";
    } else if (cause instanceof ConnectException && String.valueOf(cause.getMessage()).contains("refused")) {
      message = "connection refused: is catwalk serve running? admin channel " + channel()
          + " (CATWALK_ADMIN_PORT, or --port)";
    } else {
      message = "cannot connect to the admin channel " + channel() + ": " + cause.getMessage();
    }
    return Future.failedFuture(new AdminException(message, -1, cause));
  }

  private static Buffer frame(JsonObject json) {
    byte[] bytes = json.encode().getBytes(StandardCharsets.UTF_8);
    return Buffer.buffer(bytes.length + LENGTH_BYTES).appendInt(bytes.length).appendBytes(bytes);
  }

  /** One command on its own connection: the frame out, the reply in, then the connection closed. */
  private final class Exchange {
    private final NetSocket socket;
    private final String address;
    private final String replyAddress = REPLY_PREFIX + UUID.randomUUID();
    private final Promise<JsonObject> reply = Promise.promise();
    private final RecordParser parser = RecordParser.newFixed(LENGTH_BYTES);
    private boolean awaitingLength = true;
    private long timer;

    Exchange(NetSocket socket, String address) {
      this.socket = socket;
      this.address = address;
    }

    Future<JsonObject> run(JsonObject body) {
      parser.handler(this::record);
      socket.handler(parser);
      socket.exceptionHandler(this::broken);
      socket.closeHandler(this::closed);
      timer = vertx.setTimer(replyTimeout.toMillis() + GRACE_MILLIS, this::timedOut);
      JsonObject headers = new JsonObject().put(Addresses.ADMIN_TOKEN_HEADER, token)
          .put("timeout", replyTimeout.toMillis());
      socket.write(frame(new JsonObject().put("type", "send").put("address", address)
          .put("replyAddress", replyAddress).put("headers", headers).put("body", body)))
          .onFailure(this::broken);
      return reply.future().andThen(this::finish);
    }

    private void record(Buffer record) {
      if (!awaitingLength) {
        awaitingLength = true;
        parser.fixedSizeMode(LENGTH_BYTES);
        frameReceived(record);
        return;
      }
      int length = record.getInt(0);
      if (length <= 0 || length > MAX_FRAME_BYTES) {
        fail("the admin channel " + channel() + " sent a frame of " + length + " bytes; is that port a Catwalk gateway's?",
            -1);
        return;
      }
      awaitingLength = false;
      parser.fixedSizeMode(length);
    }

    private void frameReceived(Buffer bytes) {
      try {
        dispatch(new JsonObject(bytes.toString(StandardCharsets.UTF_8)));
      } catch (DecodeException | ClassCastException e) {
        fail("the admin channel " + channel() + " sent a frame that is not the bridge's; is that port a Catwalk gateway's?",
            -1);
      }
    }

    private void dispatch(JsonObject frame) {
      String type = frame.getString("type");
      if ("message".equals(type) && replyAddress.equals(frame.getString("address"))) {
        reply.tryComplete(frame.getValue("body") instanceof JsonObject body ? body : new JsonObject());
      } else if ("err".equals(type) && replyAddress.equals(frame.getString("address"))) {
        commandFailed(frame);
      } else if ("err".equals(type) && frame.getString("address") == null) {
        refused(frame.getString("message"));
      }
    }

    private void commandFailed(JsonObject frame) {
      int code = frame.getInteger("failureCode", -1);
      String message = frame.getString("message");
      String failureType = frame.getString("failureType", "");
      if (ReplyFailure.TIMEOUT.name().equals(failureType)) {
        fail("no reply to " + address + " within " + replyTimeout.toSeconds() + " s; the command may still complete", -1);
      } else if (ReplyFailure.NO_HANDLERS.name().equals(failureType)) {
        fail("the gateway has no handler for " + address + " (not a command of this version?)", -1);
      } else {
        fail(address + " failed (" + code + "): " + message, code);
      }
    }

    /** A frame the bridge refused, with the bridge's own words for why. */
    private void refused(String message) {
      String why = switch (String.valueOf(message)) {
        // the bridge-event hook said no: AdminVerticle refuses only for the token
        case "blocked by bridgeEvent handler" ->
            "the gateway refused the admin token: use the running gateway's CATWALK_ADMIN_TOKEN";
        // no inbound rule permits the address
        case "access_denied" -> "the admin channel refused " + address + ": only catwalk.admin.* commands pass";
        default -> "the admin channel refused " + address;
      };
      fail(why + " (bridge: " + message + ")", -1);
    }

    private void broken(Throwable cause) {
      fail("the admin channel " + channel() + " failed: " + cause.getMessage(), -1);
    }

    private void closed(Void ignored) {
      fail("the gateway closed the admin channel before replying to " + address, -1);
    }

    private void timedOut(long id) {
      fail("no reply to " + address + " within " + replyTimeout.toSeconds() + " s from " + channel()
          + "; the command may still complete", -1);
    }

    private void fail(String message, int code) {
      reply.tryFail(new AdminException(message, code, null));
    }

    private void finish(io.vertx.core.AsyncResult<JsonObject> result) {
      vertx.cancelTimer(timer);
      socket.close();
    }
  }

  /**
   * A command that did not succeed: the channel could not be reached, refused the command, or the
   * command failed. The message is safe and meant for the operator.
   */
  public static final class AdminException extends RuntimeException {
    private final int failureCode;

    AdminException(String message, int failureCode, Throwable cause) {
      super(message, cause);
      this.failureCode = failureCode;
    }

    /** The failed command's status (as the REST API answers: 400, 404, 409, 503…), or -1 when it did not run. */
    public int failureCode() {
      return failureCode;
    }
  }
}
