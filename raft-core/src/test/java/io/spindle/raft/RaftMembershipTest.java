package io.spindle.raft;

import static io.spindle.raft.NodeHarness.bytes;
import static io.spindle.raft.NodeHarness.entry;
import static io.spindle.raft.NodeHarness.member;
import static io.spindle.raft.NodeHarness.nid;
import static io.spindle.raft.NodeHarness.voters;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.raft.message.AppendEntries;
import io.spindle.raft.message.AppendEntriesResponse;
import io.spindle.raft.message.RequestVote;
import io.spindle.raft.message.RequestVoteResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Single-server membership changes (thesis §4.1) and learners (thesis §4.2.1). */
class RaftMembershipTest {

  private static final RaftSettings DEFAULTS = RaftSettings.defaults();
  private static final int E = DEFAULTS.electionTicks();

  /** n1 leads {n1, n2, n3}; n4 is up, in no configuration yet. */
  private static ManualNetwork clusterWithSpareN4() {
    ManualNetwork net = ManualNetwork.ofVoters(DEFAULTS, "n1", "n2", "n3");
    net.add(NodeHarness.joining("n4", DEFAULTS));
    net.elect("n1");
    return net;
  }

  private static ManualNetwork clusterWithLearnerN4() {
    ManualNetwork net = clusterWithSpareN4();
    ProposeResult added =
        net.raft("n1").proposeConfigChange(new ConfigChange.AddLearner(member("n4")));
    assertInstanceOf(ProposeResult.Accepted.class, added);
    net.stabilize();
    return net;
  }

  // ---------------------------------------------------------------------------------------------
  // Learners (thesis §4.2.1).

  // Thesis §4.2.1: a new server joins "as non-voting members. The leader replicates log entries to
  // them, but they are not considered for majorities." It never starts an election.
  @Test
  void learnerReceivesTheLogButNeverCampaigns() {
    ManualNetwork net = clusterWithLearnerN4();
    net.raft("n1").propose(bytes("x"));
    net.stabilize();

    NodeHarness n4 = net.node("n4");
    assertEquals(net.node("n1").logEntries(), n4.logEntries());
    assertEquals(Role.LEARNER, n4.node.role());
    assertTrue(n4.node.configuration().isLearner(nid("n4")));
    assertEquals(3, n4.lastApplied, "a learner applies what is committed");

    net.isolate("n1");
    net.tick("n4", 10 * E);
    assertTrue(
        net.dropped.stream().noneMatch(m -> m instanceof RequestVote && m.from().equals(n4.id)),
        "the learner never asked for a vote");
    assertEquals(Role.LEARNER, n4.node.role());
  }

  // Thesis §4.2.1: learners "are not considered for majorities" when committing.
  @Test
  void learnerDoesNotCountForCommit() {
    ManualNetwork net = clusterWithLearnerN4();
    RaftNode n1 = net.raft("n1");
    long commit = n1.commitIndex();
    net.isolate("n2");
    net.isolate("n3");

    n1.propose(bytes("x"));
    net.stabilize();

    assertEquals(n1.lastIndex(), net.raft("n4").lastIndex(), "the learner stores the entry");
    assertEquals(commit, n1.commitIndex(), "but the leader alone and a learner are no majority");
  }

  // A learner never campaigns and is never counted unless the candidate holds it for a voter, but
  // it answers a vote request: one promoted by an entry it has not received yet must vote, or a
  // single voter that promotes a second and then loses it for an election timeout (CheckQuorum)
  // could never be elected again (found by the growing-cluster simulation).
  @Test
  void aPromotedLearnerThatMissedItsPromotionStillVotes() {
    ManualNetwork net = ManualNetwork.ofVoters(DEFAULTS, "n1");
    net.add(NodeHarness.joining("n2", DEFAULTS));
    net.elect("n1");
    RaftNode n1 = net.raft("n1");
    n1.proposeConfigChange(new ConfigChange.AddLearner(member("n2")));
    net.stabilize();
    assertTrue(net.raft("n2").configuration().isLearner(nid("n2")));

    net.isolate("n2");
    ProposeResult promote = n1.proposeConfigChange(new ConfigChange.Promote(nid("n2")));
    long index = ((ProposeResult.Accepted) promote).index();
    net.tickAll(2 * E);
    assertTrue(n1.role() != Role.LEADER, "n1 lost its quorum of two and stepped down");
    assertEquals(Role.LEARNER, net.raft("n2").role(), "n2 never heard of its promotion");

    net.heal();
    net.tickAll(3 * E);
    assertEquals(Role.LEADER, n1.role(), "n2, still a learner, voted for n1");
    assertTrue(n1.commitIndex() >= index, "and the promotion committed");
    assertEquals(Role.FOLLOWER, net.raft("n2").role());
  }

