package io.spindle.raft;

import static io.spindle.raft.NodeHarness.bytes;
import static io.spindle.raft.NodeHarness.nid;
import static io.spindle.raft.NodeHarness.only;
import static io.spindle.raft.NodeHarness.storageOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.raft.message.AppendEntries;
import io.spindle.raft.message.AppendEntriesResponse;
import io.spindle.raft.message.Heartbeat;
import io.spindle.raft.message.HeartbeatResponse;
import io.spindle.raft.message.Message;
import io.spindle.raft.message.ReadIndexRequest;
import io.spindle.raft.message.ReadIndexResponse;
import io.spindle.raft.message.RequestVote;
import io.spindle.raft.message.RequestVoteResponse;
import io.spindle.raft.message.TimeoutNow;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Linearizable reads without the log: ReadIndex (thesis §6.4) and lease reads (§6.4.1). */
class RaftReadIndexTest {

  private static final RaftSettings DEFAULTS = RaftSettings.defaults();
  private static final RaftSettings LEASE = DEFAULTS.withLeaseRead(true);
  private static final int E = DEFAULTS.electionTicks();

  // Thesis §6.4 step 3: "The leader sends out a new round of heartbeats and waits for their
  // acknowledgments. Once these acknowledgments are received, the leader knows that there could not
  // have existed a leader for a greater term at the moment it sent the heartbeats."
  @Test
  void readIsAnsweredOnlyAfterAMajorityAcknowledgesAHeartbeatRound() {
    ManualNetwork net = ManualNetwork.ofVoters(DEFAULTS, "n1", "n2", "n3");
    NodeHarness n1 = net.elect("n1");
    long commit = n1.node.commitIndex();

    n1.node.readIndex(7);
    List<Message> round = n1.drain();

    List<Heartbeat> beats = only(Heartbeat.class, round);
    assertEquals(2, beats.size(), "a heartbeat round goes out for the read: " + round);
    assertTrue(beats.stream().allMatch(h -> h.readContext() > 0));
    assertEquals(List.of(), n1.reads, "no answer before any acknowledgement");

    // One acknowledgement of an older round confirms nothing.
    long context = beats.get(0).readContext();
    n1.stepAndDrain(
        new HeartbeatResponse(nid("n2"), nid("n1"), 1, context - 1, 1, storageOf("n2")));
    assertEquals(List.of(), n1.reads);

    // With n2's acknowledgement n1 has heard from a majority (itself and n2).
    NodeHarness n2 = net.node("n2");
    List<Message> ack = n2.stepAndDrain(only(Heartbeat.class, "n2", round).get(0));
    n1.stepAndDrain(only(HeartbeatResponse.class, ack).get(0));

    assertEquals(List.of(ReadResult.ok(7, commit)), n1.reads);
  }

  // Thesis §6.4 step 1: "If the leader has not yet marked an entry from its current term
  // committed, it waits until it has done so", even when its leadership is confirmed.
  @Test
  void readWaitsUntilTheLeaderHasCommittedAnEntryOfItsTerm() {
    ManualNetwork net = ManualNetwork.ofVoters(DEFAULTS, "n1", "n2", "n3");
    net.drop(m -> m instanceof AppendEntriesResponse);
    NodeHarness n1 = net.elect("n1");
    assertEquals(0, n1.node.commitIndex(), "the no-op of term 1 is not committed yet");

    n1.node.readIndex(7);
    net.tick("n1", 1); // a heartbeat round, acknowledged by both followers
    assertEquals(List.of(), n1.reads, "leadership confirmed, but the commit index is unknown");

    net.heal();
    net.tick("n1", 1); // the no-op is acknowledged and committed; then a round for the read

    assertEquals(1, n1.node.commitIndex());
    assertEquals(List.of(ReadResult.ok(7, 1)), n1.reads);
  }

  // Thesis §6.4: "followers ... issue a request to the leader just to learn the current commit
  // index"; the answer comes back to the follower's reads.
  @Test
  void followerForwardsItsReadToTheLeader() {
    ManualNetwork net = ManualNetwork.ofVoters(DEFAULTS, "n1", "n2", "n3");
    net.elect("n1");
    net.raft("n1").propose(NodeHarness.bytes("x"));
    net.stabilize();

    net.raft("n2").readIndex(9);
    List<Message> sent = net.queued();

    assertEquals(
        List.of(new ReadIndexRequest(nid("n2"), nid("n1"), 1, 9)),
        only(ReadIndexRequest.class, sent));
    net.stabilize();
    assertEquals(List.of(ReadResult.ok(9, 2)), net.node("n2").reads);
  }

