package io.spindle.raft;

import static io.spindle.raft.NodeHarness.bytes;
import static io.spindle.raft.NodeHarness.entry;
import static io.spindle.raft.NodeHarness.nid;
import static io.spindle.raft.NodeHarness.only;
import static io.spindle.raft.NodeHarness.storageOf;
import static io.spindle.raft.NodeHarness.voters;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.raft.message.AppendEntries;
import io.spindle.raft.message.AppendEntriesResponse;
import io.spindle.raft.message.InstallSnapshot;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a node may count durable after a crash, and how a snapshot install survives one: the rules
 * of §5.1 (Figure 2, "persistent state ... updated on stable storage before responding to RPCs")
 * and §7 (a snapshot replaces a log that does not continue it) at the points where the durable
 * storage can be interrupted.
 */
class RaftDurabilityTest {
  private static final RaftSettings CONFIG = RaftSettings.defaults();
  private static final Configuration THREE = voters("n1", "n2", "n3");

  // A process killed between append and sync leaves its entries intact in the page cache, where
  // the restarted node finds them; a power cut would still lose them. The node counts none of them
  // durable, and its first Ready syncs before anything it sends acknowledges them.
  @Test
  void aRestartedNodeSyncsWhatItFindsInItsLogBeforeAcknowledgingIt() {
    MemoryLogStore log = new MemoryLogStore();
    log.append(List.of(entry(1, 1), entry(2, 1), entry(3, 1))); // never synced
    NodeHarness n2 = NodeHarness.over("n2", CONFIG, THREE, log);
    assertEquals(0, n2.node.durableIndex(), "nothing is known durable before a sync");
    assertTrue(n2.node.hasReady(), "the start itself asks for a sync");

    List<io.spindle.raft.message.Message> out =
        n2.stepAndDrain(new AppendEntries(nid("n1"), nid("n2"), 1, 3, 1, List.of(), 3));

    AppendEntriesResponse ack = only(AppendEntriesResponse.class, out).get(0);
    assertTrue(ack.success());
    assertEquals(3, ack.matchIndex());
    assertTrue(n2.readies.get(0).mustSync(), "the first Ready syncs");
    assertEquals(3, log.durableIndex(), "synced before the acknowledgement went out");
    assertEquals(3, n2.node.durableIndex());
  }

  // §7: a follower that receives a snapshot keeps its log only if an entry matches the snapshot's
  // last one. Installing is two steps on disk (store the snapshot, then reset the log); a crash
  // between them leaves the old log under the snapshot. At start the snapshot wins whenever the
  // log does not continue it: here the log holds another term at the snapshot's index.
  @Test
  void aNodeRestartedBetweenStoringASnapshotAndResettingItsLogDropsTheConflictingLog() {
    MemoryLogStore log = new MemoryLogStore();
    log.append(List.of(entry(1, 1), entry(2, 1), entry(3, 2), entry(4, 2), entry(5, 2)));
    log.sync();
    MemorySnapshotStore snapshots = new MemorySnapshotStore();
    snapshots.save(new SnapshotMeta(4, 3, THREE, 2), bytes("ab"));

    RaftNode node = start(log, snapshots, 4);

    assertEquals(4, log.snapshotIndex());
    assertEquals(3, log.snapshotTerm(), "the snapshot's term, not the stale entry's");
    assertEquals(4, log.lastIndex(), "the entries of the deposed leader are gone");
    assertEquals(4, node.commitIndex());
    assertEquals(4, node.lastIndex());
  }

  // The same crash when the log does continue the snapshot: nothing is lost that matched.
  @Test
  void aNodeRestartedBetweenStoringASnapshotAndCompactingKeepsTheLogThatContinuesIt() {
    MemoryLogStore log = new MemoryLogStore();
    log.append(List.of(entry(1, 1), entry(2, 1), entry(3, 3), entry(4, 3), entry(5, 3)));
    log.sync();
    MemorySnapshotStore snapshots = new MemorySnapshotStore();
    snapshots.save(new SnapshotMeta(4, 3, THREE, 2), bytes("ab"));

    RaftNode node = start(log, snapshots, 4);

    assertEquals(5, log.lastIndex());
    assertEquals(5, node.lastIndex());
  }

  // A reset leaves nothing after the snapshot, so nothing after it may count as durable: a node
  // that won an election right after would otherwise count entries it has not synced yet towards
  // commit.
  @Test
  void aSnapshotThatReplacesTheLogLeavesNothingBeyondItCountedDurable() {
    NodeHarness n3 =
        NodeHarness.withLog(
            "n3",
            CONFIG,
            THREE,
            new HardState(2, null),
            entry(1, 1),
            entry(2, 2),
            entry(3, 2),
            entry(4, 2),
            entry(5, 2),
            entry(6, 2));
    n3.drain();
    assertEquals(6, n3.node.durableIndex());

    SnapshotMeta meta = new SnapshotMeta(4, 3, THREE, 3);
    n3.stepAndDrain(new InstallSnapshot(nid("n1"), nid("n3"), 3, meta, 0, bytes("abc"), true));

    assertEquals(4, n3.log.lastIndex());
    assertEquals(4, n3.node.durableIndex(), "nothing after the snapshot is left to count");
  }

  private static RaftNode start(MemoryLogStore log, MemorySnapshotStore snapshots, long applied) {
    return new RaftNode(
        nid("n2"),
        storageOf("n2"),
        CONFIG,
        log,
        snapshots,
        RandomSource.seeded(1),
        () -> 0L,
        new HardState(3, null),
        THREE,
        applied);
  }
}
