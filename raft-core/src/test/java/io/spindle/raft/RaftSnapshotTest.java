package io.spindle.raft;

import static io.spindle.raft.NodeHarness.bytes;
import static io.spindle.raft.NodeHarness.entry;
import static io.spindle.raft.NodeHarness.nid;
import static io.spindle.raft.NodeHarness.only;
import static io.spindle.raft.NodeHarness.storageOf;
import static io.spindle.raft.NodeHarness.voters;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.raft.message.InstallSnapshot;
import io.spindle.raft.message.InstallSnapshotResponse;
import io.spindle.raft.message.Message;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Log compaction and InstallSnapshot (§7, Figure 13). */
class RaftSnapshotTest {

  private static final int CHUNK = 4;
  private static final RaftSettings CONFIG =
      RaftSettings.defaults().withLimits(256, 64L << 20, 1L << 20, CHUNK);
  private static final int E = CONFIG.electionTicks();
  private static final byte[] STATE = bytes("0123456789");

  /**
   * n1 leads {n1, n2, n3}; n3 was cut off after the election while five commands committed; n1 then
   * took a snapshot at index 6 and compacted its whole log.
   */
  private static ManualNetwork n3BehindACompactedLog() {
    ManualNetwork net = ManualNetwork.ofVoters(CONFIG, "n1", "n2", "n3");
    NodeHarness n1 = net.elect("n1");
    net.isolate("n3");
    for (int i = 0; i < 5; i++) {
      n1.node.propose(bytes("c" + i));
    }
    net.stabilize();
    assertEquals(6, n1.lastApplied);
    SnapshotMeta meta = n1.takeSnapshot(STATE, 0);
    assertEquals(6, meta.index());
    assertEquals(6, n1.log.snapshotIndex());
    net.heal();
    return net;
  }

  // §7: "Each server takes snapshots independently, covering just the committed entries in its
  // log"; the log up to the snapshot's last included index is then discarded.
  @Test
  void snapshotTakenCompactsTheLogUpToItsIndex() {
    ManualNetwork net = ManualNetwork.ofVoters(CONFIG, "n1", "n2", "n3");
    NodeHarness n1 = net.elect("n1");
    for (int i = 0; i < 5; i++) {
      n1.node.propose(bytes("c" + i));
    }
    net.stabilize();

    SnapshotMeta meta = n1.takeSnapshot(STATE, 0);

    assertEquals(6, n1.log.snapshotIndex());
    assertEquals(1, n1.log.snapshotTerm());
    assertEquals(List.of(), n1.logEntries());
    assertEquals(6, n1.node.lastIndex(), "the log still ends where it ended");
    assertEquals(n1.node.configuration(), meta.configuration());
    assertEquals(n1.snapshots.latest().orElseThrow(), meta);
  }

  // §7 in practice: keeping a few entries behind the snapshot lets a follower that lags a little
  // catch up from the log instead of a whole snapshot.
  @Test
  void snapshotTakenKeepsTheRequestedEntriesBehindIt() {
    ManualNetwork net = ManualNetwork.ofVoters(CONFIG, "n1", "n2", "n3");
    NodeHarness n1 = net.elect("n1");
    for (int i = 0; i < 5; i++) {
      n1.node.propose(bytes("c" + i));
    }
    net.stabilize();

    n1.takeSnapshot(STATE, 2);

    assertEquals(4, n1.log.snapshotIndex());
    assertEquals(List.of(5L, 6L), n1.logEntries().stream().map(Entry::index).toList());
  }

  // §7: a snapshot covers only what the state machine has applied.
  @Test
  void snapshotCannotBeAheadOfTheAppliedIndex() {
    NodeHarness n1 =
        NodeHarness.withLog(
            "n1", CONFIG, voters("n1", "n2", "n3"), new HardState(1, null), entry(1, 1));

    assertThrows(
        IllegalArgumentException.class,
        () -> n1.node.snapshotTaken(new SnapshotMeta(1, 1, voters("n1", "n2", "n3"), 3), 0));
  }

