package io.spindle.raft;

import static io.spindle.raft.NodeHarness.bytes;
import static io.spindle.raft.NodeHarness.nid;
import static io.spindle.raft.NodeHarness.only;
import static io.spindle.raft.NodeHarness.storageOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.raft.message.AppendEntriesResponse;
import io.spindle.raft.message.Message;
import io.spindle.raft.message.RequestVote;
import io.spindle.raft.message.RequestVoteResponse;
import io.spindle.raft.message.TimeoutNow;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Leadership transfer (thesis §3.10). */
class RaftTransferTest {

  private static final RaftSettings DEFAULTS = RaftSettings.defaults();
  private static final int E = DEFAULTS.electionTicks();

  /** n1 leads {n1, n2, n3}; n2 missed the last proposal. */
  private static ManualNetwork leaderWithLaggingN2() {
    ManualNetwork net = ManualNetwork.ofVoters(DEFAULTS, "n1", "n2", "n3");
    net.elect("n1");
    net.isolate("n2");
    net.raft("n1").propose(bytes("x"));
    net.stabilize();
    assertEquals(2, net.raft("n1").commitIndex());
    assertEquals(1, net.raft("n2").lastIndex());
    return net;
  }

  // Thesis §3.10 steps 1-2: "The prior leader stops accepting new client requests ... [and] fully
  // updates the target server's log to match its own ... [then] sends it a TimeoutNow request."
  @Test
  void timeoutNowIsSentOnlyOnceTheTargetIsCaughtUp() {
    ManualNetwork net = leaderWithLaggingN2();
    RaftNode n1 = net.raft("n1");

    assertInstanceOf(ProposeResult.Accepted.class, n1.transferLeadership(nid("n2")));
    assertEquals(List.of(), only(TimeoutNow.class, net.queued()), "n2 is behind: no TimeoutNow");

    net.heal();
    net.tick("n1", 1); // the heartbeat finds n2 behind and replication resumes

    List<Message> log = net.delivered;
    int caughtUp = -1;
    int timeoutNow = -1;
    for (int i = 0; i < log.size(); i++) {
      Message m = log.get(i);
      if (caughtUp < 0
          && m instanceof AppendEntriesResponse r
          && r.from().equals(nid("n2"))
          && r.success()
          && r.matchIndex() == 2) {
        caughtUp = i;
      }
      if (timeoutNow < 0 && m instanceof TimeoutNow) {
        timeoutNow = i;
      }
    }
    assertTrue(caughtUp >= 0 && timeoutNow > caughtUp, "caught up at " + caughtUp + ": " + log);
    assertEquals(Role.LEADER, net.raft("n2").role());
    assertEquals(2, net.raft("n2").term());
    assertEquals(Role.FOLLOWER, n1.role());
    assertEquals(Optional.of(nid("n2")), n1.leader());
  }

  // Thesis §3.10 step 3: "Upon receiving TimeoutNow, the target server starts an election
  // immediately": no election timeout to wait for and no PreVote round; its requests say they come
  // from a transfer so that voters still hearing from the old leader take part.
  @Test
  void targetCampaignsAtOnceForTheNextTermWithoutPreVote() {
    ManualNetwork net = ManualNetwork.ofVoters(DEFAULTS, "n1", "n2", "n3");
    net.elect("n1");
    NodeHarness n2 = net.node("n2");

    n2.node.step(new TimeoutNow(nid("n1"), nid("n2"), 1));
    Ready ready = n2.handleReady();

    assertEquals(Role.CANDIDATE, n2.node.role());
    assertEquals(2, n2.node.term());
    assertEquals(new HardState(2, nid("n2")), ready.hardState());
    List<RequestVote> requests = only(RequestVote.class, ready.messages());
    assertEquals(2, requests.size());
    assertTrue(requests.stream().allMatch(v -> !v.preVote() && v.transfer() && v.term() == 2));
  }

  // Thesis §3.10 with §4.2.3: stickiness would make a voter that hears from the leader ignore any
  // candidate; a transfer's campaign is the exception.
  @Test
  void voterThatHearsFromTheLeaderStillVotesInATransferCampaign() {
    ManualNetwork net = ManualNetwork.ofVoters(DEFAULTS, "n1", "n2", "n3");
    net.elect("n1");
    NodeHarness n3 = net.node("n3");

    List<Message> ignored =
        n3.stepAndDrain(new RequestVote(nid("n2"), nid("n3"), 2, 1, 1, false, false));
    List<Message> granted =
        n3.stepAndDrain(new RequestVote(nid("n2"), nid("n3"), 2, 1, 1, false, true));

    assertEquals(List.of(), ignored, "an ordinary higher-term candidate is ignored");
    assertEquals(
        List.of(new RequestVoteResponse(nid("n3"), nid("n2"), 2, true, false, storageOf("n3"))),
        granted);
  }

