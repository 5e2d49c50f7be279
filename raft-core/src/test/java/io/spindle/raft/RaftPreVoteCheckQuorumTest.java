package io.spindle.raft;

import static io.spindle.raft.NodeHarness.nid;
import static io.spindle.raft.NodeHarness.only;
import static io.spindle.raft.NodeHarness.storageOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.raft.message.Heartbeat;
import io.spindle.raft.message.Message;
import io.spindle.raft.message.RequestVote;
import io.spindle.raft.message.RequestVoteResponse;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * PreVote (thesis §9.6), leader stickiness against disruptive servers (§4.2.3) and CheckQuorum
 * (§6.2).
 */
class RaftPreVoteCheckQuorumTest {

  private static final RaftSettings DEFAULTS = RaftSettings.defaults();
  private static final RaftSettings PRE_VOTE_ONLY = DEFAULTS.withPreVoteAndCheckQuorum(true, false);
  private static final RaftSettings CHECK_QUORUM_ONLY =
      DEFAULTS.withPreVoteAndCheckQuorum(false, true);
  private static final RaftSettings PLAIN = DEFAULTS.withPreVoteAndCheckQuorum(false, false);
  private static final int E = DEFAULTS.electionTicks();

  // ---------------------------------------------------------------------------------------------
  // PreVote.

  // Thesis §9.6: "a candidate only increments its term if it first learns from a majority of the
  // cluster that they would be willing to grant the candidate their votes". The pre-campaign
  // itself changes nothing durable.
  @Test
  void preCandidateAsksForTheNextTermWithoutChangingItsOwn() {
    NodeHarness n1 = NodeHarness.create("n1", DEFAULTS, "n1", "n2", "n3");
    n1.drain(); // the start-up sync
    n1.tickUntilCampaign();

    Ready ready = n1.handleReady();

    assertEquals(Role.PRE_CANDIDATE, n1.node.role());
    assertEquals(0, n1.node.term());
    assertNull(ready.hardState(), "nothing to persist: term and vote are unchanged");
    assertFalse(ready.mustSync());
    List<RequestVote> probes = only(RequestVote.class, ready.messages());
    assertEquals(2, probes.size());
    assertTrue(probes.stream().allMatch(v -> v.preVote() && v.term() == 1), probes.toString());
  }

  // Thesis §9.6: only with a majority of PreVotes does the node start the real election.
  @Test
  void preCandidateBecomesCandidateOnlyWithAMajorityOfPreVotes() {
    NodeHarness n1 = NodeHarness.create("n1", DEFAULTS, "n1", "n2", "n3", "n4", "n5");
    n1.tickUntilCampaign();
    n1.drain();

    n1.stepAndDrain(new RequestVoteResponse(nid("n2"), nid("n1"), 1, true, true, storageOf("n2")));
    assertEquals(Role.PRE_CANDIDATE, n1.node.role());
    assertEquals(0, n1.node.term(), "a granted PreVote carries the campaign term; not adopted");

    n1.node.step(new RequestVoteResponse(nid("n3"), nid("n1"), 1, true, true, storageOf("n3")));
    Ready ready = n1.handleReady();
    assertEquals(Role.CANDIDATE, n1.node.role());
    assertEquals(new HardState(1, nid("n1")), ready.hardState());
    assertTrue(only(RequestVote.class, ready.messages()).stream().noneMatch(RequestVote::preVote));
  }

  // Thesis §9.6: a pre-candidate refused by a majority goes back to follower, its term unchanged.
  @Test
  void preCandidateRefusedByAMajorityStaysAtItsTerm() {
    NodeHarness n1 = NodeHarness.create("n1", DEFAULTS, "n1", "n2", "n3");
    n1.tickUntilCampaign();
    n1.drain();

    n1.stepAndDrain(new RequestVoteResponse(nid("n2"), nid("n1"), 0, false, true, storageOf("n2")));
    n1.stepAndDrain(new RequestVoteResponse(nid("n3"), nid("n1"), 0, false, true, storageOf("n3")));

    assertEquals(Role.FOLLOWER, n1.node.role());
    assertEquals(0, n1.node.term());
  }

