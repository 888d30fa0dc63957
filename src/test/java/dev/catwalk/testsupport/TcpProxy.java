package dev.catwalk.testsupport;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP forwarder on 127.0.0.1 in front of a real server, so a test can make that server vanish
 * ({@link #cut}) and come back ({@link #restore}) without touching the server itself.
 */
public final class TcpProxy {

  private final Vertx vertx;
  private final String targetHost;
  private final int targetPort;
  private final NetClient client;
  private final Set<NetSocket> sockets = ConcurrentHashMap.newKeySet();
  private final StringBuffer fromTarget = new StringBuffer();
  private NetServer server;
  private int port;

  private TcpProxy(Vertx vertx, String targetHost, int targetPort) {
    this.vertx = vertx;
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.client = vertx.createNetClient();
  }

  /** Starts forwarding from a free loopback port to {@code host:port}. */
  public static TcpProxy start(Vertx vertx, String host, int port) {
    TcpProxy proxy = new TcpProxy(vertx, host, port);
    proxy.listen(0).await();
    return proxy;
  }

  /** The loopback port clients connect to. */
  public int port() {
    return port;
  }

  /** Closes every connection and stops listening: the target looks unreachable. */
  public void cut() {
    server.close().await();
    List<NetSocket> open = List.copyOf(sockets);
    sockets.clear();
    open.forEach(NetSocket::close);
  }

  /** Listens again on the same port. */
  public void restore() {
    listen(port).await();
  }

  /** Stops the proxy for good. */
  public void close() {
    cut();
    client.close().await();
  }

  private Future<Void> listen(int onPort) {
    server = vertx.createNetServer().connectHandler(this::forward);
    return server.listen(onPort, "127.0.0.1").onSuccess(s -> port = s.actualPort()).mapEmpty();
  }

  private void forward(NetSocket downstream) {
    downstream.pause();
    track(downstream);
    client.connect(targetPort, targetHost)
        .onSuccess(upstream -> pipe(downstream, upstream))
        .onFailure(e -> downstream.close());
  }

  private void pipe(NetSocket downstream, NetSocket upstream) {
    track(upstream);
    downstream.pipeTo(upstream);
    upstream.handler(data -> {
      fromTarget.append(data.toString(java.nio.charset.StandardCharsets.ISO_8859_1));
      downstream.write(data);
    });
    downstream.resume();
  }

  /** Everything the target has sent through the proxy so far (bytes as ISO-8859-1 characters). */
  public String receivedFromTarget() {
    return fromTarget.toString();
  }

  private void track(NetSocket socket) {
    sockets.add(socket);
    socket.closeHandler(v -> untrack(socket));
  }

  private void untrack(NetSocket socket) {
    sockets.remove(socket);
  }
}
