package io.spindle.node.infrastructure.membership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.discovery.AddNodeRequest;
import io.spindle.discovery.DiscoverySettings;
import io.spindle.discovery.HostPort;
import io.spindle.node.domain.MemberAddress;
import io.spindle.node.infrastructure.queue.LocalJobRunner;
import io.spindle.node.infrastructure.queue.QueueWorker;
import io.spindle.protocol.raft.ClientReply;
import io.spindle.protocol.raft.ClientRequest;
import io.spindle.queue.QueueServer;
import io.spindle.queue.QueueServerSettings;
import io.spindle.queue.service.ServiceSettings;
import io.spindle.raft.Configuration;
import io.spindle.raft.Member;
import io.spindle.raft.NodeId;
import io.spindle.raft.message.Message;
import io.spindle.raft.server.MemoryRaftStorage;
import io.spindle.raft.server.NettyPeerMessenger;
import io.spindle.raft.server.RaftDriver;
import io.spindle.raft.server.RaftNodeSettings;
import io.spindle.raft.server.RaftStatus;
import io.spindle.raft.server.kv.KeyValueStateMachine;
import io.spindle.raft.server.transport.InboundHandler;
import io.spindle.raft.server.transport.NettyRaftTransport;
import io.spindle.raft.server.transport.RaftTransportSettings;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scale-out end to end in one JVM: a real {@link QueueServer} with its discovery server in LOOPBACK
 * mode (multicast out of lo with TTL 0 and unicast to 127.0.0.1, on free ports: nothing leaves the
 * machine, nothing is broadcast), one bootstrap node, and two nodes started with no peers. Each
 * node is wired as {@code NodeRuntime} wires it, minus the container and the database: a {@link
 * RaftDriver} over a real {@link NettyRaftTransport}, {@link LocalJobRunner} and a {@link
 * QueueWorker}, the {@link LearnerPromoter}, and for the joining nodes a {@link DiscoveryJoiner}
 * that connects the worker to the queue server the edge list names. They must end up as a 3-voter
 * cluster that replicates a write, and the joining nodes must never lead a cluster of their own.
 */
class ScaleOutTest {
  private static final String CLUSTER = "scale-out";
  private static final byte[] SECRET =
      "scale-out-test-secret-0123456789abcdef".getBytes(StandardCharsets.UTF_8);

  @TempDir Path spool;
  private QueueServer server;
  private final List<TestNode> nodes = new ArrayList<>();

  @BeforeEach
  void startQueueServer() throws Exception {
    server =
        QueueServer.start(
            QueueServerSettings.defaults(new InetSocketAddress("127.0.0.1", 0), SECRET, spool)
                .withService(ServiceSettings.defaults("", CLUSTER)));
    server.startDiscovery(
        DiscoverySettings.builder(CLUSTER, SECRET).loopback().port(0).multicastPort(0).build());
  }

  @AfterEach
  void stop() {
    for (TestNode n : nodes) {
      n.close();
    }
    server.close();
  }

  private DiscoverySettings clientSettings() {
    return DiscoverySettings.builder(CLUSTER, SECRET)
        .loopback()
        .port(server.discovery().orElseThrow().unicastAddress().getPort())
        .multicastPort(server.discovery().orElseThrow().multicastAddress().orElseThrow().getPort())
        .retry(Duration.ofMillis(100), Duration.ofMillis(500))
        .build();
  }

  @Test
  void aBootstrapNodeAndTwoNodesWithoutPeersBecomeAThreeVoterCluster() throws Exception {
    threeVoters();
  }

  @Test
  void membersLeaveGracefullyAndPromptlyAndTheLastVoterStays() throws Exception {
    List<TestNode> cluster = threeVoters();
    TestNode n1 = cluster.get(0);
    TestNode n2 = cluster.get(1);
    TestNode n3 = cluster.get(2);

    // The removed node is told: it sees its removal committed well before the wait runs out.
    long start = System.nanoTime();
    assertEquals(
        GracefulLeave.Outcome.LEFT,
        n3.leave.leave(n3.driver, n3.worker::reportStatusNow, Duration.ofSeconds(10)));
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertTrue(millis < 3_000, "n3 left in " + millis + " ms");
    assertEquals(Set.of("n1", "n2"), voters(n1));
    n3.close();

    // The leader hands over first; the new leader removes it, and it sees that too.
    assertEquals(
        GracefulLeave.Outcome.LEFT,
        n1.leave.leave(n1.driver, n1.worker::reportStatusNow, Duration.ofSeconds(10)));
    await(
        Duration.ofSeconds(20),
        () -> n2.status().isLeader() && voters(n2).equals(Set.of("n2")),
        () -> "n2 leads alone: " + n2.status());
    n1.close();

    assertEquals(
        GracefulLeave.Outcome.STAYED,
        n2.leave.leave(n2.driver, n2.worker::reportStatusNow, Duration.ofSeconds(1)),
        "the last voter stays");
    n2.driver.propose(KeyValueStateMachine.put("after", new byte[] {1})).get(10, TimeUnit.SECONDS);
  }

