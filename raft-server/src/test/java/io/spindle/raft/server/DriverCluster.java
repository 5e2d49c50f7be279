package io.spindle.raft.server;

import io.spindle.protocol.raft.ClientReply;
import io.spindle.protocol.raft.ClientRequest;
import io.spindle.raft.Configuration;
import io.spindle.raft.Member;
import io.spindle.raft.NodeId;
import io.spindle.raft.message.Message;
import io.spindle.raft.server.kv.KeyValueStateMachine;
import io.spindle.raft.server.transport.InboundHandler;
import io.spindle.raft.server.transport.NettyRaftTransport;
import io.spindle.raft.server.transport.RaftTransport;
import io.spindle.raft.server.transport.RaftTransportSettings;
import io.spindle.testkit.Await;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * Several {@link RaftDriver}s in one JVM, each with its own storage and {@link
 * KeyValueStateMachine}, connected either by real {@link NettyRaftTransport}s on 127.0.0.1 or by an
 * in-memory network; storage is durable (files under a root) or in memory. Nodes can be crashed
 * (driver halted, network cut) and restarted on the same storage and port.
 */
final class DriverCluster implements AutoCloseable {
  enum Network {
    NETTY,
    MEMORY
  }

  static final byte[] SECRET = "driver-cluster-test-secret".getBytes(StandardCharsets.UTF_8);

  final class Node {
    final NodeId id;
    volatile RaftDriver driver;
    volatile KeyValueStateMachine stateMachine;
    RaftStorage storage;
    RaftTransport transport;
    int port;
    volatile boolean up;

    Node(NodeId id) {
      this.id = id;
    }

    RaftStatus status() {
      return driver.status();
    }

    @Override
    public String toString() {
      RaftDriver d = driver;
      return d == null ? id + "(not started)" : d.status().toString();
    }
  }

  private final Network network;
  private final Path root;
  private final UnaryOperator<RaftNodeSettings> tuning;

  /** What the drivers apply to: the node's key-value machine, or something wrapped around it. */
  private volatile UnaryOperator<StateMachine> machines = UnaryOperator.identity();

