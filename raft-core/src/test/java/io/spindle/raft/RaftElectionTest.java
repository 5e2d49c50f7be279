package io.spindle.raft;

import static io.spindle.raft.NodeHarness.entry;
import static io.spindle.raft.NodeHarness.nid;
import static io.spindle.raft.NodeHarness.only;
import static io.spindle.raft.NodeHarness.storageOf;
import static io.spindle.raft.NodeHarness.voters;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.raft.message.AppendEntries;
import io.spindle.raft.message.AppendEntriesResponse;
import io.spindle.raft.message.Heartbeat;
import io.spindle.raft.message.Message;
import io.spindle.raft.message.RequestVote;
import io.spindle.raft.message.RequestVoteResponse;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** Terms (§5.1), leader election (§5.2) and the election restriction (§5.4.1). */
class RaftElectionTest {

  /** The paper's algorithm, without PreVote and CheckQuorum. */
  static final RaftSettings PLAIN = RaftSettings.defaults().withPreVoteAndCheckQuorum(false, false);

  static final RaftSettings DEFAULTS = RaftSettings.defaults();

  private static final int E = PLAIN.electionTicks();

  /** n1 of {n1, n2, n3} in {@code role}: term 0 as follower or pre-candidate, else term 1. */
  private static NodeHarness nodeIn(Role role) {
    RaftSettings config = role == Role.PRE_CANDIDATE ? DEFAULTS : PLAIN;
    NodeHarness n1 = NodeHarness.create("n1", config, "n1", "n2", "n3");
    if (role == Role.FOLLOWER) {
      return n1;
    }
    n1.tickUntilCampaign();
    n1.drain();
    if (role == Role.LEADER) {
      n1.stepAndDrain(
          new RequestVoteResponse(nid("n2"), nid("n1"), 1, true, false, storageOf("n2")));
    }
    assertEquals(role, n1.node.role());
    return n1;
  }

  // ---------------------------------------------------------------------------------------------
  // §5.1 Terms.

  // §5.1: "If a server's current term is smaller than the other's, it updates its current term to
  // the larger value. If a candidate or leader discovers that its term is out of date, it
  // immediately reverts to follower state."
  @ParameterizedTest
  @EnumSource(
      value = Role.class,
      names = {"FOLLOWER", "PRE_CANDIDATE", "CANDIDATE", "LEADER"})
  void higherTermAppendEntriesMakesAnyRoleAFollowerOfItsSender(Role role) {
    NodeHarness n1 = nodeIn(role);

    n1.stepAndDrain(new AppendEntries(nid("n2"), nid("n1"), 5, 0, 0, List.of(), 0));

    assertEquals(Role.FOLLOWER, n1.node.role());
    assertEquals(5, n1.node.term());
    assertEquals(Optional.of(nid("n2")), n1.node.leader());
    assertEquals(5, n1.persisted.term(), "the new term is persisted");
  }

  // §5.1: a higher term in a response steps a leader down too; its sender is not the leader.
  @ParameterizedTest
  @EnumSource(
      value = Role.class,
      names = {"CANDIDATE", "LEADER"})
  void higherTermResponseMakesCandidateOrLeaderAFollower(Role role) {
    NodeHarness n1 = nodeIn(role);
    Message response =
        role == Role.LEADER
            ? new AppendEntriesResponse(nid("n3"), nid("n1"), 4, false, 0, 0, 0, 0, storageOf("n3"))
            : new RequestVoteResponse(nid("n3"), nid("n1"), 4, false, false, storageOf("n3"));

    n1.stepAndDrain(response);

    assertEquals(Role.FOLLOWER, n1.node.role());
    assertEquals(4, n1.node.term());
    assertEquals(Optional.empty(), n1.node.leader());
  }

