package io.spindle.raft.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.raft.NodeId;
import io.spindle.raft.server.DriverCluster.Network;
import io.spindle.raft.server.DriverCluster.Node;
import io.spindle.raft.server.kv.KeyValueStateMachine;
import io.spindle.testkit.Await;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@link RaftDriver}s in one JVM over real Netty transports on 127.0.0.1, each with the
 * durable log in a temporary directory: the driver's contract end to end.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RaftDriverTest {
  private static final Duration ELECTION = Duration.ofSeconds(10);
  private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(30);

  @TempDir Path dir;
  private DriverCluster cluster;

  @BeforeEach
  void startCluster() throws InterruptedException {
    cluster = DriverCluster.start(3, Network.NETTY, dir, s -> s);
  }

  @AfterEach
  void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void replicatesProposalsUnderLoadToIdenticalStateMachines() throws Exception {
    Node leader = cluster.awaitLeader(ELECTION);

    Map<String, byte[]> acknowledged = writeConcurrently(2_000, 128, "k", () -> {});

    assertEquals(2_000, acknowledged.size());
    long lastIndex = leader.status().commitIndex();
    cluster.awaitApplied(lastIndex, Duration.ofSeconds(30));
    String digest = leader.stateMachine.digest();
    for (Node n : cluster.nodes()) {
      assertEquals(digest, n.stateMachine.digest(), n.id + " differs from the leader");
      assertEquals(2_000, n.stateMachine.size(), n.id + " holds the wrong number of keys");
    }
    acknowledged.forEach(
        (k, v) -> assertArrayEquals(v, leader.stateMachine.contents().get(k), "value of " + k));
  }

  @Test
  void electsANewLeaderAfterTheLeaderCrashesAndLosesNoAcknowledgedProposal() throws Exception {
    Node oldLeader = cluster.awaitLeader(ELECTION);
    long oldTerm = oldLeader.status().term();
    AtomicInteger acked = new AtomicInteger();
    AtomicReference<NodeId> crashed = new AtomicReference<>();
    CompletableFuture<Void> crash = new CompletableFuture<>();

    Map<String, byte[]> acknowledged =
        writeConcurrently(
            2_000,
            64,
            "c",
            () -> {
              if (acked.incrementAndGet() == 500 && crashed.compareAndSet(null, oldLeader.id)) {
                // Mid-load, with proposals in flight; not on the driver thread that acknowledged.
                CompletableFuture.runAsync(() -> cluster.crash(oldLeader.id))
                    .whenComplete((v, e) -> crash.complete(null));
              }
            });
    crash.get(30, TimeUnit.SECONDS);

    assertEquals(oldLeader.id, crashed.get(), "the leader was crashed mid-load");
    Node newLeader = cluster.awaitLeader(ELECTION);
    assertNotEquals(oldLeader.id, newLeader.id);
    assertTrue(newLeader.status().term() > oldTerm, "a new term began");

    // A linearizable read is a barrier: once it returns, the leader has applied every write
    // acknowledged before it.
    newLeader.driver.read(KeyValueStateMachine.get("c0")).get(10, TimeUnit.SECONDS);
    Map<String, byte[]> state = newLeader.stateMachine.contents();
    for (Map.Entry<String, byte[]> e : acknowledged.entrySet()) {
      assertArrayEquals(
          e.getValue(), state.get(e.getKey()), "acknowledged " + e.getKey() + " lost");
    }

    // The crashed node comes back on its data directory and catches up.
    cluster.restart(oldLeader.id);
    long commit = newLeader.status().commitIndex();
    cluster.awaitApplied(commit, Duration.ofSeconds(30));
    cluster.awaitLeader(ELECTION);
    Await.until(
        Duration.ofSeconds(30),
        "every node holds the same state",
        () ->
            cluster.nodes().stream().map(n -> n.stateMachine.digest()).distinct().count() == 1
                && cluster.nodes().stream().map(n -> n.status().appliedIndex()).distinct().count()
                    == 1,
        cluster::describe);
  }

  @Test
  void proposalToAFollowerFailsWithTheLeaderAsHint() throws Exception {
    Node leader = cluster.awaitLeader(ELECTION);
    Node follower = cluster.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();

    CompletableFuture<byte[]> proposal =
        follower.driver.propose(KeyValueStateMachine.put("f", bytes("x")));

    ExecutionException e =
        assertThrows(ExecutionException.class, () -> proposal.get(10, TimeUnit.SECONDS));
    NotLeaderException notLeader = assertInstanceOf(NotLeaderException.class, e.getCause());
    assertEquals(leader.id, notLeader.leaderHint().orElseThrow());
    assertTrue(notLeader.certainlyNotApplied());
  }

  @Test
  void linearizableReadsReturnTheLatestAcknowledgedValue() throws Exception {
    for (int i = 1; i <= 100; i++) {
      byte[] value = bytes("v" + i);
      Node leader = writeThroughTheLeader(KeyValueStateMachine.put("x", value));
      // Right after the acknowledgement, wherever the read goes, it must see this write. A read
      // may fail while leadership moves (a starved machine can hold an election); one that
      // answers must answer the latest value.
      List<Node> others = cluster.nodes().stream().filter(n -> n != leader).toList();
      Node reader = i % 3 == 0 ? leader : others.get(i % 2);
      byte[] read = readAnswered(reader, KeyValueStateMachine.get("x"));
      assertArrayEquals(value, read, "read at " + reader.id + " after write " + i);
    }
  }

  @Test
  void theReadIndexAloneCoversEveryAcknowledgedWriteOnLeaderAndFollowers() throws Exception {
    for (int i = 1; i <= 30; i++) {
      Node leader = writeThroughTheLeader(KeyValueStateMachine.put("r", bytes("v" + i)));
      long acknowledgedAt = leader.status().appliedIndex();
      for (Node reader : cluster.nodes()) {
        long readIndex;
        try {
          readIndex = reader.driver.readIndex().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          // Leadership may move on a starved machine; an index that is answered must cover it.
          assertInstanceOf(RaftException.class, e.getCause());
          continue;
        }
        assertTrue(
            readIndex >= acknowledgedAt,
            reader.id + " answered read index " + readIndex + " below write " + acknowledgedAt);
      }
    }
  }

  /** Proposes {@code command} until a leader acknowledges it; returns that leader. */
  private Node writeThroughTheLeader(byte[] command) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      Node leader = cluster.awaitLeader(ELECTION);
      try {
        leader.driver.propose(command).get(10, TimeUnit.SECONDS);
        return leader;
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof RaftException) || System.nanoTime() > deadline) {
          throw e;
        }
      }
    }
  }

  /** Reads at {@code reader} until a read is answered, retrying those refused for leadership. */
  private byte[] readAnswered(Node reader, byte[] query) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        return reader.driver.read(query).get(10, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof RaftException) || System.nanoTime() > deadline) {
          throw e;
        }
        cluster.awaitLeader(ELECTION);
      }
    }
  }

  /**
   * Writes {@code count} distinct keys through the cluster with at most {@code inFlight}
   * outstanding, and returns those acknowledged (all of them, or the test fails).
   */
  private Map<String, byte[]> writeConcurrently(
      int count, int inFlight, String prefix, Runnable onAck) throws InterruptedException {
    Semaphore window = new Semaphore(inFlight);
    Map<String, byte[]> acknowledged = new ConcurrentHashMap<>();
    AtomicLong failures = new AtomicLong();
    AtomicReference<Throwable> firstFailure = new AtomicReference<>();
    List<CompletableFuture<Applied>> all = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      window.acquire();
      String key = prefix + i;
      byte[] value = bytes("value-" + i + "-" + "x".repeat(i % 200));
      all.add(
          cluster
              .write(key, value, WRITE_TIMEOUT)
              .whenComplete(
                  (applied, error) -> {
                    window.release();
                    if (error == null) {
                      acknowledged.put(key, value);
                      onAck.run();
                    } else {
                      failures.incrementAndGet();
                      firstFailure.compareAndSet(null, error);
                    }
                  }));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).handle((v, e) -> null).join();
    if (failures.get() > 0) {
      throw new AssertionError(
          failures.get() + " writes failed; the first: " + firstFailure.get(), firstFailure.get());
    }
    return acknowledged;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
