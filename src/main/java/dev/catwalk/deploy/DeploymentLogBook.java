package dev.catwalk.deploy;

import dev.catwalk.Addresses;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The owner of this node's recent deployment logs, in memory and bounded: its servers' stderr and its
 * lifecycle (sessions started and ended, status changes). Only its own context touches the logs;
 * everyone else sends messages ({@link DeploymentLogs}). The consumers are local: each node keeps the
 * lines of its own sessions.
 */
public final class DeploymentLogBook extends VerticleBase {

  private final int linesPerDeployment;
  private final Map<String, ArrayDeque<JsonObject>> logs = new HashMap<>();
  private final List<MessageConsumer<JsonObject>> consumers = new java.util.ArrayList<>();

  /** @param linesPerDeployment lines kept per deployment, the newest */
  public DeploymentLogBook(int linesPerDeployment) {
    this.linesPerDeployment = linesPerDeployment;
  }

  @Override
  public Future<?> start() {
    consumers.add(vertx.eventBus().localConsumer(Addresses.DEPLOYMENT_LOG_APPEND, this::append));
    consumers.add(vertx.eventBus().localConsumer(Addresses.DEPLOYMENT_LOG_RECENT, this::recent));
    consumers.add(vertx.eventBus().localConsumer(Addresses.DEPLOYMENT_LOG_FORGET,
        message -> logs.remove(message.body().getString("id"))));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
  }

  private void append(Message<JsonObject> message) {
    JsonObject body = message.body();
    ArrayDeque<JsonObject> log = logs.computeIfAbsent(body.getString("id"), id -> new ArrayDeque<>());
    if (log.size() >= linesPerDeployment) {
      log.removeFirst();
    }
    log.addLast(new JsonObject().put("at", Instant.now().toString()).put("source", body.getString("source"))
        .put("text", body.getString("text")));
  }

  private void recent(Message<JsonObject> message) {
    ArrayDeque<JsonObject> log = logs.getOrDefault(message.body().getString("id"), new ArrayDeque<>());
    int limit = message.body().getInteger("limit");
    List<JsonObject> lines = log.stream().skip(Math.max(0, log.size() - limit)).map(JsonObject::copy).toList();
    message.reply(new JsonObject().put("lines", new JsonArray(lines)));
  }
}