  // A follower that knows no leader cannot serve a read: it fails it at once.
  @Test
  void followerWithoutALeaderFailsTheReadAtOnce() {
    NodeHarness n2 = NodeHarness.create("n2", DEFAULTS, "n1", "n2", "n3");

    n2.node.readIndex(3);
    List<Message> sent = n2.drain();

    assertEquals(List.of(), sent);
    assertEquals(List.of(ReadResult.failed(3, Optional.empty())), n2.reads);
  }

  // Thesis §6.4.1: with a lease (CheckQuorum keeps voters from electing another leader within an
  // election timeout of hearing from this one) the leader answers without a heartbeat round.
  @Test
  void leaseReadIsAnsweredWithoutAHeartbeatRoundWhileTheLeaseHolds() {
    ManualNetwork net = ManualNetwork.ofVoters(LEASE, "n1", "n2", "n3");
    NodeHarness n1 = net.elect("n1");
    net.tick("n1", 1); // a heartbeat round acknowledged by a majority starts the lease

    n1.node.readIndex(5);
    Ready ready = n1.handleReady();

    assertEquals(List.of(ReadResult.ok(5, 1)), ready.readResults());
    assertEquals(List.of(), only(Heartbeat.class, ready.messages()), "no round needed");
  }

  // Thesis §6.4.1: the lease is measured on a monotonic clock, not in ticks. A driver drops the
  // ticks it missed during a stall (GC, a slow fsync), while the voters' promises run out in real
  // time; a lease counted in ticks would outlive them.
  @Test
  void aLeaseEndsByTheClockEvenWhenTheTicksOfAStallWereDropped() {
    ManualNetwork net = ManualNetwork.ofVoters(LEASE, "n1", "n2", "n3");
    NodeHarness n1 = net.elect("n1");
    net.tick("n1", 1);

    n1.clockNanos += LEASE.leaseNanos(); // the loop stalled: the clock ran on, no tick came
    n1.node.readIndex(5);
    Ready ready = n1.handleReady();

    assertEquals(List.of(), ready.readResults(), "not answered from an expired lease");
    assertEquals(2, only(Heartbeat.class, ready.messages()).size(), "a round confirms it first");
  }

  // Thesis §6.4.1: "the leader would use a lease duration of election timeout divided by the
  // clock drift bound". Voters refuse other candidates for (electionTicks - 1) of their ticks at
  // least; both clocks may drift by the bound, so the lease is that times (1 - d) / (1 + d),
  // counted from just before the round was sent.
  @Test
  void theLeaseIsTheElectionTimeoutShortenedByTheDriftBoundOnBothSides() {
    assertEquals((long) (9 * 10_000_000L * 0.9 / 1.1), LEASE.leaseNanos());
    ManualNetwork net = ManualNetwork.ofVoters(LEASE, "n1", "n2", "n3");
    NodeHarness n1 = net.elect("n1");
    net.tick("n1", 1);

    n1.clockNanos += LEASE.leaseNanos() - 1;
    n1.node.readIndex(5);
    assertEquals(1, n1.handleReady().readResults().size(), "within the lease");

    n1.clockNanos += 1;
    n1.node.readIndex(6);
    assertEquals(List.of(), n1.handleReady().readResults(), "past it");
  }

  // §6.4.1 rests on §4.2.3: a voter that acknowledged the leader within an election timeout helps
  // elect no other. Learning of a higher term from some other message (an answer from a node that
  // moved on) makes it adopt the term, but must not end that promise early.
  @Test
  void aVoterKeepsItsPromiseWhenItLearnsOfAHigherTermFromAnotherMessage() {
    ManualNetwork net = ManualNetwork.ofVoters(LEASE, "n1", "n2", "n3");
    net.elect("n1");
    net.tick("n1", 1);
    NodeHarness n2 = net.node("n2");
    long term = n2.node.term() + 2;
    n2.stepAndDrain(new ReadIndexResponse(nid("n3"), nid("n2"), term, 99, 0, false));
    assertEquals(term, n2.node.term());

    List<Message> answer =
        n2.stepAndDrain(
            new RequestVote(
                nid("n3"), nid("n2"), term, n2.node.lastIndex(), term - 2, false, false));

    assertEquals(
        List.of(new RequestVoteResponse(nid("n2"), nid("n3"), term, false, false, storageOf("n2"))),
        answer);
  }