  // §5.1: "If a server receives a request with a stale term number, it rejects the request."
  @Test
  void staleTermRequestVoteIsRejectedWithTheCurrentTerm() {
    NodeHarness n1 =
        NodeHarness.withLog("n1", PLAIN, voters("n1", "n2", "n3"), new HardState(5, null));

    List<Message> out =
        n1.stepAndDrain(new RequestVote(nid("n2"), nid("n1"), 3, 9, 3, false, false));

    assertEquals(
        List.of(new RequestVoteResponse(nid("n1"), nid("n2"), 5, false, false, storageOf("n1"))),
        out);
    assertEquals(new HardState(5, null), n1.persisted);
  }

  // §5.1: a stale leader's AppendEntries is rejected; with PreVote or CheckQuorum on, the answer
  // carries the current term so that the stale leader steps down (thesis §9.6).
  @Test
  void staleTermAppendEntriesIsRejectedAndAnsweredWithTheCurrentTerm() {
    NodeHarness n1 =
        NodeHarness.withLog(
            "n1", DEFAULTS, voters("n1", "n2", "n3"), new HardState(5, null), entry(1, 1));

    List<Message> out =
        n1.stepAndDrain(new AppendEntries(nid("n2"), nid("n1"), 3, 1, 1, List.of(entry(2, 3)), 2));

    List<AppendEntriesResponse> responses = only(AppendEntriesResponse.class, out);
    assertEquals(1, responses.size(), "one answer: " + out);
    assertFalse(responses.get(0).success());
    assertEquals(5, responses.get(0).term());
    assertEquals(1, n1.node.lastIndex(), "nothing appended");
    assertEquals(0, n1.node.commitIndex());
    assertEquals(Optional.empty(), n1.node.leader(), "a stale leader is not recognised");
  }

  // §5.1: the same for a stale heartbeat.
  @Test
  void staleTermHeartbeatIsAnsweredWithTheCurrentTerm() {
    NodeHarness n1 =
        NodeHarness.withLog("n1", DEFAULTS, voters("n1", "n2", "n3"), new HardState(5, null));

    List<Message> out = n1.stepAndDrain(new Heartbeat(nid("n2"), nid("n1"), 4, 0, 1));

    assertEquals(1, out.size(), "one answer: " + out);
    assertEquals(5, out.get(0).term());
    assertEquals(nid("n2"), out.get(0).to());
    assertEquals(Optional.empty(), n1.node.leader());
  }

  // §5.1: without PreVote and CheckQuorum a stale AppendEntries may go unanswered (etcd's choice:
  // the stale leader learns the term from the new leader's heartbeats), but it is never accepted.
  @Test
  void staleTermAppendEntriesIsNeverAcceptedInThePlainAlgorithm() {
    NodeHarness n1 =
        NodeHarness.withLog(
            "n1", PLAIN, voters("n1", "n2", "n3"), new HardState(5, null), entry(1, 1));

    List<Message> out =
        n1.stepAndDrain(new AppendEntries(nid("n2"), nid("n1"), 3, 1, 1, List.of(entry(2, 3)), 2));

    assertTrue(only(AppendEntriesResponse.class, out).stream().noneMatch(r -> r.success()));
    assertTrue(out.stream().allMatch(m -> m.term() == 5), "any answer carries term 5: " + out);
    assertEquals(1, n1.node.lastIndex());
    assertEquals(Role.FOLLOWER, n1.node.role());
    assertEquals(5, n1.node.term());
  }

  // ---------------------------------------------------------------------------------------------
  // §5.2 Leader election.

  // §5.2: "Raft uses randomized election timeouts ... chosen randomly from a fixed interval";
  // here [electionTicks, 2 * electionTicks).
  @Test
  void electionTimeoutIsRandomizedInOneToTwoElectionTimeouts() {
    Set<Integer> seen = new TreeSet<>();
    for (long seed = 0; seed < 200; seed++) {
      NodeHarness n = NodeHarness.seeded("n1", PLAIN, seed, "n1", "n2", "n3");
      int ticks = n.tickUntilCampaign();
      assertTrue(ticks >= E && ticks < 2 * E, "seed " + seed + " timed out after " + ticks);
      seen.add(ticks);
    }
    assertEquals(E, seen.iterator().next(), "the whole range is used: " + seen);
    assertEquals(2 * E - 1, ((TreeSet<Integer>) seen).last(), "the whole range is used: " + seen);
  }