  // Thesis §3.10 step 1: "The prior leader stops accepting new client requests."
  @Test
  void proposalsAreRefusedWhileATransferIsInProgress() {
    ManualNetwork net = leaderWithLaggingN2();
    RaftNode n1 = net.raft("n1");
    n1.transferLeadership(nid("n2"));

    ProposeResult result = n1.propose(bytes("y"));
    ProposeResult change =
        n1.proposeConfigChange(new ConfigChange.AddLearner(NodeHarness.member("n4")));

    assertInstanceOf(ProposeResult.Rejected.class, result);
    assertTrue(((ProposeResult.Rejected) result).reason().contains("n2"), result.toString());
    assertInstanceOf(ProposeResult.Rejected.class, change);
  }

  // Thesis §3.10: "If the transfer does not complete within an election timeout, the prior leader
  // aborts the transfer and resumes accepting client requests."
  @Test
  void transferIsAbortedAfterAnElectionTimeout() {
    ManualNetwork net = leaderWithLaggingN2();
    RaftNode n1 = net.raft("n1");
    n1.transferLeadership(nid("n2"));

    net.tick("n1", E - 1);
    assertInstanceOf(ProposeResult.Rejected.class, n1.propose(bytes("early")));
    net.tick("n1", 1);

    assertInstanceOf(ProposeResult.Accepted.class, n1.propose(bytes("y")));
    assertEquals(Role.LEADER, n1.role());
    assertEquals(1, n1.term());
    assertEquals(List.of(), net.delivered(TimeoutNow.class));
  }

  // Thesis §3.10: only a voter can become leader; only a leader can hand leadership over.
  @Test
  void transferNeedsALeaderAndAVoterTarget() {
    ManualNetwork net = ManualNetwork.ofVoters(DEFAULTS, "n1", "n2", "n3");
    net.add(NodeHarness.joining("n4", DEFAULTS));
    RaftNode n1 = net.elect("n1").node;
    n1.proposeConfigChange(new ConfigChange.AddLearner(NodeHarness.member("n4")));
    net.stabilize();

    assertEquals(
        new ProposeResult.NotLeader(Optional.of(nid("n1"))),
        net.raft("n2").transferLeadership(nid("n3")));
    assertInstanceOf(ProposeResult.Rejected.class, n1.transferLeadership(nid("n4")));
    assertInstanceOf(ProposeResult.Accepted.class, n1.propose(bytes("still leading")));
  }

  // §5.1 with thesis §3.10: a TimeoutNow from an older term is stale; it starts no election.
  @Test
  void staleTimeoutNowStartsNoElection() {
    NodeHarness n2 =
        NodeHarness.withLog(
            "n2", DEFAULTS, NodeHarness.voters("n1", "n2", "n3"), new HardState(2, null));

    List<Message> out = n2.stepAndDrain(new TimeoutNow(nid("n1"), nid("n2"), 1));

    assertEquals(List.of(), out);
    assertEquals(Role.FOLLOWER, n2.node.role());
    assertEquals(2, n2.node.term());
  }

  // Thesis §3.10 with §4.2.1: a learner cannot lead, so a TimeoutNow does not make it campaign.
  @Test
  void learnerIgnoresTimeoutNow() {
    ManualNetwork net = ManualNetwork.ofVoters(DEFAULTS, "n1", "n2", "n3");
    net.add(NodeHarness.joining("n4", DEFAULTS));
    RaftNode n1 = net.elect("n1").node;
    n1.proposeConfigChange(new ConfigChange.AddLearner(NodeHarness.member("n4")));
    net.stabilize();
    NodeHarness n4 = net.node("n4");

    List<Message> out = n4.stepAndDrain(new TimeoutNow(nid("n1"), nid("n4"), 1));

    assertEquals(List.of(), only(RequestVote.class, out));
    assertEquals(Role.LEARNER, n4.node.role());
    assertEquals(1, n4.node.term());
  }
}