  // §7: "the leader must occasionally send snapshots to followers that lag behind ... when the
  // leader has already discarded the next log entry that it needs to send". Figure 13: the snapshot
  // goes in chunks at increasing offsets, "done" on the last; the follower installs it, discards
  // its log, and replication continues after the snapshot.
  @Test
  void followerBehindTheCompactedLogGetsTheSnapshotInChunksAndContinuesFromIt() {
    ManualNetwork net = n3BehindACompactedLog();
    NodeHarness n3 = net.node("n3");
    SnapshotMeta meta = net.node("n1").snapshots.latest().orElseThrow();

    net.tick("n1", 1); // a heartbeat tells n1 where n3 is

    List<InstallSnapshot> chunks = net.delivered(InstallSnapshot.class);
    assertEquals(List.of(0L, 4L, 8L), chunks.stream().map(InstallSnapshot::offset).toList());
    assertEquals(List.of(4, 4, 2), chunks.stream().map(c -> c.data().length).toList());
    assertEquals(List.of(false, false, true), chunks.stream().map(InstallSnapshot::done).toList());
    assertTrue(chunks.stream().allMatch(c -> c.meta().equals(meta)));

    assertEquals(List.of(meta), n3.installed, "the driver was told to install it");
    assertArrayEquals(STATE, n3.snapshots.latestData());
    assertEquals(6, n3.log.snapshotIndex());
    assertEquals(1, n3.log.snapshotTerm());
    assertEquals(6, n3.node.commitIndex());
    assertEquals(meta.configuration(), n3.node.configuration());

    net.raft("n1").propose(bytes("after"));
    net.stabilize();
    assertEquals(List.of(entry(7, 1).index()), n3.logEntries().stream().map(Entry::index).toList());
    assertEquals(7, n3.node.commitIndex());
    assertEquals(7, n3.lastApplied);
    assertEquals("after", new String(n3.applied.get(n3.applied.size() - 1).data()));
  }

  // §7 / Figure 13: the chunk size is the configured snapshotChunkBytes.
  @Test
  void chunksAreAtMostSnapshotChunkBytes() {
    RaftSettings oneChunk = CONFIG.withLimits(256, 64L << 20, 1L << 20, 1 << 20);
    ManualNetwork net = ManualNetwork.ofVoters(oneChunk, "n1", "n2", "n3");
    NodeHarness n1 = net.elect("n1");
    net.isolate("n3");
    n1.node.propose(bytes("c"));
    net.stabilize();
    n1.takeSnapshot(STATE, 0);
    net.heal();

    net.tick("n1", 1);

    List<InstallSnapshot> chunks = net.delivered(InstallSnapshot.class);
    assertEquals(1, chunks.size());
    assertTrue(chunks.get(0).done());
    assertArrayEquals(STATE, chunks.get(0).data());
    assertEquals(2, net.raft("n3").commitIndex());
  }

  // Figure 13 over a lossy network: a chunk that is lost is sent again (from the last offset the
  // follower confirmed), and the transfer completes.
  @Test
  void lostSnapshotChunkIsResent() {
    ManualNetwork net = n3BehindACompactedLog();
    net.dropOnce(m -> m instanceof InstallSnapshot s && s.offset() == 4);

    net.tick("n1", 1);
    assertEquals(List.of(), net.node("n3").installed, "stuck: the second chunk was lost");

    int ticks = 0;
    while (net.node("n3").installed.isEmpty() && ticks < 3 * E) {
      net.tick("n1", 1);
      ticks++;
    }

    assertEquals(1, net.node("n3").installed.size(), "installed after " + ticks + " ticks");
    assertArrayEquals(STATE, net.node("n3").snapshots.latestData());
    List<Long> offsets =
        net.delivered(InstallSnapshot.class).stream().map(InstallSnapshot::offset).toList();
    assertEquals(List.of(0L, 4L, 8L), offsets, "resent from offset 4, not from scratch");
  }

  // Figure 13 receiver rule 6: "If existing log entry has same index and term as snapshot's last
  // included entry, retain log entries following it".
  @Test
  void followerKeepsItsEntriesAfterASnapshotThatMatchesItsLog() {
    NodeHarness n3 =
        NodeHarness.withLog(
            "n3",
            CONFIG,
            voters("n1", "n2", "n3"),
            new HardState(1, null),
            entry(1, 1),
            entry(2, 1),
            entry(3, 1),
            entry(4, 1),
            entry(5, 1));
    SnapshotMeta meta = new SnapshotMeta(3, 1, voters("n1", "n2", "n3"), 2);

    List<Message> out =
        n3.stepAndDrain(new InstallSnapshot(nid("n1"), nid("n3"), 1, meta, 0, bytes("ab"), true));

    assertEquals(
        List.of(new InstallSnapshotResponse(nid("n3"), nid("n1"), 1, 3, 0, true, storageOf("n3"))),
        only(InstallSnapshotResponse.class, out));
    assertEquals(List.of(meta), n3.installed);
    assertEquals(3, n3.log.snapshotIndex());
    assertEquals(List.of(entry(4, 1), entry(5, 1)), n3.logEntries());
  }