  // ---------------------------------------------------------------------------------------------
  // Changes through the log (thesis §4.1).

  // Thesis §4.1: "a server always uses the latest configuration in its log, regardless of whether
  // the entry is committed" — the leader as soon as it appends the entry, a follower as soon as it
  // receives it.
  @Test
  void configurationTakesEffectWhenAppendedBeforeItCommits() {
    ManualNetwork net = clusterWithLearnerN4();
    RaftNode n1 = net.raft("n1");
    net.drop(m -> m instanceof AppendEntriesResponse);

    ProposeResult promote = n1.proposeConfigChange(new ConfigChange.Promote(nid("n4")));
    assertTrue(n1.configuration().isVoter(nid("n4")), "effective on the leader at once");
    net.stabilize();

    long index = ((ProposeResult.Accepted) promote).index();
    RaftNode n2 = net.raft("n2");
    assertTrue(n2.configuration().isVoter(nid("n4")), "effective on a follower that appended it");
    assertTrue(n2.commitIndex() < index && n1.commitIndex() < index, "and not yet committed");
    assertEquals(Role.FOLLOWER, net.raft("n4").role(), "the promoted learner now votes");
  }

  // Thesis §4.1: the whole life of a member, through the log: added as learner, caught up,
  // promoted to voter (and counted for commit), then removed (and no longer counted).
  @Test
  void memberIsAddedAsLearnerPromotedThenRemovedThroughTheLog() {
    ManualNetwork net = clusterWithLearnerN4();
    RaftNode n1 = net.raft("n1");
    assertEquals(Role.LEARNER, net.raft("n4").role());

    assertInstanceOf(
        ProposeResult.Accepted.class, n1.proposeConfigChange(new ConfigChange.Promote(nid("n4"))));
    net.stabilize();
    assertEquals(4, n1.configuration().voters().size());
    assertEquals(3, n1.configuration().quorum());
    for (String id : List.of("n1", "n2", "n3", "n4")) {
      assertEquals(n1.configuration(), net.raft(id).configuration(), id);
    }

    // Four voters: n1 and n4 are not a majority any more, n1, n2 and n4 are.
    net.isolate("n2");
    net.isolate("n3");
    n1.propose(bytes("a"));
    net.stabilize();
    long before = n1.commitIndex();
    assertTrue(before < n1.lastIndex());
    net.heal();
    net.isolate("n3");
    net.tick("n1", 1);
    assertEquals(n1.lastIndex(), n1.commitIndex());

    net.heal();
    assertInstanceOf(
        ProposeResult.Accepted.class, n1.proposeConfigChange(new ConfigChange.Remove(nid("n3"))));
    assertFalse(n1.configuration().contains(nid("n3")));
    assertFalse(n1.progress().containsKey(nid("n3")), "n3 is no longer a follower");
    net.stabilize();
    assertEquals(3, n1.configuration().voters().size());
    assertEquals(n1.commitIndex(), n1.lastIndex());

    // Three voters {n1, n2, n4}: n3's acknowledgements no longer matter.
    net.isolate("n4");
    n1.propose(bytes("b"));
    net.stabilize();
    assertEquals(n1.lastIndex(), n1.commitIndex(), "n1 and n2 are a majority of three");
  }

