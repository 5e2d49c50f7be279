package io.spindle.raft;

import static io.spindle.raft.NodeHarness.bytes;
import static io.spindle.raft.NodeHarness.member;
import static io.spindle.raft.NodeHarness.nid;
import static io.spindle.raft.NodeHarness.only;
import static io.spindle.raft.NodeHarness.storageOf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.raft.message.AppendEntriesResponse;
import io.spindle.raft.message.RequestVote;
import io.spindle.raft.message.RequestVoteResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Storage identity: Raft's safety rests on a voter never forgetting what it acknowledged or voted
 * for (§5.1 Figure 2: persistent state "updated on stable storage before responding to RPCs"). A
 * member whose disk was wiped breaks that while keeping its node id; its answers carry the new
 * storage, which neither a leader nor a candidate counts, and the leader takes it back as a
 * learner.
 */
class RaftStorageIdentityTest {
  private static final RaftSettings CONFIG =
      RaftSettings.defaults().withLimits(256, 64L << 20, 64, 4);
  private static final byte[] STATE = bytes("0123456789");
  private static final StorageId OTHER = StorageId.of(0xDEADBEEFL);

  // A node that comes back with an empty disk under its old id is not the voter the configuration
  // names: the leader ignores its answers, takes it back as a learner under its new storage, and
  // rebuilds it from the snapshot; it votes again only once promoted.
  @Test
  void aVoterThatLostItsStorageIsTakenBackAsALearnerAndRebuiltFromTheSnapshot() {
    ManualNetwork net = ManualNetwork.ofVoters(CONFIG, "n1", "n2", "n3");
    NodeHarness n1 = net.elect("n1");
    for (int i = 0; i < 5; i++) {
      n1.node.propose(bytes("c" + i));
    }
    net.stabilize();
    SnapshotMeta meta = n1.takeSnapshot(STATE, 0);

    NodeHarness wiped = NodeHarness.wiped("n3", CONFIG);
    net.add(wiped);
    net.tick("n1", 3);

    Configuration c = n1.node.configuration();
    assertEquals(List.of(nid("n1"), nid("n2")), List.copyOf(c.voterIds()), "n3 votes no more");
    assertEquals(List.of(member("n3").withStorage(wiped.storage)), c.learners());
    assertEquals(List.of(meta), wiped.installed, "rebuilt from the snapshot");
    assertArrayEquals(STATE, wiped.snapshots.latestData());
    assertEquals(n1.node.commitIndex(), wiped.node.commitIndex());
    assertEquals(c, wiped.node.configuration());

    assertInstanceOf(
        ProposeResult.Accepted.class,
        n1.node.proposeConfigChange(new ConfigChange.Promote(nid("n3"))));
    net.stabilize();
    assertEquals(
        List.of(member("n1"), member("n2"), member("n3").withStorage(wiped.storage)),
        n1.node.configuration().voters(),
        "a voter again, from its new storage");
  }

  // §5.2 "each server will vote for at most one candidate in a given term": a voter that lost its
  // disk may have voted in this term already. Its vote, answered from another storage, counts for
  // nothing.
  @Test
  void aVoteFromAnotherStorageThanTheRecordedOneDoesNotCount() {
    NodeHarness n1 =
        NodeHarness.create("n1", CONFIG.withPreVoteAndCheckQuorum(false, false), "n1", "n2", "n3");
    n1.tickUntilCampaign();
    n1.drain();

    n1.stepAndDrain(new RequestVoteResponse(nid("n2"), nid("n1"), 1, true, false, OTHER));
    assertEquals(Role.CANDIDATE, n1.node.role(), "n2 answered from a wiped disk");

    n1.stepAndDrain(new RequestVoteResponse(nid("n3"), nid("n1"), 1, true, false, storageOf("n3")));
    assertEquals(Role.LEADER, n1.node.role());
  }

  // §5.3/§5.4.2 count an entry committed once a majority stored it: an acknowledgement from a disk
  // that is not the one recorded does not count, even with a valid-looking match.
  @Test
  void anAcknowledgementFromAnotherStorageDoesNotCountTowardsCommit() {
    ManualNetwork net = ManualNetwork.ofVoters(CONFIG, "n1", "n2", "n3");
    NodeHarness n1 = net.elect("n1");
    long commit = n1.node.commitIndex();
    net.isolate("n2");
    net.isolate("n3");
    ProposeResult.Accepted write = (ProposeResult.Accepted) n1.node.propose(bytes("x"));
    n1.drain();

    n1.stepAndDrain(
        new AppendEntriesResponse(
            nid("n2"), nid("n1"), n1.node.term(), true, write.index(), 0, 0, write.index(), OTHER));
    assertEquals(commit, n1.node.commitIndex(), "not committed on the word of a wiped disk");

    n1.stepAndDrain(
        new AppendEntriesResponse(
            nid("n2"),
            nid("n1"),
            n1.node.term(),
            true,
            write.index(),
            0,
            0,
            write.index(),
            storageOf("n2")));
    assertEquals(write.index(), n1.node.commitIndex());
  }

