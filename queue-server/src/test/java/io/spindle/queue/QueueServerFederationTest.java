package io.spindle.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.protocol.federation.RouteMember;
import io.spindle.protocol.queue.ClientHello;
import io.spindle.protocol.queue.Clusters;
import io.spindle.protocol.queue.ClustersResult;
import io.spindle.protocol.queue.ErrorCode;
import io.spindle.protocol.queue.Hop;
import io.spindle.protocol.queue.Job;
import io.spindle.protocol.queue.JobResult;
import io.spindle.protocol.queue.NodeRole;
import io.spindle.protocol.queue.Ping;
import io.spindle.protocol.queue.PingJob;
import io.spindle.protocol.queue.PingResult;
import io.spindle.protocol.queue.QueueFrame;
import io.spindle.protocol.queue.QueueProtocol;
import io.spindle.protocol.queue.QueueView;
import io.spindle.protocol.queue.Read;
import io.spindle.protocol.queue.Reply;
import io.spindle.protocol.queue.Request;
import io.spindle.protocol.queue.RouteView;
import io.spindle.protocol.queue.Status;
import io.spindle.protocol.queue.StatusResult;
import io.spindle.queue.testing.FakeCluster;
import io.spindle.queue.testing.FrameIO;
import io.spindle.queue.testing.TestClient;
import io.spindle.queue.testing.TestNode;
import io.spindle.queue.testing.TestServers;
import io.spindle.testkit.Await;
import io.spindle.testkit.LogCapture;
import io.spindle.testkit.ManualClock;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The queue server's side of the global ping: another cluster's leader proves the federation secret
 * (FederationHello) and forwards a ping, which is queued for this cluster's leader; its answer
 * comes back with this queue server's own hop first. Real sockets, a queue server in this JVM, test
 * nodes standing in for the cluster.
 */
class QueueServerFederationTest {
  private static final String THIS_CLUSTER = "test-cluster";
  private static final String OTHER_CLUSTER = "cluster-b";
  private static final String OTHER_LEADER = "b1";

  @TempDir Path spool;
  private final ManualClock clock = new ManualClock();
  private final FakeCluster cluster = new FakeCluster();
  private final List<AutoCloseable> open = new ArrayList<>();
  private QueueServer server;
  private LogCapture log;

  @BeforeEach
  void start() throws IOException {
    log = LogCapture.start("io.spindle.queue");
    cluster.addMember("n1", "http://127.0.0.1:3000");
    cluster.addMember("n2", "http://127.0.0.1:3001");
    server = startServer(TestServers.FEDERATION_SECRET);
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    if (server != null) {
      server.close();
    }
    log.close();
  }

  private QueueServer startServer(byte[] federationSecret) throws IOException {
    return TestServers.start(
        TestServers.config(spool).withFederationSecret(federationSecret), clock);
  }

  private TestNode node(String id, NodeRole role, long term) throws IOException {
    TestNode n = TestNode.start(server.localAddress(), id, TestServers.SECRET, cluster, role, term);
    open.add(n);
    return n;
  }

  private TestClient member() throws IOException {
    TestClient c =
        TestClient.connectFederation(
            server.localAddress(), OTHER_CLUSTER, OTHER_LEADER, TestServers.FEDERATION_SECRET);
    open.add(c);
    return c;
  }

  private TestClient client() throws IOException {
    TestClient c = TestClient.connect(server.localAddress());
    open.add(c);
    return c;
  }

  private static String rid() {
    return UUID.randomUUID().toString();
  }

  private static Request ping(String rid, Ping.Builder ping) {
    return Request.newBuilder().setRequestId(rid).setPing(ping).build();
  }

  private static Ping.Builder forwarded() {
    return Ping.newBuilder().setOriginCluster(OTHER_CLUSTER);
  }

  private static void assertDenied(Reply r, String fragment) {
    assertTrue(r.hasError(), () -> "expected PERMISSION_DENIED, got " + r);
    assertEquals(ErrorCode.PERMISSION_DENIED, r.getError().getCode(), r.getError().getMessage());
    assertTrue(r.getError().getMessage().contains(fragment), r.getError().getMessage());
  }

  /** Whether the queue server holds no job at all: none queued, none leased. */
  private boolean holdsNoJob() {
    StatusResult status = server.status();
    return status.getLeasesCount() == 0
        && status.getQueuesList().stream().allMatch(q -> q.getDepth() == 0 && q.getLeased() == 0);
  }

  // ---- (a) a forwarded ping ----