  @Test
  void aRestartedMemberRejoinsUnderItsOldIdentityWithItsData() throws Exception {
    List<TestNode> cluster = threeVoters();
    TestNode n1 = cluster.get(0);
    TestNode n3 = cluster.get(2);
    Configuration before = n1.status().configuration();
    n3.close();
    n1.driver
        .propose(KeyValueStateMachine.put("while-down", new byte[] {2}))
        .get(10, TimeUnit.SECONDS);

    n3.restart();
    assertTrue(n3.stateMachine.contents().containsKey("k"), "n3 kept its data");
    await(
        Duration.ofSeconds(30),
        () -> n3.stateMachine.contents().containsKey("while-down"),
        () -> "n3 caught up as a member: " + n3.status());
    await(Duration.ofSeconds(10), n3.joiner::joined, () -> "n3 knows it is a member");
    assertEquals(before, n1.status().configuration(), "no member was added or changed");
    assertTrue(n3.status().configuration().isVoter(NodeId.of("n3")), "n3 is the same voter");
  }

  private static Set<String> voters(TestNode n) {
    return n.status().configuration().voterIds().stream()
        .map(NodeId::value)
        .collect(Collectors.toSet());
  }

  /**
   * A bootstrap node n1, then n2 and n3 without peers: a 3-voter cluster that replicated a write.
   */
  private List<TestNode> threeVoters() throws Exception {
    TestNode n1 = start("n1", true);
    await(Duration.ofSeconds(20), () -> n1.status().isLeader(), () -> "n1 leads: " + n1.status());

    TestNode n2 = start("n2", false);
    TestNode n3 = start("n3", false);
    assertEquals(Configuration.empty(), n2.status().configuration(), "n2 starts empty");
    assertTrue(
        n2.joiner.describe().contains("discovery server of cluster")
            || n2.joiner.describe().contains("found cluster"),
        n2.joiner.describe());

    await(
        Duration.ofSeconds(60),
        () -> n1.status().configuration().voterIds().size() == 3,
        () -> "three voters: " + nodes);
    assertEquals(
        Set.of("n1", "n2", "n3"),
        n1.status().configuration().voterIds().stream()
            .map(NodeId::value)
            .collect(Collectors.toSet()));
    assertTrue(n1.status().configuration().learners().isEmpty());
    for (Member m : n1.status().configuration().all()) {
      MemberAddress a = MemberAddress.parse(m.address());
      assertTrue(a.raftAddress().startsWith("127.0.0.1:"), m.toString());
    }

    n1.driver
        .propose(KeyValueStateMachine.put("k", "v".getBytes(StandardCharsets.UTF_8)))
        .get(10, TimeUnit.SECONDS);
    for (TestNode n : List.of(n1, n2, n3)) {
      await(
          Duration.ofSeconds(10),
          () -> n.stateMachine.contents().containsKey("k"),
          () -> n.id + " applied the write: " + n.status());
    }
    for (TestNode n : List.of(n2, n3)) {
      assertFalse(n.everLed, n.id + " never led");
      assertEquals(NodeId.of("n1"), n.status().leader().orElseThrow());
      await(Duration.ofSeconds(5), n.joiner::joined, () -> n.id + " knows it joined");
      assertTrue(n.joiner.describe().contains("a member of cluster"), n.joiner.describe());
    }
    return List.of(n1, n2, n3);
  }

  // ---------------------------------------------------------------- a node, wired as NodeRuntime

  private TestNode start(String id, boolean bootstrap) throws Exception {
    TestNode n = new TestNode(NodeId.of(id), nodes.size());
    nodes.add(n);
    n.start(bootstrap);
    return n;
  }

