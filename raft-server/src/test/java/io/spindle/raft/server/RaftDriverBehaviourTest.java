package io.spindle.raft.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.raft.ConfigChange;
import io.spindle.raft.Configuration;
import io.spindle.raft.ForwardingLogStore;
import io.spindle.raft.LogStore;
import io.spindle.raft.Member;
import io.spindle.raft.NodeId;
import io.spindle.raft.RaftSettings;
import io.spindle.raft.StorageException;
import io.spindle.raft.message.Message;
import io.spindle.raft.server.DriverCluster.Network;
import io.spindle.raft.server.DriverCluster.Node;
import io.spindle.raft.server.kv.KeyValueStateMachine;
import io.spindle.testkit.Await;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The driver's own duties, on an in-memory network: snapshots and compaction, leadership hand-over
 * on close, membership changes, back-pressure and fail-stop on storage errors.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RaftDriverBehaviourTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final NodeId SOLO = NodeId.of("solo");

  @TempDir Path dir;
  private DriverCluster cluster;
  private final List<RaftDriver> drivers = new ArrayList<>();

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
    drivers.forEach(RaftDriver::halt);
  }

  @Test
  void takesSnapshotsCompactsTheLogAndCatchesUpALaggingFollowerFromASnapshot() throws Exception {
    cluster = DriverCluster.start(3, Network.MEMORY, dir, s -> s.withSnapshots(200, 1L << 30, 50));
    Node leader = cluster.awaitLeader(WAIT);
    Node lagging = cluster.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
    cluster.crash(lagging.id);

    writeAll(1_000, "s");

    Await.until(
        WAIT,
        "the leader compacted its log",
        () -> leader.storage.log().snapshotIndex() > 500,
        cluster::describe);
    assertTrue(leader.storage.snapshots().latest().isPresent(), "the leader stored a snapshot");

    cluster.restart(lagging.id);
    cluster.awaitApplied(leader.status().commitIndex(), WAIT);
    assertEquals(leader.stateMachine.digest(), lagging.stateMachine.digest());
    assertTrue(
        lagging.storage.snapshots().latest().orElseThrow().index() > 500,
        "the lagging follower caught up from the leader's snapshot");
  }

  // The state machine runs on its own thread: while it is stuck (a slow database), the leader keeps
  // its heartbeats, replication and commitment going, for longer than an election timeout and past
  // the apply backlog's limit, and once it moves again every entry applies, in order, once.
  @Test
  void aStuckStateMachineHoldsUpNeitherReplicationNorLeadership() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean stuck = new AtomicBoolean();
    cluster =
        DriverCluster.start(
            3,
            Network.MEMORY,
            null,
            s -> s,
            machine -> new Stalling(machine, stuck, release, new AtomicInteger()));
    Node leader = cluster.awaitLeader(WAIT);
    leader.driver.propose(KeyValueStateMachine.put("before", bytes("v"))).get(10, TimeUnit.SECONDS);
    long term = leader.status().term();
    long applied = leader.status().appliedIndex();
    long electionNanos =
        leader.driver.settings().tickPeriod().toNanos()
            * leader.driver.settings().raft().electionTicks();

    stuck.set(true);
    List<CompletableFuture<byte[]>> pending = new ArrayList<>();
    byte[] megabyte = new byte[1 << 20];
    long started = System.nanoTime();
    int written = 0;
    // 3 election timeouts and over 32 MiB of entries (the backlog limit), each committed in turn.
    while (System.nanoTime() - started < 3 * electionNanos || written < 40) {
      long commit = leader.status().commitIndex();
      pending.add(leader.driver.propose(KeyValueStateMachine.put("k" + written, megabyte)));
      written++;
      Await.until(
          WAIT,
          "the leader commits past " + commit + " while its state machine is stuck",
          () -> leader.status().commitIndex() > commit,
          cluster::describe);
    }

    assertEquals(term, leader.status().term(), "no election while the state machine was stuck");
    assertTrue(leader.status().isLeader());
    assertTrue(
        leader.status().appliedIndex() <= applied + 1,
        "nothing applied while stuck: " + leader.status());
    assertTrue(pending.stream().noneMatch(CompletableFuture::isDone));
    releaseAndAwaitConverged(release, pending, leader);
  }

  // Entries that queue up behind a stuck state machine (here 12,000 small ones, far under the
  // backlog's bytes) reach it in batches of at most Applier.MAX_BATCH_ENTRIES once it moves again:
  // one transaction per backlog would hold the whole backlog's rows in the database's memory.
  @Test
  void aBacklogOfSmallEntriesIsAppliedInBatchesOfBoundedSize() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean stuck = new AtomicBoolean();
    List<AtomicInteger> largest = new ArrayList<>();
    cluster =
        DriverCluster.start(
            3,
            Network.MEMORY,
            null,
            s -> s,
            machine -> {
              AtomicInteger l = new AtomicInteger();
              synchronized (largest) {
                largest.add(l);
              }
              return new Stalling(machine, stuck, release, l);
            });
    Node leader = cluster.awaitLeader(WAIT);
    leader.driver.propose(KeyValueStateMachine.put("before", bytes("v"))).get(10, TimeUnit.SECONDS);
    stuck.set(true);
    List<CompletableFuture<byte[]>> pending = new ArrayList<>();
    for (int i = 0; i < 12_000; i++) {
      pending.add(leader.driver.propose(KeyValueStateMachine.put("s" + i, bytes("v" + i))));
    }
    long applied = leader.status().appliedIndex();
    Await.until(
        WAIT,
        "the leader commits all 12,000 entries while its state machine is stuck",
        () -> leader.status().commitIndex() >= applied + 12_000,
        cluster::describe);
    releaseAndAwaitConverged(release, pending, leader);
    synchronized (largest) {
      assertEquals(3, largest.size());
      for (AtomicInteger l : largest) {
        assertTrue(l.get() > 1, "the backlog was applied in batches: " + l.get());
        assertTrue(
            l.get() <= Applier.MAX_BATCH_ENTRIES,
            "a batch of " + l.get() + " entries, over " + Applier.MAX_BATCH_ENTRIES);
      }
    }
  }

  /**
   * Lets the stuck state machines go on, and waits until every pending proposal completed and every
   * node applied what the leader committed, into the leader's state.
   */
  private void releaseAndAwaitConverged(
      CountDownLatch release, List<CompletableFuture<byte[]>> pending, Node leader)
      throws Exception {
    release.countDown();
    for (CompletableFuture<byte[]> f : pending) {
      f.get(20, TimeUnit.SECONDS);
    }
    cluster.awaitApplied(leader.status().commitIndex(), WAIT);
    for (Node n : cluster.nodes()) {
      assertEquals(leader.stateMachine.digest(), n.stateMachine.digest(), n.id + " converged");
    }
  }

  /**
   * A state machine whose apply waits for {@code release} while {@code stuck} is set, and which
   * keeps the size of the largest batch it was handed in {@code largestBatch}.
   */
  private record Stalling(
      StateMachine machine, AtomicBoolean stuck, CountDownLatch release, AtomicInteger largestBatch)
      implements StateMachine {
    @Override
    public List<byte[]> apply(List<io.spindle.raft.Entry> committed) {
      largestBatch.accumulateAndGet(committed.size(), Math::max);
      if (stuck.get()) {
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while stuck", e);
        }
      }
      return machine.apply(committed);
    }

    @Override
    public long appliedIndex() {
      return machine.appliedIndex();
    }

    @Override
    public void takeSnapshot(java.io.OutputStream out) throws java.io.IOException {
      machine.takeSnapshot(out);
    }

    @Override
    public void installSnapshot(java.io.InputStream in, io.spindle.raft.SnapshotMeta meta)
        throws java.io.IOException {
      machine.installSnapshot(in, meta);
    }

    @Override
    public byte[] query(byte[] request) {
      return machine.query(request);
    }
  }

  // A store of S bytes is copied into a snapshot at most once per S bytes logged: with a byte
  // threshold far below the store's size, each snapshot still waits until the log since the
  // previous one has outgrown it (each write is one entry of at most 231 bytes; the store only
  // grows, so under the threshold alone a snapshot would come every 8 or so writes).
  @Test
  void aSnapshotForItsBytesWaitsUntilTheLogHasOutgrownThePreviousSnapshot() throws Exception {
    cluster =
        DriverCluster.start(3, Network.MEMORY, dir, s -> s.withSnapshots(1_000_000, 2048, 10));
    Node leader = cluster.awaitLeader(WAIT);
    String value = "v".repeat(200);
    List<io.spindle.raft.SnapshotMeta> seen = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      cluster.write("k" + i, bytes(value), Duration.ofSeconds(30)).get(30, TimeUnit.SECONDS);
      leader
          .storage
          .snapshots()
          .latest()
          .filter(m -> seen.isEmpty() || seen.get(seen.size() - 1).index() != m.index())
          .ifPresent(seen::add);
    }
    String taken =
        seen.stream().map(m -> m.index() + " (" + m.size() + " bytes)").toList().toString();
    assertTrue(seen.size() >= 3, "snapshots were taken: " + taken);
    assertTrue(seen.size() <= 8, "a snapshot per doubling of the store at most: " + taken);
    for (int i = 1; i < seen.size(); i++) {
      long loggedAtMost = (seen.get(i).index() - seen.get(i - 1).index()) * 231;
      assertTrue(
          loggedAtMost >= seen.get(i - 1).size(),
          "snapshot "
              + seen.get(i).index()
              + " came after at most "
              + loggedAtMost
              + " bytes of log, less than the previous snapshot's "
              + seen.get(i - 1).size());
    }
  }

  @Test
  void restartedNodeRestoresItsStateMachineFromItsSnapshotAndLog() throws Exception {
    cluster = DriverCluster.start(3, Network.MEMORY, dir, s -> s.withSnapshots(100, 1L << 30, 10));
    Node leader = cluster.awaitLeader(WAIT);
    writeAll(350, "r");
    Node follower = cluster.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
    cluster.awaitApplied(leader.status().commitIndex(), WAIT);
    String digest = follower.stateMachine.digest();
    java.util.Set<String> before = follower.stateMachine.contents().keySet();

    cluster.crash(follower.id);
    cluster.restart(follower.id);

    // Before it hears from anyone, the fresh state machine already holds the snapshot's state.
    Await.until(WAIT, "restored", () -> follower.stateMachine.size() >= 250, cluster::describe);
    cluster.awaitApplied(leader.status().commitIndex(), WAIT);
    assertEquals(
        before,
        follower.stateMachine.contents().keySet(),
        "keys after the restart; " + cluster.describe());
    assertEquals(digest, follower.stateMachine.digest());
  }

  @Test
  void closeHandsLeadershipToAFollowerInsteadOfWaitingForAnElection() throws Exception {
    // An election would take at least 2 s here, so a quick change of leader is the hand-over.
    cluster =
        DriverCluster.start(
            3,
            Network.MEMORY,
            null,
            s ->
                s.withRaft(s.raft().withElectionTicks(200, 10))
                    .withCloseTransferTimeout(Duration.ofSeconds(5)));
    Node leader = cluster.awaitLeader(Duration.ofSeconds(30));
    writeAll(50, "h");

    long started = System.nanoTime();
    leader.driver.close();
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

    RaftStatus last = leader.driver.status();
    assertFalse(last.running());
    NodeId successor = last.leader().orElseThrow();
    assertNotEquals(leader.id, successor);
    assertTrue(tookMillis < 2_000, "close took " + tookMillis + " ms: no hand-over happened");
    Node next = cluster.node(successor);
    Await.until(WAIT, successor + " leads", () -> next.status().isLeader(), cluster::describe);
  }

  @Test
  void transfersLeadershipOnRequestAndChangesMembership() throws Exception {
    cluster = DriverCluster.start(3, Network.MEMORY, null, s -> s);
    Node leader = cluster.awaitLeader(WAIT);
    Node target = cluster.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();

    leader.driver.transferLeadership(target.id).get(10, TimeUnit.SECONDS);
    Node newLeader = cluster.awaitLeader(WAIT);
    assertEquals(target.id, newLeader.id);

    Node removed =
        cluster.nodes().stream().filter(n -> n != target && n != leader).findFirst().orElseThrow();
    long index =
        newLeader
            .driver
            .changeMembership(new ConfigChange.Remove(removed.id))
            .get(10, TimeUnit.SECONDS);
    assertTrue(index > 0);
    Await.until(
        WAIT,
        "the leader's configuration lost " + removed.id,
        () -> !newLeader.status().configuration().contains(removed.id),
        cluster::describe);
    assertEquals(2, newLeader.status().configuration().voters().size());
  }

  // Issue 12, finding 6: a node whose disk was wiped comes back under its old id with a new storage
  // identity. It has forgotten what it acknowledged and voted for, so the leader takes it back as
  // a learner under the new storage (and says so in its log); it votes again once promoted.
  @Test
  void aNodeWhoseDiskWasWipedIsTakenBackAsALearnerAndTheLogSaysSo() throws Exception {
    cluster = DriverCluster.start(3, Network.MEMORY, dir, s -> s);
    Node leader = cluster.awaitLeader(WAIT);
    Node wiped = cluster.nodes().stream().filter(n -> n != leader).findFirst().orElseThrow();
    io.spindle.raft.StorageId before = wiped.storage.storageId();
    Await.until(
        WAIT,
        "the leader recorded every member's storage",
        () -> leader.status().configuration().storageOf(wiped.id).equals(before),
        cluster::describe);
    writeAll(50, "w");
    cluster.awaitApplied(leader.status().commitIndex(), WAIT);

    List<java.util.logging.LogRecord> warnings = new ArrayList<>();
    java.util.logging.Logger driverLog =
        java.util.logging.Logger.getLogger(RaftDriver.class.getName());
    java.util.logging.Handler capture =
        new java.util.logging.Handler() {
          @Override
          public void publish(java.util.logging.LogRecord record) {
            synchronized (warnings) {
              warnings.add(record);
            }
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    driverLog.addHandler(capture);
    try {
      cluster.crash(wiped.id);
      deleteRecursively(dir.resolve(wiped.id.value()));
      cluster.restart(wiped.id);
      io.spindle.raft.StorageId after = wiped.storage.storageId();
      assertNotEquals(before, after);

      Await.until(
          WAIT,
          wiped.id + " is a learner under its new storage",
          () -> {
            Configuration c = leader.status().configuration();
            return c.isLearner(wiped.id) && c.storageOf(wiped.id).equals(after);
          },
          cluster::describe);
      cluster.awaitApplied(leader.status().commitIndex(), WAIT);
      assertEquals(leader.stateMachine.digest(), wiped.stateMachine.digest(), "caught up");
      synchronized (warnings) {
        assertTrue(
            warnings.stream()
                .anyMatch(
                    r ->
                        r.getLevel() == java.util.logging.Level.WARNING
                            && r.getMessage()
                                .contains(wiped.id + " now answers from storage " + after)
                            && r.getMessage().contains("a learner again")),
            "the leader's log says so");
      }

      leader.driver.changeMembership(new ConfigChange.Promote(wiped.id)).get(10, TimeUnit.SECONDS);
      Configuration c = leader.status().configuration();
      assertTrue(c.isVoter(wiped.id));
      assertEquals(after, c.storageOf(wiped.id), "a voter again, from its new disk");
    } finally {
      driverLog.removeHandler(capture);
    }
  }

  private static void deleteRecursively(Path root) throws java.io.IOException {
    try (var paths = java.nio.file.Files.walk(root)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        java.nio.file.Files.delete(p);
      }
    }
  }

  @Test
  void refusesRequestsBeyondTheOutstandingLimitAsBusy() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    ThreadFactory gated =
        r ->
            new Thread(
                () -> {
                  try {
                    gate.await();
                  } catch (InterruptedException e) {
                    return;
                  }
                  r.run();
                },
                "gated-driver");
    RaftDriver driver =
        startSolo(
            RaftNodeSettings.defaults(SOLO, List.of(new Member(SOLO, "127.0.0.1:1")))
                .withRequestLimits(10, Duration.ofSeconds(20)),
            new MemoryRaftStorage(),
            gated);
    List<CompletableFuture<byte[]>> admitted = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      admitted.add(driver.propose(KeyValueStateMachine.put("b" + i, bytes("v"))));
    }

    CompletableFuture<byte[]> refused = driver.propose(KeyValueStateMachine.put("b", bytes("v")));

    ExecutionException e =
        assertThrows(ExecutionException.class, () -> refused.get(1, TimeUnit.SECONDS));
    assertInstanceOf(BusyException.class, e.getCause());
    gate.countDown();
    awaitSoloLeader(driver);
    // The admitted ones either commit (the node elects itself) or are refused as not-leader if
    // they reached it before the election; either way they complete and free their slots.
    for (CompletableFuture<byte[]> f : admitted) {
      f.handle((v, x) -> null).get(10, TimeUnit.SECONDS);
    }
    driver.propose(KeyValueStateMachine.put("after", bytes("v"))).get(10, TimeUnit.SECONDS);
  }

  @Test
  void stopsLoudlyOnAStorageFailureAndFailsEveryPendingRequest() throws Exception {
    FailingStorage storage = new FailingStorage();
    RaftDriver driver =
        startSolo(
            RaftNodeSettings.defaults(SOLO, List.of(new Member(SOLO, "127.0.0.1:1"))),
            storage,
            r -> new Thread(r, "failing-driver"));
    awaitSoloLeader(driver);
    driver.propose(KeyValueStateMachine.put("ok", bytes("v"))).get(10, TimeUnit.SECONDS);

    storage.failSync.set(true);
    CompletableFuture<byte[]> doomed = driver.propose(KeyValueStateMachine.put("no", bytes("v")));

    ExecutionException e =
        assertThrows(ExecutionException.class, () -> doomed.get(10, TimeUnit.SECONDS));
    assertInstanceOf(NodeStoppedException.class, e.getCause());
    ExecutionException t =
        assertThrows(ExecutionException.class, () -> driver.terminated().get(10, TimeUnit.SECONDS));
    assertInstanceOf(StorageException.class, t.getCause());
    assertFalse(driver.status().running());
    ExecutionException later =
        assertThrows(
            ExecutionException.class,
            () ->
                driver
                    .propose(KeyValueStateMachine.put("later", bytes("v")))
                    .get(1, TimeUnit.SECONDS));
    assertInstanceOf(NodeStoppedException.class, later.getCause());
  }

  // ---------------------------------------------------------------- helpers

  private RaftDriver startSolo(RaftNodeSettings settings, RaftStorage storage, ThreadFactory tf) {
    RaftDriver driver =
        RaftDriver.start(
            settings.withRaft(RaftSettings.defaults()),
            storage,
            new KeyValueStateMachine(),
            new PeerMessenger() {
              @Override
              public void send(Message message) {}

              @Override
              public void updatePeers(Configuration configuration) {}
            },
            tf);
    drivers.add(driver);
    return driver;
  }

  private static void awaitSoloLeader(RaftDriver driver) {
    Await.until(
        WAIT,
        "the single node leads",
        () -> driver.status().isLeader(),
        () -> "" + driver.status());
  }

  private void writeAll(int count, String prefix) throws InterruptedException {
    Semaphore window = new Semaphore(32);
    List<CompletableFuture<Applied>> all = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      window.acquire();
      all.add(
          cluster
              .write(prefix + i, bytes("value-" + i), Duration.ofSeconds(30))
              .whenComplete((a, e) -> window.release()));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Memory storage whose log sync fails on demand, as a dying disk would. */
  private static final class FailingStorage implements RaftStorage {
    final AtomicBoolean failSync = new AtomicBoolean();
    private final MemoryRaftStorage delegate = new MemoryRaftStorage();
    private final LogStore log =
        new ForwardingLogStore(delegate.log()) {
          @Override
          public void sync() {
            if (failSync.get()) {
              throw new StorageException("fsync failed: Input/output error (simulated)");
            }
            super.sync();
          }
        };

    @Override
    public io.spindle.raft.StorageId storageId() {
      return delegate.storageId();
    }

    @Override
    public LogStore log() {
      return log;
    }

    @Override
    public io.spindle.raft.SnapshotStore snapshots() {
      return delegate.snapshots();
    }

    @Override
    public io.spindle.raft.HardState loadHardState() {
      return delegate.loadHardState();
    }

    @Override
    public void saveHardState(io.spindle.raft.HardState hardState) {
      delegate.saveHardState(hardState);
    }

    @Override
    public SnapshotDraft writeSnapshot(io.spindle.raft.SnapshotMeta meta, SnapshotContent content) {
      return delegate.writeSnapshot(meta, content);
    }

    @Override
    public java.io.InputStream openSnapshot(io.spindle.raft.SnapshotMeta meta) {
      return delegate.openSnapshot(meta);
    }

    @Override
    public void close() {}
  }
}