  @Test
  void aForwardedPingIsQueuedForTheLeaderAndAnsweredWithThisQueueServersHopFirst()
      throws IOException {
    TestNode follower = node("n2", NodeRole.FOLLOWER, 4);
    TestNode leader = node("n1", NodeRole.LEADER, 4);
    leader.hold(true);
    follower.hold(true);
    TestClient member = member();
    assertEquals(THIS_CLUSTER, member.welcome().getClusterId());
    String rid = rid();

    long sent = System.nanoTime();
    member.send(
        ping(
            rid,
            forwarded().setTargetCluster(THIS_CLUSTER).setHopLimit(7).setClusterTimeoutMs(1500)));
    Await.until(() -> leader.held.size() == 1, () -> "the leader holds the forwarded ping");

    Job job = leader.received.get(0);
    assertEquals(rid, job.getRequestId());
    assertEquals(
        PingJob.newBuilder()
            .setTargetCluster(THIS_CLUSTER)
            .setOriginCluster(OTHER_CLUSTER)
            .setHopLimit(7)
            .setClusterTimeoutMs(1500)
            .build(),
        job.getPing(),
        "every field of the ping reaches the leader");
    assertTrue(follower.received.isEmpty(), "a ping is a leader job");

    leader.sendRaw(
        QueueFrame.newBuilder()
            .setJobResult(
                JobResult.newBuilder()
                    .setJobId(job.getJobId())
                    .setRequestId(rid)
                    .setPing(
                        PingResult.newBuilder()
                            .addHops(
                                Hop.newBuilder()
                                    .setName("n1")
                                    .setClusterId(THIS_CLUSTER)
                                    .setKind("leader")
                                    .setReached(true))
                            .addHops(
                                Hop.newBuilder()
                                    .setName("n2")
                                    .setClusterId(THIS_CLUSTER)
                                    .setKind("member")
                                    .setReached(true)
                                    .setRttMicros(77))))
            .build());
    Reply reply = member.next(rid);
    long elapsedMicros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - sent);

    assertTrue(reply.hasPing(), reply.toString());
    List<Hop> hops = reply.getPing().getHopsList();
    assertEquals(3, hops.size(), hops.toString());
    Hop own = hops.get(0);
    assertEquals("queue-server", own.getKind());
    assertEquals(server.service().config().serverId(), own.getName());
    assertEquals(server.service().config().advertisedAddress(), own.getAddress());
    assertEquals(
        server.localAddress().getPort(),
        Integer.parseInt(own.getAddress().replaceAll(".*:", "")),
        "its address is where it listens");
    assertEquals(THIS_CLUSTER, own.getClusterId());
    assertTrue(own.getReached());
    assertEquals(0, own.getRttMicros(), "the caller fills in its own round trip to here");