  private final class TestNode implements AutoCloseable {
    final NodeId id;
    final URI httpUrl;
    final KeyValueStateMachine stateMachine = new KeyValueStateMachine();
    final MemoryRaftStorage storage = new MemoryRaftStorage();
    int raftPort;
    NettyRaftTransport transport;
    volatile RaftDriver driver;
    LearnerPromoter promoter;
    LocalJobRunner jobs;
    volatile QueueWorker worker;
    boolean closed;
    DiscoveryJoiner joiner;
    volatile boolean everLed;
    final GracefulLeave leave = new GracefulLeave();

    TestNode(NodeId id, int index) {
      this.id = id;
      this.httpUrl = URI.create("http://127.0.0.1:" + (3000 + index));
    }

    RaftStatus status() {
      RaftStatus s = driver.status();
      if (s.isLeader()) {
        everLed = true;
      }
      return s;
    }

    void start(boolean bootstrap) throws Exception {
      transport =
          new NettyRaftTransport(
              id,
              new InetSocketAddress("127.0.0.1", raftPort),
              SECRET,
              RaftTransportSettings.defaults(),
              threads("net-" + id + "-"));
      transport.start(
          new InboundHandler() {
            @Override
            public void onMessage(Message message) {
              RaftDriver d = driver;
              if (d != null) {
                d.deliver(message);
              }
            }

            @Override
            public void onClientRequest(ClientRequest request, Consumer<ClientReply> reply) {
              reply.accept(
                  ClientReply.newBuilder()
                      .setRequestId(request.getRequestId())
                      .setStatus(ClientReply.Status.ERROR)
                      .setError("no clients here")
                      .build());
            }
          });
      raftPort = transport.localAddress().getPort();
      String raft = "127.0.0.1:" + raftPort;
      List<Member> initial =
          bootstrap
              ? List.of(new Member(id, new MemberAddress(raft, httpUrl).encode()))
              : List.of();
      driver =
          RaftDriver.start(
              RaftNodeSettings.defaults(id, initial),
              storage,
              stateMachine,
              new NettyPeerMessenger(id, transport),
              threads("driver-" + id + "-"));
      Membership membership =
          new Membership(driver, PromotionPolicy.defaults(), Duration.ofSeconds(10));
      promoter =
          new LearnerPromoter(membership, Duration.ofMillis(200), threads("promoter-" + id + "-"))
              .start();
      Supplier<RaftStatus> status = this::status;
      jobs =
          new LocalJobRunner(
              null,
              null,
              status,
              raft,
              httpUrl,
              membership,
              leave::requested,
              LocalJobRunner.DEFAULT_MAX_FILE_BYTES,
              io.spindle.node.application.StorageWatermark.ALWAYS_ROOM);
      if (bootstrap) {
        startWorker(server.localAddress());
      } else {
        joiner =
            new DiscoveryJoiner(
                    clientSettings(),
                    new AddNodeRequest(
                        id.value(), HostPort.parse(raft), httpUrl, storage.log().lastIndex() > 0),
                    status,
                    edges ->
                        startWorker(
                            new InetSocketAddress(
                                edges.queueServer().host(), edges.queueServer().port())),
                    Duration.ofSeconds(30),
                    threads("discovery-" + id + "-"))
                .start();
      }
    }

    synchronized void startWorker(InetSocketAddress queueServer) {
      if (worker != null) {
        return;
      }
      worker =
          new QueueWorker(
              id.value(),
              QueueWorker.Settings.defaults(List.of(queueServer), CLUSTER, SECRET),
              jobs,
              jobs::nodeStatus,
              threads("worker-" + id + "-"));
      worker.start();
    }

    /** Stops as a crash would, then starts again on its old port with its storage and data. */
    synchronized void restart() throws Exception {
      close();
      closed = false;
      worker = null;
      joiner = null;
      start(false);
    }

    @Override
    public synchronized void close() {
      if (closed) {
        return;
      }
      closed = true;
      if (joiner != null) {
        joiner.close();
      }
      if (promoter != null) {
        promoter.close();
      }
      if (worker != null) {
        worker.close();
      }
      if (driver != null) {
        driver.halt();
      }
      if (transport != null) {
        transport.close();
      }
    }

    @Override
    public String toString() {
      RaftDriver d = driver;
      return d == null ? id + "(not started)" : d.status().toString();
    }
  }

  // ---------------------------------------------------------------- helpers

  private void await(Duration timeout, BooleanSupplier condition, Supplier<String> what)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      for (TestNode n : nodes) {
        if (n.driver != null) {
          n.status(); // records whether it ever led
        }
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what.get());
      }
      Thread.sleep(50);
    }
  }

  private static ThreadFactory threads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