  private final Map<NodeId, Node> nodes = new LinkedHashMap<>();
  private final List<Member> members = new ArrayList<>();
  private final ScheduledExecutorService retries =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "test-retries");
            t.setDaemon(true);
            return t;
          });

  private DriverCluster(Network network, Path root, UnaryOperator<RaftNodeSettings> tuning) {
    this.network = network;
    this.root = root;
    this.tuning = tuning;
  }

  /**
   * Starts {@code size} nodes.
   *
   * @param root where durable storage goes (one directory per node), or null for memory storage
   */
  static DriverCluster start(
      int size, Network network, Path root, UnaryOperator<RaftNodeSettings> tuning)
      throws InterruptedException {
    return start(size, network, root, tuning, UnaryOperator.identity());
  }

  /** Like the above; each driver applies to {@code machines} of its node's key-value machine. */
  static DriverCluster start(
      int size,
      Network network,
      Path root,
      UnaryOperator<RaftNodeSettings> tuning,
      UnaryOperator<StateMachine> machines)
      throws InterruptedException {
    DriverCluster cluster = new DriverCluster(network, root, tuning);
    cluster.machines = machines;
    try {
      for (int i = 1; i <= size; i++) {
        NodeId id = NodeId.of("n" + i);
        Node node = cluster.new Node(id);
        cluster.nodes.put(id, node);
        cluster.openTransport(node, 0);
        cluster.members.add(new Member(id, "127.0.0.1:" + node.port));
      }
      for (Node node : cluster.nodes.values()) {
        cluster.startDriver(node);
      }
    } catch (RuntimeException | InterruptedException e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  private static final AtomicInteger MEMORY_PORTS = new AtomicInteger(1);

  private void openTransport(Node node, int port) throws InterruptedException {
    if (network == Network.MEMORY) {
      node.port = port != 0 ? port : MEMORY_PORTS.getAndIncrement();
      return;
    }
    NettyRaftTransport transport =
        new NettyRaftTransport(
            node.id,
            new InetSocketAddress("127.0.0.1", port),
            SECRET,
            RaftTransportSettings.defaults(),
            threads("net-" + node.id + "-"));
    transport.start(
        new InboundHandler() {
          @Override
          public void onMessage(Message message) {
            RaftDriver d = node.driver;
            if (d != null && node.up) {
              d.deliver(message);
            }
          }

          @Override
          public void onClientRequest(ClientRequest request, Consumer<ClientReply> reply) {
            reply.accept(
                ClientReply.newBuilder()
                    .setRequestId(request.getRequestId())
                    .setStatus(ClientReply.Status.ERROR)
                    .setError("no clients in this test")
                    .build());
          }
        });
    node.transport = transport;
    node.port = transport.localAddress().getPort();
  }

  private void startDriver(Node node) {
    node.storage = root == null ? new MemoryRaftStorage() : openDurable(node.id);
    node.stateMachine = new KeyValueStateMachine();
    PeerMessenger messenger =
        network == Network.NETTY
            ? new NettyPeerMessenger(node.id, node.transport)
            : new MemoryMessenger(node);
    RaftNodeSettings settings = tuning.apply(RaftNodeSettings.defaults(node.id, members));
    node.up = true;
    node.driver =
        RaftDriver.start(
            settings,
            node.storage,
            machines.apply(node.stateMachine),
            messenger,
            threads("driver-" + node.id));
  }

  private RaftStorage openDurable(NodeId id) {
    return DurableRaftStorage.open(root.resolve(id.value()));
  }

  /** Delivers in memory to nodes that are up; messages to or from a crashed node are lost. */
  private final class MemoryMessenger implements PeerMessenger {
    private final Node self;

    MemoryMessenger(Node self) {
      this.self = self;
    }

    @Override
    public void send(Message message) {
      Node to = nodes.get(message.to());
      if (self.up && to != null && to.up && to.driver != null) {
        to.driver.deliver(message);
      }
    }

    @Override
    public void updatePeers(Configuration configuration) {}
  }

  private static ThreadFactory threads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  // ---------------------------------------------------------------- faults

  /** Stops a node as abruptly as the driver allows: no hand-over, network cut, storage closed. */
  void crash(NodeId id) {
    Node node = nodes.get(id);
    node.up = false;
    node.driver.halt();
    if (node.transport != null) {
      node.transport.close();
      node.transport = null;
    }
    node.storage.close();
  }

  /** Restarts a crashed node on its storage (and port), with a fresh state machine. */
  void restart(NodeId id) throws InterruptedException {
    Node node = nodes.get(id);
    if (node.up) {
      throw new IllegalStateException(id + " is up");
    }
    RaftStorage memory = root == null ? node.storage : null;
    openTransport(node, node.port);
    if (memory != null) {
      node.stateMachine = new KeyValueStateMachine();
      node.up = true;
      node.driver =
          RaftDriver.start(
              tuning.apply(RaftNodeSettings.defaults(node.id, members)),
              memory,
              machines.apply(node.stateMachine),
              network == Network.NETTY
                  ? new NettyPeerMessenger(node.id, node.transport)
                  : new MemoryMessenger(node),
              threads("driver-" + node.id));
    } else {
      startDriver(node);
    }
  }

  // ---------------------------------------------------------------- queries

  Node node(NodeId id) {
    return nodes.get(id);
  }

  List<Node> nodes() {
    return List.copyOf(nodes.values());
  }

  List<Node> upNodes() {
    return nodes.values().stream().filter(n -> n.up).collect(Collectors.toList());
  }

  /** The running leader of the highest term, if any. */
  Optional<Node> leader() {
    return upNodes().stream()
        .filter(n -> n.status().isLeader())
        .max(Comparator.comparingLong(n -> n.status().term()));
  }

  /**
   * Waits until a running leader exists that every running node follows in the same term, and
   * returns it.
   */
  Node awaitLeader(Duration timeout) {
    Node[] found = new Node[1];
    Await.until(
        timeout,
        "every running node follows one leader",
        () -> {
          Optional<Node> leader = leader();
          if (leader.isEmpty()) {
            return false;
          }
          RaftStatus ls = leader.get().status();
          for (Node n : upNodes()) {
            RaftStatus s = n.status();
            if (s.term() != ls.term() || !s.leader().equals(Optional.of(leader.get().id))) {
              return false;
            }
          }
          found[0] = leader.get();
          return true;
        },
        this::describe);
    return found[0];
  }

  /** Waits until every running node has applied at least {@code index}. */
  void awaitApplied(long index, Duration timeout) {
    Await.until(
        timeout,
        "every running node applied " + index,
        () -> upNodes().stream().allMatch(n -> n.status().appliedIndex() >= index),
        this::describe);
  }

  String describe() {
    return nodes.values().stream()
        .map(Node::toString)
        .collect(Collectors.joining("\n  ", "\n  ", ""));
  }

  // ---------------------------------------------------------------- a client that follows the
  // leader

  /**
   * Writes {@code key=value} through whichever node leads, following NotLeader hints and retrying
   * transient failures until {@code timeout}. A put is idempotent, so retrying a write whose
   * outcome is unknown is safe here.
   */
  CompletableFuture<Applied> write(String key, byte[] value, Duration timeout) {
    CompletableFuture<Applied> result = new CompletableFuture<>();
    byte[] command = KeyValueStateMachine.put(key, value);
    attemptWrite(command, preferredNode(), System.nanoTime() + timeout.toNanos(), result, null);
    return result;
  }

  private Node preferredNode() {
    return leader().orElseGet(() -> upNodes().get(0));
  }

  private void attemptWrite(
      byte[] command,
      Node target,
      long deadline,
      CompletableFuture<Applied> result,
      Throwable last) {
    if (System.nanoTime() - deadline >= 0) {
      result.completeExceptionally(new AssertionError("write did not succeed in time", last));
      return;
    }
    RaftDriver d = target.driver;
    d.submit(command)
        .whenComplete(
            (applied, error) -> {
              if (error == null) {
                result.complete(applied);
                return;
              }
              Throwable cause = error instanceof CompletionException ? error.getCause() : error;
              Node next = nextTarget(target, cause);
              long delay =
                  cause instanceof NotLeaderException nl && nl.leaderHint().isPresent() ? 0 : 5;
              retries.schedule(
                  () -> attemptWrite(command, next, deadline, result, cause),
                  delay,
                  TimeUnit.MILLISECONDS);
            });
  }

  private Node nextTarget(Node current, Throwable cause) {
    if (cause instanceof NotLeaderException nl && nl.leaderHint().isPresent()) {
      Node hinted = nodes.get(nl.leaderHint().get());
      if (hinted != null && hinted.up) {
        return hinted;
      }
    }
    Optional<Node> leader = leader();
    if (leader.isPresent()) {
      return leader.get();
    }
    List<Node> up = upNodes();
    int i = up.indexOf(current);
    return up.get((i + 1) % up.size());
  }

  @Override
  public void close() {
    retries.shutdownNow();
    for (Node node : nodes.values()) {
      node.up = false;
      if (node.driver != null) {
        node.driver.halt();
      }
      if (node.transport != null) {
        node.transport.close();
      }
      if (node.storage != null) {
        node.storage.close();
      }
    }
  }
}