  // A member that restarts elsewhere keeps its identity, its vote, its log and its storage: only
  // its
  // address changes, through the log like any change, and no quorum moves.
  @Test
  void aMemberGetsANewAddressAndKeepsItsPlace() {
    ManualNetwork net = clusterWithLearnerN4();
    RaftNode n1 = net.raft("n1");
    Member n2Moved = Member.of("n2", "n2.elsewhere.test:7100");
    Member n4Moved = Member.of("n4", "n4.elsewhere.test:7100");

    assertInstanceOf(
        ProposeResult.Accepted.class, n1.proposeConfigChange(new ConfigChange.Readdress(n2Moved)));
    net.stabilize();
    assertInstanceOf(
        ProposeResult.Accepted.class, n1.proposeConfigChange(new ConfigChange.Readdress(n4Moved)));
    net.stabilize();

    Configuration c = n1.configuration();
    assertEquals(
        List.of(member("n1"), member("n2").withAddress(n2Moved.address()), member("n3")),
        c.voters(),
        "n2 still votes, from the same storage");
    assertEquals(
        List.of(member("n4").withAddress(n4Moved.address())),
        c.learners(),
        "n4 is still a learner");
    for (String id : List.of("n1", "n2", "n3", "n4")) {
      assertEquals(c, net.raft(id).configuration(), id);
    }
    assertEquals(n1.lastIndex(), n1.commitIndex());

    ProposeResult again = n1.proposeConfigChange(new ConfigChange.Readdress(n2Moved));
    assertInstanceOf(ProposeResult.Rejected.class, again, "the same address is no change");
    ProposeResult stranger =
        n1.proposeConfigChange(new ConfigChange.Readdress(Member.of("n9", "x:1")));
    assertInstanceOf(ProposeResult.Rejected.class, stranger, "only a member is readdressed");
  }

  // Thesis §4.1: safety needs one change at a time: "the leader ... does not begin a new change
  // until the prior one is committed".
  @Test
  void atMostOneMembershipChangeIsPending() {
    ManualNetwork net = clusterWithSpareN4();
    RaftNode n1 = net.raft("n1");

    assertInstanceOf(
        ProposeResult.Accepted.class,
        n1.proposeConfigChange(new ConfigChange.AddLearner(member("n4"))));
    ProposeResult second = n1.proposeConfigChange(new ConfigChange.Remove(nid("n3")));
    assertInstanceOf(ProposeResult.Rejected.class, second);
    assertTrue(n1.configuration().contains(nid("n3")));

    net.stabilize();
    assertInstanceOf(
        ProposeResult.Accepted.class, n1.proposeConfigChange(new ConfigChange.Remove(nid("n3"))));
  }

  // Thesis §4.2.2 (the leader removing itself is subtle); this core asks for a transfer first.
  @Test
  void leaderRefusesToRemoveItself() {
    ManualNetwork net = clusterWithSpareN4();
    RaftNode n1 = net.raft("n1");

    ProposeResult result = n1.proposeConfigChange(new ConfigChange.Remove(nid("n1")));

    assertInstanceOf(ProposeResult.Rejected.class, result);
    assertTrue(((ProposeResult.Rejected) result).reason().contains("transfer"), result.toString());
    assertTrue(n1.configuration().isVoter(nid("n1")));
  }

  // Thesis §4.1: a change that makes no sense for the current configuration is refused with the
  // reason, not appended.
  @Test
  void invalidChangeIsRefusedWithItsReason() {
    ManualNetwork net = clusterWithSpareN4();
    RaftNode n1 = net.raft("n1");
    long last = n1.lastIndex();

    ProposeResult result = n1.proposeConfigChange(new ConfigChange.Promote(nid("n4")));

    assertInstanceOf(ProposeResult.Rejected.class, result);
    assertTrue(((ProposeResult.Rejected) result).reason().contains("learner"), result.toString());
    assertEquals(last, n1.lastIndex());
  }

  // Thesis §4.1: "if the ... entry is removed from the log [by a new leader overwriting it], the
  // server reverts to the previous configuration in its log".
  @Test
  void followerRevertsToThePreviousConfigurationWhenAConfigEntryIsTruncated() {
    Configuration three = voters("n1", "n2", "n3");
    NodeHarness n2 =
        NodeHarness.withLog("n2", DEFAULTS, three, new HardState(1, null), entry(1, 1));
    Configuration withLearner = three.apply(new ConfigChange.AddLearner(member("n4")));
    n2.stepAndDrain(
        new AppendEntries(
            nid("n1"), nid("n2"), 1, 1, 1, List.of(Entry.config(2, 1, withLearner)), 1));
    assertEquals(withLearner, n2.node.configuration());

    n2.stepAndDrain(new AppendEntries(nid("n3"), nid("n2"), 2, 1, 1, List.of(Entry.noop(2, 2)), 1));

    assertEquals(three, n2.node.configuration());
    assertEquals(List.of(entry(1, 1), Entry.noop(2, 2)), n2.logEntries());
  }