  // Figure 13 receiver rule 7: "Discard the entire log" when it does not contain the snapshot's
  // last entry (here: a conflicting term at that index).
  @Test
  void followerDiscardsAConflictingLogWhenItInstallsASnapshot() {
    NodeHarness n3 =
        NodeHarness.withLog(
            "n3",
            CONFIG,
            voters("n1", "n2", "n3"),
            new HardState(2, null),
            entry(1, 1),
            entry(2, 2),
            entry(3, 2),
            entry(4, 2));
    SnapshotMeta meta = new SnapshotMeta(3, 3, voters("n1", "n2", "n3"), 2);

    n3.stepAndDrain(new InstallSnapshot(nid("n1"), nid("n3"), 3, meta, 0, bytes("ab"), true));

    assertEquals(3, n3.log.snapshotIndex());
    assertEquals(3, n3.log.snapshotTerm());
    assertEquals(List.of(), n3.logEntries());
    assertEquals(3, n3.node.lastIndex());
  }

  // Figure 13 over a lossy network: a lost acknowledgement makes the leader resend a chunk the
  // follower already has; the follower says where it is and the transfer goes on from there.
  @Test
  void lostChunkAcknowledgementIsRecovered() {
    ManualNetwork net = n3BehindACompactedLog();
    net.dropOnce(m -> m instanceof InstallSnapshotResponse r && r.nextOffset() == 8);

    int ticks = 0;
    do {
      net.tick("n1", 1);
    } while (net.node("n3").installed.isEmpty() && ++ticks < 3 * E);

    assertEquals(1, net.node("n3").installed.size());
    assertArrayEquals(STATE, net.node("n3").snapshots.latestData());
    assertEquals(6, net.raft("n3").commitIndex());
  }

  // §7 with thesis §4.2.1: a new server added to a cluster whose log is compacted catches up from
  // the snapshot, then from the log (including the entry that added it).
  @Test
  void newLearnerBehindACompactedLogIsCaughtUpWithASnapshot() {
    ManualNetwork net = ManualNetwork.ofVoters(CONFIG, "n1", "n2", "n3");
    NodeHarness n1 = net.elect("n1");
    for (int i = 0; i < 5; i++) {
      n1.node.propose(bytes("c" + i));
    }
    net.stabilize();
    n1.takeSnapshot(STATE, 0);
    NodeHarness n4 = NodeHarness.joining("n4", CONFIG);
    net.add(n4);

    n1.node.proposeConfigChange(new ConfigChange.AddLearner(NodeHarness.member("n4")));
    net.stabilize();

    assertEquals(1, n4.installed.size());
    assertArrayEquals(STATE, n4.snapshots.latestData());
    assertEquals(7, n4.node.lastIndex());
    assertEquals(7, n4.node.commitIndex());
    assertEquals(Role.LEARNER, n4.node.role());
    assertEquals(n1.node.configuration(), n4.node.configuration());
  }

  // §7: "the state machine ... restored from the snapshot" — a node restarting with a state
  // machine behind its latest snapshot (its database was lost) installs the snapshot first, then
  // applies only what follows it.
  @Test
  void nodeWhoseStateMachineIsBehindItsSnapshotInstallsItFirstOnRestart() {
    ManualNetwork net = ManualNetwork.ofVoters(CONFIG, "n1", "n2", "n3");
    NodeHarness n1 = net.elect("n1");
    for (int i = 0; i < 5; i++) {
      n1.node.propose(bytes("c" + i));
    }
    net.stabilize();
    NodeHarness n2 = net.node("n2");
    SnapshotMeta meta = n2.takeSnapshot(STATE, 0);

    n2.restartWithEmptyStateMachine();
    Ready first = n2.handleReady();

    assertEquals(meta, first.snapshot());
    assertEquals(List.of(), first.committedEntries());
    assertEquals(6, n2.node.appliedIndex());

    n1.node.propose(bytes("after"));
    net.stabilize();
    assertEquals(List.of(7L), n2.applied.stream().map(Entry::index).toList());
  }
}
