package io.spindle.raft.server.transport;

import io.spindle.raft.NodeId;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Starts transports on 127.0.0.1 ephemeral ports and closes everything it started. */
final class TestNodes implements AutoCloseable {
  static final byte[] SECRET =
      "a long random cluster secret for tests".getBytes(StandardCharsets.UTF_8);
  static final byte[] WRONG_SECRET =
      "another cluster's secret, not ours".getBytes(StandardCharsets.UTF_8);

  /** Quick redials, so tests that restart a peer finish quickly. */
  static final RaftTransportSettings CONFIG =
      RaftTransportSettings.defaults()
          .withConnectTimeout(Duration.ofSeconds(2))
          .withReconnectBackoff(Duration.ofMillis(10), Duration.ofMillis(200));

  private final Deque<Runnable> closers = new ArrayDeque<>();

  /** A running transport and what it received. */
  record Node(NodeId id, NettyRaftTransport transport, RecordingInboundHandler inbox) {
    InetSocketAddress address() {
      return transport.localAddress();
    }
  }

  Node start(String id) throws InterruptedException {
    return start(id, 0, SECRET, CONFIG, new RecordingInboundHandler());
  }

  Node start(
      String id,
      int port,
      byte[] secret,
      RaftTransportSettings config,
      RecordingInboundHandler inbox)
      throws InterruptedException {
    return start(id, port, secret, config, null, inbox);
  }

  /** A transport with TLS {@code tls} (plain text if null). */
  Node start(
      String id,
      int port,
      byte[] secret,
      RaftTransportSettings config,
      io.spindle.protocol.tls.ClusterTls tls,
      RecordingInboundHandler inbox)
      throws InterruptedException {
    NettyRaftTransport transport =
        new NettyRaftTransport(
            NodeId.of(id),
            new InetSocketAddress("127.0.0.1", port),
            secret,
            config,
            tls,
            threads(id));
    closers.push(transport::close);
    transport.start(inbox);
    return new Node(NodeId.of(id), transport, inbox);
  }

  RaftClient client(InetSocketAddress node, byte[] secret) {
    return client(node, secret, null);
  }

  RaftClient client(InetSocketAddress node, byte[] secret, io.spindle.protocol.tls.ClusterTls tls) {
    RaftClient client = new RaftClient(node, secret, CONFIG, tls, threads("client"));
    closers.push(client::close);
    return client;
  }

  /** Every node knows every other node's address. */
  static void meshed(Node... nodes) {
    Map<NodeId, InetSocketAddress> peers = new HashMap<>();
    for (Node n : nodes) {
      peers.put(n.id(), n.address());
    }
    for (Node n : nodes) {
      n.transport().setPeers(peers);
    }
  }

  /** Plain JDK threads, like the ManagedThreadFactory Payara hands in (not Netty's own). */
  static ThreadFactory threads(String name) {
    AtomicInteger count = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "raft-" + name + "-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  @Override
  public void close() {
    while (!closers.isEmpty()) {
      closers.pop().run();
    }
  }
}