  // Thesis §4.1: a new leader cannot tell whether a configuration entry in its log committed; it
  // treats it as pending until an entry of its own term commits.
  @Test
  void newLeaderTreatsAnUncommittedConfigEntryAsPending() {
    Configuration three = voters("n1", "n2", "n3");
    Configuration withLearner = three.apply(new ConfigChange.AddLearner(member("n4")));
    Entry config = Entry.config(2, 1, withLearner);
    ManualNetwork net =
        new ManualNetwork(
            NodeHarness.withLog("n1", DEFAULTS, three, new HardState(1, null), entry(1, 1), config),
            NodeHarness.withLog("n2", DEFAULTS, three, new HardState(1, null), entry(1, 1), config),
            NodeHarness.withLog("n3", DEFAULTS, three, new HardState(1, null), entry(1, 1)));
    net.add(NodeHarness.joining("n4", DEFAULTS));
    net.drop(m -> m instanceof AppendEntriesResponse);
    RaftNode n1 = net.elect("n1").node;

    assertEquals(withLearner, n1.configuration());
    assertInstanceOf(
        ProposeResult.Rejected.class, n1.proposeConfigChange(new ConfigChange.Remove(nid("n3"))));

    net.heal();
    net.tick("n1", 1);
    assertEquals(3, n1.commitIndex());
    assertInstanceOf(
        ProposeResult.Accepted.class, n1.proposeConfigChange(new ConfigChange.Remove(nid("n3"))));
  }

  // Thesis §4.1 with Figure 2: the configuration lives in the log, so a restarted server finds the
  // latest one there, committed or not.
  @Test
  void configurationIsRebuiltFromTheLogAfterARestart() {
    ManualNetwork net = clusterWithLearnerN4();
    net.drop(m -> m instanceof AppendEntriesResponse);
    net.raft("n1").proposeConfigChange(new ConfigChange.Promote(nid("n4")));
    net.stabilize();
    NodeHarness n2 = net.node("n2");
    Configuration before = n2.node.configuration();
    assertTrue(before.isVoter(nid("n4")));

    n2.restart();

    assertEquals(before, n2.node.configuration());
  }

  // Thesis §4.2.2: a removed server may be shut down once the removal is committed; it can tell so
  // only if it hears of the entry and of its commit. The leader goes on replicating to it for an
  // election timeout after the commit, counting it for nothing, then stops.
  @Test
  void removedServerSeesItsRemovalCommittedThenHearsNoMore() {
    ManualNetwork net = clusterWithLearnerN4();
    RaftNode n1 = net.raft("n1");
    ProposeResult removed = n1.proposeConfigChange(new ConfigChange.Remove(nid("n3")));
    long index = ((ProposeResult.Accepted) removed).index();
    net.stabilize();

    RaftNode n3 = net.raft("n3");
    assertTrue(n1.commitIndex() >= index);
    assertFalse(n3.configuration().contains(nid("n3")), "n3 holds the entry removing it");
    assertEquals(index, n3.configurationIndex());
    assertTrue(n3.commitIndex() >= index, "and knows it committed: " + n3.commitIndex());
    assertEquals(Role.LEARNER, n3.role(), "a removed server never campaigns");

    n1.propose(bytes("after"));
    net.stabilize();
    assertEquals(n1.lastIndex(), n3.lastIndex(), "still replicated to, for a moment");
    net.isolate("n2");
    net.isolate("n4");
    n1.propose(bytes("not committed by n1 and n3"));
    net.stabilize();
    assertTrue(n1.commitIndex() < n1.lastIndex(), "n3 counts for nothing");
    net.heal();
    net.tick("n1", 1);

    net.tick("n1", E + 1);
    int before = net.delivered.size();
    net.tick("n1", 2 * DEFAULTS.heartbeatTicks() + 1);
    assertTrue(
        net.delivered.subList(before, net.delivered.size()).stream()
            .noneMatch(m -> m.to().equals(nid("n3"))),
        "an election timeout after the commit the leader forgets n3");
  }

  // ---------------------------------------------------------------------------------------------
  // Thesis §4.1 erratum (Ongaro, raft-dev, 2015): a leader must not append a new configuration
  // before it has committed an entry of its current term.

