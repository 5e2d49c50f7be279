package io.spindle.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.discovery.AddNodeRequest;
import io.spindle.discovery.DiscoveryClient;
import io.spindle.discovery.DiscoverySettings;
import io.spindle.discovery.EdgeList;
import io.spindle.discovery.HostPort;
import io.spindle.protocol.queue.Job;
import io.spindle.protocol.queue.NodeRole;
import io.spindle.protocol.queue.StatusResult;
import io.spindle.queue.testing.FakeCluster;
import io.spindle.queue.testing.TestNode;
import io.spindle.queue.testing.TestServers;
import io.spindle.testkit.Await;
import io.spindle.testkit.ManualClock;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Announcements become JOIN jobs for the leader: one outstanding per node, none for a member; the
 * discovery server answers with the edge list built from the nodes' reports. Discovery runs in
 * LOOPBACK mode on free ports (multicast out of lo with TTL 0 and unicast to 127.0.0.1 only).
 */
class QueueServerJoinTest {
  @TempDir Path spool;
  private final FakeCluster cluster = new FakeCluster();
  private QueueServer server;
  private TestNode leader;

  @BeforeEach
  void start() throws IOException {
    cluster.addMember("n1", "http://127.0.0.1:3000");
    cluster.addMember("n2", "http://127.0.0.1:3001");
    server = TestServers.start(TestServers.config(spool), new ManualClock());
    leader =
        TestNode.start(
            server.localAddress(), "n1", TestServers.SECRET, cluster, NodeRole.LEADER, 3);
    leader.hold(true);
    Await.until(
        () ->
            server.reportedCluster().leaderId().isPresent()
                && server.reportedCluster().members().size() == 2,
        () -> "the queue server knows leader n1 and its members: " + server.reportedCluster());
  }

  @AfterEach
  void stop() {
    leader.close();
    server.close();
  }

  private List<Job> joinJobs() {
    return leader.received.stream().filter(Job::hasJoin).toList();
  }

  @Test
  void repeatedAnnouncementsQueueOneJoinAndMembersNone() throws Exception {
    for (int i = 0; i < 5; i++) {
      server.service().join("n3", "127.0.0.1:7003", "http://127.0.0.1:3003");
    }
    server.service().join("n2", "127.0.0.1:7001", "http://127.0.0.1:3001"); // as it is known
    Await.until(() -> !joinJobs().isEmpty(), () -> "the leader got the JOIN job");
    server.service().join("n3", "127.0.0.1:7003", "http://127.0.0.1:3003"); // leased: no new job

    // The status is built on the service's one thread after every announcement above.
    StatusResult status = server.status();
    long joinsHeldOrQueued =
        status.getLeasesList().stream().filter(l -> l.getKind().equals("join")).count()
            + status.getQueues(0).getDepth();
    assertEquals(1, joinsHeldOrQueued, status::toString);
    List<Job> joins = joinJobs();
    assertEquals(1, joins.size(), () -> "one JOIN job, for n3 only: " + joins);
    Job join = joins.get(0);
    assertEquals("n3", join.getJoin().getNodeId());
    assertEquals("127.0.0.1:7003", join.getJoin().getRaftAddress());
    assertEquals("http://127.0.0.1:3003", join.getJoin().getHttpUrl());
    assertEquals("join:n3", join.getRequestId());
  }

  @Test
  void aMemberAnnouncingANewAddressIsQueuedForTheLeaderToReaddress() {
    server.service().join("n2", "127.0.0.1:7102", "http://127.0.0.1:3101");
    Await.until(() -> joinJobs().size() == 1, () -> "the leader got the JOIN job");
    Job join = joinJobs().get(0);
    assertEquals("n2", join.getJoin().getNodeId());
    assertEquals("127.0.0.1:7102", join.getJoin().getRaftAddress());
    assertEquals("http://127.0.0.1:3101", join.getJoin().getHttpUrl());
  }

  @Test
  void aGivenBackJoinComesAgainAsTheSameJob() throws Exception {
    server.service().join("n3", "127.0.0.1:7003", "http://127.0.0.1:3003");
    Await.until(() -> joinJobs().size() == 1, () -> "the leader got the JOIN job");
    leader.releaseHeld("not now");
    Await.until(() -> joinJobs().size() == 2, () -> "the given-back JOIN came again");
    assertEquals(joinJobs().get(0).getJobId(), joinJobs().get(1).getJobId(), "the same job");
    assertEquals(2, joinJobs().get(1).getAttempt());
  }

  @Test
  void discoveryAnswersWithTheEdgeListAndQueuesTheJoin() throws Exception {
    server.startDiscovery(
        DiscoverySettings.builder("test-cluster", TestServers.SECRET)
            .loopback()
            .port(0)
            .multicastPort(0)
            .build());
    InetSocketAddress unicast = server.discovery().orElseThrow().unicastAddress();
    int multicastPort = server.discovery().orElseThrow().multicastAddress().orElseThrow().getPort();
    DiscoveryClient client =
        new DiscoveryClient(
            DiscoverySettings.builder("test-cluster", TestServers.SECRET)
                .loopback()
                .port(unicast.getPort())
                .multicastPort(multicastPort)
                .retry(Duration.ofMillis(50), Duration.ofMillis(200))
                .build(),
            new AddNodeRequest(
                "n3", new HostPort("127.0.0.1", 7003), URI.create("http://127.0.0.1:3003"), false));

    EdgeList edges = client.discover(Duration.ofSeconds(10));

    assertEquals("test-cluster", edges.clusterId());
    assertEquals(
        HostPort.parse(server.reportedCluster().queueServerAddress()), edges.queueServer());
    assertEquals(List.of("n1", "n2"), edges.members().stream().map(m -> m.nodeId()).toList());
    assertEquals("n1", edges.leaderId().orElseThrow());
    Await.until(() -> joinJobs().size() == 1, () -> "the announcement became a JOIN job");
    assertTrue(joinJobs().stream().allMatch(j -> j.getJoin().getNodeId().equals("n3")));
  }
}