  // Thesis §9.6: granting a PreVote is a promise about the future, not a vote: the voter keeps
  // its term and its vote, and has nothing to persist.
  @Test
  void grantingAPreVoteChangesNeitherTermNorVote() {
    NodeHarness n2 =
        NodeHarness.withLog(
            "n2", DEFAULTS, NodeHarness.voters("n1", "n2", "n3"), new HardState(1, null));

    n2.node.step(new RequestVote(nid("n1"), nid("n2"), 2, 0, 0, true, false));
    Ready ready = n2.handleReady();

    assertEquals(
        List.of(new RequestVoteResponse(nid("n2"), nid("n1"), 2, true, true, storageOf("n2"))),
        ready.messages());
    assertNull(ready.hardState());
    assertEquals(1, n2.node.term());
    assertEquals(new HardState(1, null), n2.persisted);
  }

  // Thesis §9.6: a node cut off from the cluster keeps pre-campaigning, but no term is ever bumped;
  // when it comes back it simply follows the leader, which is not disrupted.
  @Test
  void partitionedNodePreVotesWithoutBumpingTermsAndRejoinsWithoutDisruption() {
    ManualNetwork net = ManualNetwork.ofVoters(DEFAULTS, "n1", "n2", "n3");
    net.elect("n1");
    net.isolate("n3");

    net.tickAll(5 * E);

    assertEquals(1, net.raft("n3").term());
    assertEquals(Role.PRE_CANDIDATE, net.raft("n3").role());
    assertFalse(
        net.dropped.stream()
            .filter(m -> m instanceof RequestVote && m.from().equals(nid("n3")))
            .map(m -> (RequestVote) m)
            .anyMatch(v -> !v.preVote()),
        "n3 never ran a real election");

    net.heal();
    net.tickAll(2 * E);

    assertEquals(Role.LEADER, net.raft("n1").role());
    assertEquals(1, net.raft("n1").term());
    assertEquals(Role.FOLLOWER, net.raft("n3").role());
    assertEquals(Optional.of(nid("n1")), net.raft("n3").leader());
  }

  // Thesis §9.6 (the PreVote rule itself): voters grant a PreVote only "if ... the voters have not
  // received heartbeats from a valid leader for at least a baseline election timeout". That is
  // part of PreVote, so it must hold with CheckQuorum off too.
  @Test
  void preVoteIsRefusedByAVoterThatHeardFromTheLeaderWithinAnElectionTimeout() {
    NodeHarness n2 = NodeHarness.create("n2", PRE_VOTE_ONLY, "n1", "n2", "n3");
    n2.stepAndDrain(new Heartbeat(nid("n1"), nid("n2"), 1, 0, 1));

    List<Message> out =
        n2.stepAndDrain(new RequestVote(nid("n3"), nid("n2"), 2, 0, 0, true, false));

    assertTrue(
        only(RequestVoteResponse.class, out).stream().noneMatch(RequestVoteResponse::granted),
        "n2 heard from leader n1 one step ago, yet granted a PreVote to n3: " + out);
  }

  // Thesis §9.6, the consequence: n3 loses only its link to leader n1; n2 still hears n1. With
  // PreVote, n3's pre-campaign must fail (n2 hears from a leader), so the healthy leader stays.
  @Test
  void nodeCutOffFromTheLeaderOnlyCannotDeposeItWithPreVote() {
    ManualNetwork net = ManualNetwork.ofVoters(PRE_VOTE_ONLY, "n1", "n2", "n3");
    net.elect("n1");
    net.drop(
        m ->
            (m.from().equals(nid("n1")) && m.to().equals(nid("n3")))
                || (m.from().equals(nid("n3")) && m.to().equals(nid("n1"))));

    net.tickAll(3 * E);

    assertEquals(Role.LEADER, net.raft("n1").role(), "n1 still leads: " + net.raft("n3").role());
    assertEquals(1, net.raft("n2").term());
    assertEquals(Optional.of(nid("n1")), net.raft("n2").leader());
  }

  // ---------------------------------------------------------------------------------------------
  // Leader stickiness (§4.2.3) and CheckQuorum (§6.2).