  // §5.2: "If a follower receives no communication over a period of time called the election
  // timeout, then it assumes there is no viable leader and begins an election."
  @Test
  void followerThatHearsNothingBecomesCandidateOfTheNextTerm() {
    NodeHarness n1 = NodeHarness.create("n1", PLAIN, "n1", "n2", "n3");

    n1.tickUntilCampaign();

    assertEquals(Role.CANDIDATE, n1.node.role());
    assertEquals(1, n1.node.term());
  }

  // §5.2: "Servers remain in follower state as long as they receive valid RPCs from a leader."
  @Test
  void followerThatHearsFromTheLeaderNeverCampaigns() {
    NodeHarness n1 = NodeHarness.create("n1", PLAIN, "n1", "n2", "n3");

    for (int t = 1; t <= 10 * E; t++) {
      n1.tick();
      if (t % (E - 1) == 0) {
        n1.node.step(new Heartbeat(nid("n2"), nid("n1"), 1, 0, t));
      }
      n1.drain();
      assertEquals(Role.FOLLOWER, n1.node.role(), "tick " + t);
    }
    assertEquals(1, n1.node.term());
  }

  // §5.2: "A candidate ... votes for itself and issues RequestVote RPCs in parallel to each of the
  // other servers"; Figure 2: currentTerm and votedFor are on stable storage before any RPC leaves.
  @Test
  void candidatePersistsTermAndSelfVoteInTheReadyThatCarriesItsRequestVotes() {
    NodeHarness n1 =
        NodeHarness.withLog(
            "n1",
            PLAIN,
            voters("n1", "n2", "n3"),
            new HardState(2, null),
            entry(1, 1),
            entry(2, 2));
    n1.tickUntilCampaign();

    Ready ready = n1.handleReady();

    assertEquals(new HardState(3, nid("n1")), ready.hardState());
    assertTrue(ready.mustSync());
    assertEquals(
        List.of(
            new RequestVote(nid("n1"), nid("n2"), 3, 2, 2, false, false),
            new RequestVote(nid("n1"), nid("n3"), 3, 2, 2, false, false)),
        ready.messages());
  }

  // §5.2: "A candidate wins an election if it receives votes from a majority of the servers in the
  // full cluster for the same term." Its own vote counts; a repeated vote counts once.
  @Test
  void candidateWinsOnlyWithVotesFromAMajority() {
    NodeHarness n1 = NodeHarness.create("n1", PLAIN, "n1", "n2", "n3", "n4", "n5");
    n1.tickUntilCampaign();
    n1.drain();

    n1.stepAndDrain(new RequestVoteResponse(nid("n2"), nid("n1"), 1, true, false, storageOf("n2")));
    n1.stepAndDrain(new RequestVoteResponse(nid("n2"), nid("n1"), 1, true, false, storageOf("n2")));
    n1.stepAndDrain(new RequestVoteResponse(nid("n9"), nid("n1"), 1, true, false, storageOf("n9")));
    assertEquals(Role.CANDIDATE, n1.node.role(), "2 of 5 (a duplicate, a stranger) is no majority");

    n1.stepAndDrain(new RequestVoteResponse(nid("n3"), nid("n1"), 1, true, false, storageOf("n3")));
    assertEquals(Role.LEADER, n1.node.role());
    assertEquals(Optional.of(nid("n1")), n1.node.leader());
    assertEquals(1, n1.node.term());
  }

  // §5.2: the majority of a single-voter cluster is the node itself: it elects itself at once.
  @Test
  void singleVoterElectsItselfWhenItsTimeoutFires() {
    NodeHarness n1 = NodeHarness.create("n1", DEFAULTS, "n1");

    n1.tickUntilCampaign();
    n1.drain();

    assertEquals(Role.LEADER, n1.node.role());
    assertEquals(1, n1.node.term());
    assertEquals(1, n1.node.commitIndex(), "its no-op commits without anyone else");
  }