  // Thesis §6.4.1 is an option: without leaseRead the same read waits for a round.
  @Test
  void withoutLeaseReadTheSameReadWaitsForARound() {
    ManualNetwork net = ManualNetwork.ofVoters(DEFAULTS, "n1", "n2", "n3");
    NodeHarness n1 = net.elect("n1");
    net.tick("n1", 1);

    n1.node.readIndex(5);
    Ready ready = n1.handleReady();

    assertEquals(List.of(), ready.readResults());
    assertEquals(2, only(Heartbeat.class, ready.messages()).size());
  }

  // Thesis §6.4.1: the lease is only as safe as CheckQuorum's stickiness; the core refuses it
  // without.
  @Test
  void leaseReadRequiresCheckQuorum() {
    assertThrows(
        IllegalArgumentException.class,
        () -> DEFAULTS.withPreVoteAndCheckQuorum(true, false).withLeaseRead(true));
  }

  // Thesis §6.4.1: the lease runs out an election timeout after the acknowledged heartbeat was
  // sent; after that a read needs a fresh round.
  @Test
  void leaseExpiresWithoutFreshAcknowledgements() {
    ManualNetwork net = ManualNetwork.ofVoters(LEASE, "n1", "n2", "n3");
    NodeHarness n1 = net.elect("n1");
    net.tick("n1", 1);
    net.isolate("n1");
    net.tick("n1", E - 1);
    assertEquals(Role.LEADER, n1.node.role());

    n1.node.readIndex(5);
    Ready ready = n1.handleReady();

    assertFalse(
        ready.readResults().stream().anyMatch(ReadResult::ok), "the lease ran out: no ok read");
  }

  // Thesis §6.4: a leader that steps down cannot confirm anything any more: its pending reads fail
  // (and the client retries at the new leader).
  @Test
  void pendingReadsFailWhenTheLeaderStepsDown() {
    ManualNetwork net = ManualNetwork.ofVoters(DEFAULTS, "n1", "n2", "n3");
    NodeHarness n1 = net.elect("n1");
    n1.node.readIndex(1);
    n1.drain();

    n1.stepAndDrain(new AppendEntries(nid("n2"), nid("n1"), 2, 1, 1, List.of(), 1));

    assertEquals(Role.FOLLOWER, n1.node.role());
    assertEquals(1, n1.reads.size());
    assertFalse(n1.reads.get(0).ok());
    assertEquals(1, n1.reads.get(0).requestId());
  }

  // The same when CheckQuorum makes the leader step down.
  @Test
  void pendingReadsFailWhenCheckQuorumDeposesTheLeader() {
    ManualNetwork net = ManualNetwork.ofVoters(DEFAULTS, "n1", "n2", "n3");
    NodeHarness n1 = net.elect("n1");
    net.isolate("n1");
    n1.node.readIndex(4);

    net.tick("n1", 2 * E);

    assertEquals(Role.FOLLOWER, n1.node.role());
    assertEquals(List.of(ReadResult.failed(4, Optional.empty())), n1.reads);
  }

  // A read forwarded to a leader fails at the follower when that leader is replaced.
  @Test
  void forwardedReadFailsWhenTheFollowerLearnsOfANewLeader() {
    ManualNetwork net = ManualNetwork.ofVoters(DEFAULTS, "n1", "n2", "n3");
    net.elect("n1");
    NodeHarness n2 = net.node("n2");
    n2.node.readIndex(6);
    n2.drain(); // the request is lost

    n2.stepAndDrain(new AppendEntries(nid("n3"), nid("n2"), 2, 1, 1, List.of(), 1));

    assertEquals(1, n2.reads.size());
    assertFalse(n2.reads.get(0).ok());
  }

  // ---------------------------------------------------------------------------------------------
  // What the lease rests on (thesis §6.4.1 with §4.2.3): no voter that acknowledged the leader's
  // heartbeat helps elect another leader before the lease runs out. A read answered from the lease
  // must therefore see every write committed before it started.