  // §4.2.3: "if a server receives a RequestVote request within the minimum election timeout of
  // hearing from a current leader, it does not update its term or grant its vote." Here: a node
  // that campaigned alone (no PreVote) rejoins with a higher term; nobody listens to it.
  @Test
  void rejoiningNodeWithAHigherTermDoesNotDisruptALeaderItsFollowersHear() {
    ManualNetwork net = ManualNetwork.ofVoters(CHECK_QUORUM_ONLY, "n1", "n2", "n3");
    net.elect("n1");
    net.isolate("n3");
    net.tick("n3", 3 * E);
    long n3Term = net.raft("n3").term();
    assertTrue(n3Term > 1, "n3 campaigned alone, term " + n3Term);

    net.heal();
    while (net.raft("n3").term() == n3Term) {
      net.node("n3").tick(); // until its next campaign, whose RequestVotes now reach n1 and n2
    }
    net.deliverOnly(m -> m instanceof RequestVote);
    net.deliverOnly(m -> true);

    assertEquals(Role.LEADER, net.raft("n1").role());
    assertEquals(1, net.raft("n1").term());
    assertEquals(1, net.raft("n2").term());
    assertEquals(1, net.node("n2").persisted.term());
    assertEquals(nid("n1"), net.node("n2").persisted.votedFor(), "n2's vote is still n1's");
    assertTrue(
        only(RequestVoteResponse.class, "n3", net.delivered).stream()
            .noneMatch(RequestVoteResponse::granted));
  }

  // §4.2.3: stickiness lasts an election timeout only; afterwards the voter votes normally.
  @Test
  void voterConsidersHigherTermCandidatesOnceItStopsHearingFromTheLeader() {
    NodeHarness n2 = NodeHarness.create("n2", CHECK_QUORUM_ONLY, "n1", "n2", "n3");
    n2.stepAndDrain(new Heartbeat(nid("n1"), nid("n2"), 1, 0, 1));

    List<Message> ignored =
        n2.stepAndDrain(new RequestVote(nid("n3"), nid("n2"), 2, 0, 0, false, false));
    assertEquals(List.of(), ignored);
    assertEquals(1, n2.node.term());

    for (int t = 0; t < E; t++) {
      n2.tick();
    }
    n2.drain();
    long term = n2.node.term();
    List<Message> vote =
        n2.stepAndDrain(new RequestVote(nid("n3"), nid("n2"), term + 1, 0, 0, false, false));

    assertEquals(
        List.of(
            new RequestVoteResponse(nid("n2"), nid("n3"), term + 1, true, false, storageOf("n2"))),
        vote);
  }

  // §6.2: "a leader steps down if an election timeout elapses without a successful round of
  // heartbeats to a majority of its cluster".
  @Test
  void leaderThatHearsFromNoMajorityWithinAnElectionTimeoutStepsDown() {
    ManualNetwork net = ManualNetwork.ofVoters(DEFAULTS, "n1", "n2", "n3");
    net.elect("n1");
    net.isolate("n1");

    int ticks = 0;
    while (net.raft("n1").role() == Role.LEADER && ticks < 3 * E) {
      net.tick("n1", 1);
      ticks++;
    }

    assertEquals(Role.FOLLOWER, net.raft("n1").role());
    assertEquals(Optional.empty(), net.raft("n1").leader());
    assertEquals(1, net.raft("n1").term(), "stepping down does not start a new term");
    assertTrue(ticks <= 2 * E, "stepped down after " + ticks + " ticks");
  }

  // §6.2: a leader that hears from a majority stays, however long a minority is away.
  @Test
  void leaderThatHearsFromAMajorityStays() {
    ManualNetwork net = ManualNetwork.ofVoters(DEFAULTS, "n1", "n2", "n3", "n4", "n5");
    net.elect("n1");
    net.isolate("n4");
    net.isolate("n5");

    net.tick("n1", 5 * E);

    assertEquals(Role.LEADER, net.raft("n1").role());
  }

  // §6.2: learners are not part of the majority a leader must hear from.
  @Test
  void learnersDoNotKeepALeaderInOffice() {
    ManualNetwork net = ManualNetwork.ofVoters(DEFAULTS, "n1", "n2", "n3");
    net.add(NodeHarness.joining("n4", DEFAULTS));
    NodeHarness n1 = net.elect("n1");
    n1.node.proposeConfigChange(new ConfigChange.AddLearner(NodeHarness.member("n4")));
    net.stabilize();
    assertEquals(Role.LEARNER, net.raft("n4").role());

    net.isolate("n2");
    net.isolate("n3");
    net.tick("n1", 3 * E);

    assertEquals(Role.FOLLOWER, n1.node.role());
  }

  // §6.2 is optional: without CheckQuorum a leader keeps its role while partitioned.
  @Test
  void withoutCheckQuorumAnIsolatedLeaderKeepsItsRole() {
    ManualNetwork net = ManualNetwork.ofVoters(PLAIN, "n1", "n2", "n3");
    net.elect("n1");
    net.isolate("n1");

    net.tick("n1", 5 * E);

    assertEquals(Role.LEADER, net.raft("n1").role());
  }
}