    Hop leaderHop = hops.get(1);
    assertEquals("n1", leaderHop.getName());
    assertTrue(
        leaderHop.getRttMicros() > 0 && leaderHop.getRttMicros() <= elapsedMicros,
        () ->
            "the leader's round trip is measured here, between 0 and the "
                + elapsedMicros
                + " µs the member waited: "
                + leaderHop.getRttMicros());
    assertEquals(hopOf(77, "n2"), hops.get(2), "the other hops are the node's");
  }

  private static Hop hopOf(long rtt, String name) {
    return Hop.newBuilder()
        .setName(name)
        .setClusterId(THIS_CLUSTER)
        .setKind("member")
        .setReached(true)
        .setRttMicros(rtt)
        .build();
  }

  @Test
  void aClientsPingAlsoGetsThisQueueServersHopFirstAndCarriesEveryField() throws IOException {
    TestNode leader = node("n1", NodeRole.LEADER, 1);
    TestClient c = client();

    Reply reply = c.call(ping(rid(), Ping.newBuilder().setAllClusters(true).setHopLimit(3)));

    assertEquals("queue-server", reply.getPing().getHops(0).getKind());
    assertEquals("n1", reply.getPing().getHops(1).getName());
    PingJob job = leader.received.get(0).getPing();
    assertTrue(job.getAllClusters());
    assertEquals(3, job.getHopLimit());
    assertEquals("", job.getOriginCluster());
  }

  // ---- (b) a wrong secret ----

  @Test
  void aMemberWithAnotherFederationSecretIsRefusedAndNothingItSentIsQueued() throws IOException {
    TestNode leader = node("n1", NodeRole.LEADER, 1);
    byte[] wrong = "another-federation-secret-0123456789".getBytes(StandardCharsets.UTF_8);
    try (Socket socket = new Socket()) {
      socket.connect(server.localAddress(), 5_000);
      socket.setSoTimeout(10_000);
      InputStream in = new BufferedInputStream(socket.getInputStream());
      OutputStream out = new BufferedOutputStream(socket.getOutputStream());

      TestNode.RefusedException refused =
          assertThrows(
              TestNode.RefusedException.class,
              () -> TestClient.federationHandshake(in, out, OTHER_CLUSTER, OTHER_LEADER, wrong));
      assertTrue(
          refused.getMessage().contains("different federation secrets"), refused.getMessage());

      // A ping sent anyway, as if the proof had passed, is never read as a request.
      try {
        FrameIO.write(out, QueueFrame.newBuilder().setRequest(ping(rid(), forwarded())).build());
      } catch (IOException closedAlready) {
        // the server may have closed it by now
      }
      assertThrows(EOFException.class, () -> readUntilClosed(in), "the server closes it");
    }
    assertTrue(holdsNoJob(), "nothing was queued");
    assertTrue(leader.received.isEmpty());
    assertTrue(
        log.contains(Level.WARNING, "did not prove the federation secret", OTHER_CLUSTER),
        log.messages(Level.WARNING).toString());
    String secretText = new String(TestServers.FEDERATION_SECRET, StandardCharsets.UTF_8);
    String wrongText = new String(wrong, StandardCharsets.UTF_8);
    assertTrue(
        log.messages(Level.ALL).stream()
            .noneMatch(m -> m.contains(secretText) || m.contains(wrongText)),
        "no secret is logged");
  }

  /** Reads frames until the connection closes (EOFException), at most a few. */
  private static void readUntilClosed(InputStream in) throws IOException {
    for (int i = 0; i < 10; i++) {
      FrameIO.read(in, QueueProtocol.DEFAULT_MAX_FRAME_SIZE);
    }
  }

  @Test
  void aMemberThatSaysItIsOfThisClusterOrGivesABadIdIsRefused() {
    for (String[] who :
        new String[][] {
          {THIS_CLUSTER, "b1", "the cluster this queue server serves"},
          {"", "b1", "gave no cluster id"},
          {"cluster b", "b1", "cluster id with a control or space character"},
          {OTHER_CLUSTER, "", "gave no node id"},
          {OTHER_CLUSTER, "x".repeat(256), "node id of 256 characters"},
        }) {
      TestNode.RefusedException refused =
          assertThrows(
              TestNode.RefusedException.class,
              () ->
                  TestClient.connectFederation(
                      server.localAddress(), who[0], who[1], TestServers.FEDERATION_SECRET),
              () -> "cluster '" + who[0] + "', node '" + who[1] + "'");
      assertTrue(refused.getMessage().contains(who[2]), refused.getMessage());
    }
  }

  // ---- (c) what a federation member may send ----

  @Test
  void aFederationMemberMayOnlyPingThisCluster() throws IOException {
    TestNode leader = node("n1", NodeRole.LEADER, 1);
    leader.hold(true);
    TestClient member = member();
    List<Request> refused =
        List.of(
            Request.newBuilder()
                .setRequestId(rid())
                .setRead(Read.newBuilder().setName("docs/a.txt"))
                .build(),
            Request.newBuilder().setRequestId(rid()).setStatus(Status.getDefaultInstance()).build(),
            Request.newBuilder()
                .setRequestId(rid())
                .setClusters(Clusters.getDefaultInstance())
                .build(),
            ping(rid(), forwarded().setTargetCluster("cluster-c")),
            ping(rid(), forwarded().setAllClusters(true)),
            ping(rid(), Ping.newBuilder()),
            ping(rid(), Ping.newBuilder().setOriginCluster("cluster-c")));
    for (Request r : refused) {
      assertDenied(member.call(r), "a federation member may only ping this cluster");
    }
    assertFalse(member.isClosed(), "a refused request does not close the connection");

    // The one request it may send still goes through on the same connection.
    String rid = rid();
    member.send(ping(rid, forwarded()));
    Await.until(() -> leader.held.size() == 1, () -> "the leader holds the allowed ping");
    assertEquals(1, leader.received.size(), "only the allowed ping was queued");
    assertEquals(OTHER_CLUSTER, leader.received.get(0).getPing().getOriginCluster());
  }

  // ---- (d) a client may not forward ----

  @Test
  void aClientMayNotForwardAPing() throws IOException {
    TestNode leader = node("n1", NodeRole.LEADER, 1);
    TestClient c = client();

    assertDenied(
        c.call(ping(rid(), forwarded())),
        "only another cluster's leader, proving the federation secret, may forward a ping");
    assertDenied(
        c.call(ping(rid(), Ping.newBuilder().setOriginCluster(THIS_CLUSTER))),
        "only another cluster's leader");

    assertTrue(holdsNoJob(), "nothing was queued");
    assertTrue(leader.received.isEmpty());
    // A ping to another cluster (the leader forwards it) is a client's to ask for.
    Reply toB = c.call(ping(rid(), Ping.newBuilder().setTargetCluster(OTHER_CLUSTER)));
    assertTrue(toB.hasPing(), toB.toString());
    assertEquals(OTHER_CLUSTER, leader.received.get(0).getPing().getTargetCluster());
  }

  // ---- (e) a queue server in no federation ----

  @Test
  void aQueueServerWithoutAFederationSecretRefusesFederationMembers() throws Exception {
    server.close();
    server = null;
    server = startServer(null);

    TestNode.RefusedException refused =
        assertThrows(
            TestNode.RefusedException.class,
            () ->
                TestClient.connectFederation(
                    server.localAddress(),
                    OTHER_CLUSTER,
                    OTHER_LEADER,
                    TestServers.FEDERATION_SECRET));
    assertTrue(
        refused.getMessage().contains("this queue server is in no federation (it was started"),
        refused.getMessage());
    // Clients are served as before.
    try (TestClient c = TestClient.connect(server.localAddress())) {
      assertTrue(c.welcome().getMaxFrameSize() > 0);
    }
  }

  @Test
  void aClientHelloInTheMiddleOfAFederationHandshakeIsRefused() throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(server.localAddress(), 5_000);
      socket.setSoTimeout(10_000);
      InputStream in = new BufferedInputStream(socket.getInputStream());
      OutputStream out = new BufferedOutputStream(socket.getOutputStream());
      FrameIO.write(
          out,
          QueueFrame.newBuilder()
              .setFederationHello(
                  io.spindle.protocol.queue.FederationHello.newBuilder()
                      .setProtocolVersion(QueueProtocol.VERSION)
                      .setClusterId(OTHER_CLUSTER)
                      .setNodeId(OTHER_LEADER)
                      .setNonce(com.google.protobuf.ByteString.copyFrom(new byte[32])))
              .build());
      assertTrue(FrameIO.read(in, QueueProtocol.MAX_HANDSHAKE_FRAME_SIZE).hasFederationChallenge());
      FrameIO.write(
          out,
          QueueFrame.newBuilder()
              .setClientHello(
                  ClientHello.newBuilder()
                      .setProtocolVersion(QueueProtocol.VERSION)
                      .setToken(TestServers.TOKEN))
              .build());
      QueueFrame goodbye = FrameIO.read(in, QueueProtocol.MAX_HANDSHAKE_FRAME_SIZE);
      assertTrue(goodbye.hasClientGoodbye(), goodbye.toString());
      assertTrue(
          goodbye.getClientGoodbye().getReason().contains("middle of a federation handshake"),
          goodbye.getClientGoodbye().getReason());
    }
  }

  // ---- (f) the route table ----

  @Test
  void aClustersRequestIsASharedJobAndItsResultIsTheReply() throws IOException {
    TestNode follower = node("n2", NodeRole.FOLLOWER, 1);
    follower.hold(true);
    TestClient c = client();
    String rid = rid();

    c.send(
        Request.newBuilder().setRequestId(rid).setClusters(Clusters.getDefaultInstance()).build());
    Await.until(() -> follower.held.size() == 1, () -> "a follower holds the clusters job");
    Job job = follower.received.get(0);
    assertTrue(job.hasClusters(), job.toString());
    QueueView shared =
        server.status().getQueuesList().stream()
            .filter(q -> q.getName().equals("shared"))
            .findFirst()
            .orElseThrow();
    assertEquals(1, shared.getLeased(), "it is a shared job");
    assertEquals("clusters", server.status().getLeases(0).getKind());

    ClustersResult table =
        ClustersResult.newBuilder()
            .setClusterId(THIS_CLUSTER)
            .setRedis("127.0.0.1:6379")
            .addRoutes(
                RouteView.newBuilder()
                    .setClusterId(OTHER_CLUSTER)
                    .setLeaderId(OTHER_LEADER)
                    .setTerm(9)
                    .addMembers(
                        RouteMember.newBuilder()
                            .setNodeId(OTHER_LEADER)
                            .setRaftAddress("10.0.0.2:9000")
                            .setRole("leader"))
                    .addQueueServers("10.0.0.2:4000")
                    .setAgeMs(1200)
                    .setReachable(true))
            .build();
    follower.sendRaw(
        QueueFrame.newBuilder()
            .setJobResult(
                JobResult.newBuilder()
                    .setJobId(job.getJobId())
                    .setRequestId(rid)
                    .setClusters(table))
            .build());

    Reply reply = c.next(rid);
    assertTrue(reply.hasClusters(), reply.toString());
    assertEquals(table, reply.getClusters());
  }
}