  /** Asserts that every ok read {@code n} answered reflects the write at {@code writeIndex}. */
  private static void assertNoStaleRead(NodeHarness n, long writeIndex) {
    for (ReadResult r : n.reads) {
      assertFalse(
          r.ok() && r.index() < writeIndex,
          n.id
              + " answered read "
              + r
              + " from its lease although another leader had committed a write at "
              + writeIndex);
    }
  }

  /** The index of {@code result} if {@code leader} has committed it, else 0. */
  private static long committedIndex(RaftNode leader, ProposeResult result) {
    return result instanceof ProposeResult.Accepted a && leader.commitIndex() >= a.index()
        ? a.index()
        : 0;
  }

  // Thesis §3.10 makes voters take part in a transfer's election despite §4.2.3, and thesis §3.10
  // lets the leader abort a transfer after an election timeout, after which it trusts its lease
  // again. A TimeoutNow sent before the abort and delivered after it then lets the target be
  // elected by voters that acknowledged the leader's latest heartbeats.
  @Test
  void delayedTimeoutNowOfAnAbortedTransferCannotBreakTheLease() {
    ManualNetwork net = ManualNetwork.ofVoters(LEASE, "n1", "n2", "n3");
    NodeHarness n1 = net.elect("n1");
    n1.node.transferLeadership(nid("n2")); // n2 is caught up: TimeoutNow goes out at once ...
    TimeoutNow late = only(TimeoutNow.class, net.queued()).get(0);
    net.dropOnce(m -> m instanceof TimeoutNow); // ... and is held up in the network.
    net.tick("n1", E + 1); // the transfer is aborted; fresh heartbeats are acknowledged
    assertInstanceOf(ProposeResult.Accepted.class, n1.node.propose(bytes("before")));
    net.stabilize();

    net.isolate("n1");
    net.raft("n2").step(late);
    net.stabilize();
    ProposeResult write = net.raft("n2").propose(bytes("w"));
    net.stabilize();
    long writeIndex = committedIndex(net.raft("n2"), write);

    n1.node.readIndex(1);
    n1.drain();
    assertNoStaleRead(n1, writeIndex);
  }

  // The lease assumes a voter that acknowledged a heartbeat refuses other candidates for an
  // election timeout (§4.2.3). A voter that restarts forgets the leader it heard from; if it votes
  // at once, a candidate cut off from the leader can win while the leader's lease still runs.
  @Test
  void voterThatRestartsDoesNotHelpElectAnotherLeaderWithinTheLeaseItAcknowledged() {
    String[] ids = {"n1", "n2", "n3", "n4", "n5"};
    ManualNetwork net = ManualNetwork.ofVoters(LEASE, ids);
    NodeHarness n1 = net.elect("n1");
    net.drop(
        m ->
            (m.from().equals(nid("n1")) || m.to().equals(nid("n1")))
                && (m.from().equals(nid("n4"))
                    || m.to().equals(nid("n4"))
                    || m.from().equals(nid("n5"))
                    || m.to().equals(nid("n5"))));

    // n4 and n5 stop hearing from n1; n2 and n3 keep acknowledging its heartbeats every tick.
    boolean challenged = false;
    for (int t = 0; t < 3 * E && !challenged; t++) {
      for (String id : ids) {
        net.node(id).tick();
      }
      challenged =
          net.raft("n4").role() == Role.PRE_CANDIDATE
              || net.raft("n5").role() == Role.PRE_CANDIDATE;
      if (!challenged) {
        net.stabilize();
      }
    }
    assertTrue(challenged, "n4 or n5 timed out");

    // n2 crashes and restarts at that moment; the challenger's requests reach it before n1's next
    // heartbeat does.
    net.node("n2").restart();
    while (net.deliverOnly(m -> !m.from().equals(nid("n1"))) > 0) {
      // deliver the election and what follows it, holding back only n1's messages
    }
    String challenger = net.raft("n4").role() == Role.LEADER ? "n4" : "n5";
    ProposeResult write = net.raft(challenger).propose(bytes("w"));
    while (net.deliverOnly(m -> !m.from().equals(nid("n1"))) > 0) {
      // the write commits, or not
    }
    long writeIndex = committedIndex(net.raft(challenger), write);

    n1.node.readIndex(1);
    n1.drain();
    assertNoStaleRead(n1, writeIndex);
  }
}