  // §5.2: a candidate refused by a majority has lost; it waits as a follower of the same term.
  @Test
  void candidateRefusedByAMajorityBecomesFollower() {
    NodeHarness n1 = nodeIn(Role.CANDIDATE);

    n1.stepAndDrain(
        new RequestVoteResponse(nid("n2"), nid("n1"), 1, false, false, storageOf("n2")));
    assertEquals(Role.CANDIDATE, n1.node.role());
    n1.stepAndDrain(
        new RequestVoteResponse(nid("n3"), nid("n1"), 1, false, false, storageOf("n3")));

    assertEquals(Role.FOLLOWER, n1.node.role());
    assertEquals(1, n1.node.term());
  }

  // §5.2: "If the leader's term ... is at least as large as the candidate's current term, then
  // the candidate recognizes the leader as legitimate and returns to follower state."
  @Test
  void candidateThatHearsFromALeaderOfItsTermBecomesItsFollower() {
    NodeHarness n1 = nodeIn(Role.CANDIDATE);

    List<Message> out =
        n1.stepAndDrain(new AppendEntries(nid("n2"), nid("n1"), 1, 0, 0, List.of(entry(1, 1)), 0));

    assertEquals(Role.FOLLOWER, n1.node.role());
    assertEquals(1, n1.node.term());
    assertEquals(Optional.of(nid("n2")), n1.node.leader());
    assertTrue(only(AppendEntriesResponse.class, out).get(0).success());
  }

  // §5.2: "each candidate will time out and start a new election by incrementing its term".
  @Test
  void candidateStartsANewElectionInANewTermAfterASplitVote() {
    NodeHarness n1 = nodeIn(Role.CANDIDATE);

    for (int t = 0; t < 2 * E && n1.node.term() == 1; t++) {
      n1.tick();
    }
    Ready ready = n1.handleReady();

    assertEquals(Role.CANDIDATE, n1.node.role());
    assertEquals(2, n1.node.term());
    assertEquals(new HardState(2, nid("n1")), ready.hardState());
    assertEquals(2, only(RequestVote.class, ready.messages()).size());
    assertTrue(only(RequestVote.class, ready.messages()).stream().allMatch(v -> v.term() == 2));
  }

  // §5.2: "Each server will vote for at most one candidate in a given term, on a first-come-
  // first-served basis." A retransmitted request from the same candidate is granted again.
  @Test
  void voterGrantsAtMostOneCandidatePerTerm() {
    NodeHarness n1 = NodeHarness.create("n1", PLAIN, "n1", "n2", "n3");

    List<Message> first =
        n1.stepAndDrain(new RequestVote(nid("n2"), nid("n1"), 1, 0, 0, false, false));
    List<Message> second =
        n1.stepAndDrain(new RequestVote(nid("n3"), nid("n1"), 1, 0, 0, false, false));
    List<Message> again =
        n1.stepAndDrain(new RequestVote(nid("n2"), nid("n1"), 1, 0, 0, false, false));

    assertEquals(
        List.of(new RequestVoteResponse(nid("n1"), nid("n2"), 1, true, false, storageOf("n1"))),
        first);
    assertEquals(
        List.of(new RequestVoteResponse(nid("n1"), nid("n3"), 1, false, false, storageOf("n1"))),
        second);
    assertEquals(
        List.of(new RequestVoteResponse(nid("n1"), nid("n2"), 1, true, false, storageOf("n1"))),
        again);
  }

  // §5.2 / Figure 2: the vote is on stable storage before the candidate hears of it.
  @Test
  void voteIsPersistedInTheReadyThatCarriesTheGrant() {
    NodeHarness n1 = NodeHarness.create("n1", PLAIN, "n1", "n2", "n3");
    n1.node.step(new RequestVote(nid("n2"), nid("n1"), 1, 0, 0, false, false));

    Ready ready = n1.handleReady();

    assertEquals(new HardState(1, nid("n2")), ready.hardState());
    assertTrue(ready.mustSync());
    assertEquals(
        List.of(new RequestVoteResponse(nid("n1"), nid("n2"), 1, true, false, storageOf("n1"))),
        ready.messages());
  }