  // The rule itself: while its no-op is uncommitted, the new leader refuses every change.
  @Test
  void aNewLeaderChangesMembershipOnlyOnceItHasCommittedAnEntryOfItsTerm() {
    RaftSettings plain = DEFAULTS.withPreVoteAndCheckQuorum(false, false);
    ManualNetwork net = ManualNetwork.ofVoters(plain, "n1", "n2", "n3");
    net.add(NodeHarness.joining("n4", plain));
    NodeHarness n2 = net.node("n2");
    n2.tickUntilCampaign();
    while (net.deliverOnly(m -> m instanceof RequestVote || m instanceof RequestVoteResponse) > 0) {
      // the election only: the new leader's no-op stays unsent
    }
    assertEquals(Role.LEADER, n2.node.role());
    assertTrue(n2.node.commitIndex() < n2.node.lastIndex(), "its no-op is not committed yet");

    ProposeResult early = n2.node.proposeConfigChange(new ConfigChange.AddLearner(member("n4")));

    assertInstanceOf(ProposeResult.Rejected.class, early);
    assertTrue(
        ((ProposeResult.Rejected) early)
            .reason()
            .contains("not yet committed an entry of its term"),
        early.toString());
    net.stabilize();
    assertInstanceOf(
        ProposeResult.Accepted.class,
        n2.node.proposeConfigChange(new ConfigChange.AddLearner(member("n4"))));
  }

  // The erratum's scenario: voters s1-s4 and learner s5. s1 appends Promote(s5), which only s5
  // receives, and is cut off. s2 wins term 2 with s3 and s4. Had s2 removed s4 at once, s2 and s3
  // would have committed under {s1, s2, s3} without s4, and s1, s4 and s5 (a majority of s1's
  // five voters) could then elect one of them, which commits a different entry at the same index.
  @Test
  void theErratumScenarioNeverCommitsTwoEntriesAtOneIndex() {
    RaftSettings plain = DEFAULTS.withPreVoteAndCheckQuorum(false, false);
    ManualNetwork net = ManualNetwork.ofVoters(plain, "s1", "s2", "s3", "s4");
    net.add(NodeHarness.joining("s5", plain));
    NodeHarness s1 = net.elect("s1");
    assertInstanceOf(
        ProposeResult.Accepted.class,
        s1.node.proposeConfigChange(new ConfigChange.AddLearner(member("s5"))));
    net.stabilize();
    net.tick("s1", 1);

    net.drop(between("s1", "s2", "s3", "s4"));
    assertInstanceOf(
        ProposeResult.Accepted.class,
        s1.node.proposeConfigChange(new ConfigChange.Promote(nid("s5"))));
    net.stabilize();
    assertTrue(net.raft("s5").configuration().isVoter(nid("s5")), "only s5 has Promote(s5)");

    // s2 wins term 2 with the votes of s3 and s4, and tries to remove s4 the moment it wins ...
    net.drop(between("s5", "s2", "s3", "s4"));
    net.node("s2").tickUntilCampaign();
    while (net.deliverOnly(m -> m instanceof RequestVote || m instanceof RequestVoteResponse) > 0) {
      // the election only
    }
    RaftNode s2 = net.raft("s2");
    assertEquals(Role.LEADER, s2.role());
    ProposeResult early = s2.proposeConfigChange(new ConfigChange.Remove(nid("s4")));
    assertInstanceOf(ProposeResult.Rejected.class, early, "refused before its no-op commits");
    // ... while s4 hears nothing more from it.
    net.drop(between("s4", "s2"));
    net.stabilize();

    // s1, s4 and s5 find each other; s2 and s3 are cut off from them.
    net.heal();
    net.drop(between("s2", "s1", "s4", "s5"));
    net.drop(between("s3", "s1", "s4", "s5"));
    for (int t = 0; t < 8 * E; t++) {
      for (String id : List.of("s1", "s4", "s5")) {
        net.node(id).tick();
      }
      net.stabilize();
    }
    net.heal();
    net.tickAll(2 * E);

    List<NodeHarness> all = new ArrayList<>();
    for (String id : List.of("s1", "s2", "s3", "s4", "s5")) {
      all.add(net.node(id));
    }
    for (NodeHarness a : all) {
      for (NodeHarness b : all) {
        int upTo = (int) Math.min(a.node.commitIndex(), b.node.commitIndex());
        assertEquals(
            a.logEntries().subList(0, upTo),
            b.logEntries().subList(0, upTo),
            a.id + " and " + b.id + " committed different entries");
      }
    }
  }

  /** Messages between {@code one} and any of {@code others}, either way. */
  private static java.util.function.Predicate<io.spindle.raft.message.Message> between(
      String one, String... others) {
    List<String> rest = List.of(others);
    return m ->
        (m.from().value().equals(one) && rest.contains(m.to().value()))
            || (m.to().value().equals(one) && rest.contains(m.from().value()));
  }
}