  // A voter whose configuration records another storage for it (it was wiped, then received the
  // log that still names its old disk) has forgotten its votes: it must not vote for itself either.
  @Test
  void aVoterWhoseRecordedStorageIsNotItsOwnNeverCampaigns() {
    NodeHarness n3 =
        NodeHarness.withLog(
            "n3",
            CONFIG,
            Configuration.ofVoters(member("n1"), member("n2"), member("n3").withStorage(OTHER)),
            HardState.INITIAL);

    for (int t = 0; t < 10 * CONFIG.electionTicks(); t++) {
      n3.tick();
    }

    assertTrue(only(RequestVote.class, n3.drain()).isEmpty(), "it never asked for a vote");
    assertEquals(Role.FOLLOWER, n3.node.role());
  }

  // Members recorded before their storage was known (an older version's configuration, static
  // peers) get it recorded by the leader once they answer; the member keeps its place.
  @Test
  void membersRecordedWithoutAStorageAreIdentifiedByTheLeader() {
    ManualNetwork net = ManualNetwork.ofVoters(CONFIG, "n1", "n2", "n3");
    net.add(NodeHarness.joining("n4", CONFIG));
    NodeHarness n1 = net.elect("n1");
    Member unknown = Member.of("n4", "n4.spindle.test:7000");
    assertInstanceOf(
        ProposeResult.Accepted.class,
        n1.node.proposeConfigChange(new ConfigChange.AddLearner(unknown)));
    net.stabilize();
    assertEquals(List.of(unknown), n1.node.configuration().learners());

    net.tick("n1", 2);

    assertEquals(List.of(member("n4")), n1.node.configuration().learners(), "identified");
    assertEquals(n1.node.configuration(), net.raft("n4").configuration());
  }

  // A learner is promoted with the storage it answers from, so that a voter's storage is always
  // known; one that never answered is not promoted yet.
  @Test
  void aLearnerIsPromotedWithTheStorageItAnswersFrom() {
    ManualNetwork net = ManualNetwork.ofVoters(CONFIG, "n1", "n2", "n3");
    net.add(NodeHarness.joining("n4", CONFIG));
    NodeHarness n1 = net.elect("n1");
    Member unknown = Member.of("n4", "n4.spindle.test:7000");
    n1.node.proposeConfigChange(new ConfigChange.AddLearner(unknown));
    net.isolate("n4");
    net.stabilize();

    ProposeResult early = n1.node.proposeConfigChange(new ConfigChange.Promote(nid("n4")));
    assertInstanceOf(ProposeResult.Rejected.class, early, "n4 never answered");
    assertTrue(((ProposeResult.Rejected) early).reason().contains("unknown"), early.toString());

    net.heal();
    net.tick("n1", 1);
    assertInstanceOf(
        ProposeResult.Accepted.class,
        n1.node.proposeConfigChange(new ConfigChange.Promote(nid("n4"))));
    net.stabilize();
    assertTrue(n1.node.configuration().voters().contains(member("n4")));
  }

  // A late answer from the disk that is gone, overtaken on the network by answers from the new one,
  // must not make the leader take the member back under its old storage.
  @Test
  void aLateAnswerFromAStorageThatIsGoneDoesNotUndoTheRejoin() {
    ManualNetwork net = ManualNetwork.ofVoters(CONFIG, "n1", "n2", "n3");
    NodeHarness n1 = net.elect("n1");
    NodeHarness wiped = NodeHarness.wiped("n3", CONFIG);
    net.add(wiped);
    net.tick("n1", 3);
    Configuration rejoined = n1.node.configuration();
    assertTrue(rejoined.isLearner(nid("n3")));

    n1.stepAndDrain(
        new io.spindle.raft.message.HeartbeatResponse(
            nid("n3"), nid("n1"), n1.node.term(), 1, 0, storageOf("n3")));
    net.tick("n1", 3);

    assertEquals(wiped.storage, n1.node.configuration().storageOf(nid("n3")));
    assertFalse(n1.node.configuration().isVoter(nid("n3")));
  }
}