  // §5.2 / Figure 2: because the vote is durable, a restart cannot make the voter vote twice.
  @Test
  void voteSurvivesARestart() {
    NodeHarness n1 = NodeHarness.create("n1", PLAIN, "n1", "n2", "n3");
    n1.stepAndDrain(new RequestVote(nid("n2"), nid("n1"), 1, 0, 0, false, false));

    n1.restart();
    List<Message> out =
        n1.stepAndDrain(new RequestVote(nid("n3"), nid("n1"), 1, 0, 0, false, false));

    assertEquals(
        List.of(new RequestVoteResponse(nid("n1"), nid("n3"), 1, false, false, storageOf("n1"))),
        out);
  }

  // §5.2: a follower that knows the leader of the current term does not vote for another
  // candidate of that term (it has not timed out).
  @Test
  void followerOfALiveLeaderRefusesCandidatesOfTheSameTerm() {
    NodeHarness n1 = NodeHarness.create("n1", PLAIN, "n1", "n2", "n3");
    n1.stepAndDrain(new Heartbeat(nid("n2"), nid("n1"), 1, 0, 1));

    List<Message> out =
        n1.stepAndDrain(new RequestVote(nid("n3"), nid("n1"), 1, 0, 0, false, false));

    assertEquals(
        List.of(new RequestVoteResponse(nid("n1"), nid("n3"), 1, false, false, storageOf("n1"))),
        out);
    assertNull(n1.persisted.votedFor());
  }

  // ---------------------------------------------------------------------------------------------
  // §5.4.1 Election restriction.

  // §5.4.1: "If the logs have last entries with different terms, then the log with the later term
  // is more up-to-date. If the logs end with the same term, then whichever log is longer is more
  // up-to-date." The voter's log ends at index 3, term 2.
  @ParameterizedTest(name = "candidate last entry {0}@{1}: granted={2}")
  @CsvSource({
    "5, 1, false", // older last term, however long
    "2, 2, false", // same last term, shorter
    "3, 2, true", // same last term, as long
    "4, 2, true", // same last term, longer
    "1, 3, true", // newer last term, however short
  })
  void voterGrantsOnlyACandidateWithALogAtLeastAsUpToDate(
      long lastIndex, long lastTerm, boolean granted) {
    NodeHarness voter =
        NodeHarness.withLog(
            "n1",
            PLAIN,
            voters("n1", "n2", "n3"),
            new HardState(2, null),
            entry(1, 1),
            entry(2, 2),
            entry(3, 2));

    List<Message> vote =
        voter.stepAndDrain(
            new RequestVote(nid("n2"), nid("n1"), 3, lastIndex, lastTerm, false, false));

    assertEquals(
        List.of(new RequestVoteResponse(nid("n1"), nid("n2"), 3, granted, false, storageOf("n1"))),
        vote);
    assertEquals(3, voter.node.term(), "the voter adopts the newer term either way");
  }

  // §5.4.1 and thesis §9.6: a PreVote is judged by the same up-to-date rule.
  @ParameterizedTest(name = "pre-candidate last entry {0}@{1}: granted={2}")
  @CsvSource({"5, 1, false", "2, 2, false", "3, 2, true", "1, 3, true"})
  void preVoteIsJudgedByTheSameUpToDateRule(long lastIndex, long lastTerm, boolean granted) {
    NodeHarness voter =
        NodeHarness.withLog(
            "n1",
            DEFAULTS,
            voters("n1", "n2", "n3"),
            new HardState(2, null),
            entry(1, 1),
            entry(2, 2),
            entry(3, 2));

    List<RequestVoteResponse> vote =
        only(
            RequestVoteResponse.class,
            voter.stepAndDrain(
                new RequestVote(nid("n2"), nid("n1"), 3, lastIndex, lastTerm, true, false)));

    assertEquals(1, vote.size());
    assertEquals(granted, vote.get(0).granted());
    assertTrue(vote.get(0).preVote());
    assertEquals(2, voter.node.term(), "a PreVote never changes the voter's term");
  }
}
