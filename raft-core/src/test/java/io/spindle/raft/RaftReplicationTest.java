package io.spindle.raft;

import static io.spindle.raft.NodeHarness.bytes;
import static io.spindle.raft.NodeHarness.entry;
import static io.spindle.raft.NodeHarness.nid;
import static io.spindle.raft.NodeHarness.only;
import static io.spindle.raft.NodeHarness.storageOf;
import static io.spindle.raft.NodeHarness.voters;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.raft.message.AppendEntries;
import io.spindle.raft.message.AppendEntriesResponse;
import io.spindle.raft.message.Heartbeat;
import io.spindle.raft.message.HeartbeatResponse;
import io.spindle.raft.message.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Log replication (§5.3) and the commitment rules (§5.4.2), follower side then leader side. */
class RaftReplicationTest {

  private static final RaftSettings DEFAULTS = RaftSettings.defaults();

  private static final Configuration THREE = voters("n1", "n2", "n3");

  private static AppendEntries append(
      long term, long prevIndex, long prevTerm, List<Entry> entries, long leaderCommit) {
    return new AppendEntries(
        nid("n2"), nid("n1"), term, prevIndex, prevTerm, entries, leaderCommit);
  }

  private static AppendEntriesResponse onlyResponse(List<Message> out) {
    List<AppendEntriesResponse> responses = only(AppendEntriesResponse.class, out);
    assertEquals(1, responses.size(), "one answer: " + out);
    return responses.get(0);
  }

  // ---------------------------------------------------------------------------------------------
  // §5.3, follower side.

  // §5.3 consistency check: "If the follower does not find an entry in its log with the same index
  // and term, then it refuses the new entries." Too short a log: the hint is its last index + 1.
  @Test
  void consistencyCheckRejectsAMissingPreviousEntryWithALengthHint() {
    NodeHarness n1 =
        NodeHarness.withLog(
            "n1", DEFAULTS, THREE, new HardState(2, null), entry(1, 1), entry(2, 1));

    AppendEntriesResponse r =
        onlyResponse(n1.stepAndDrain(append(2, 5, 2, List.of(entry(6, 2)), 0)));

    assertFalse(r.success());
    assertEquals(5, r.matchIndex(), "the rejected prevLogIndex, so the leader can spot stale ones");
    assertEquals(3, r.conflictIndex());
    assertEquals(0, r.conflictTerm());
    assertEquals(2, n1.node.lastIndex());
  }

  // §5.3 consistency check with the fast back-off hint: a term mismatch at prevLogIndex names the
  // conflicting term and the first index the follower holds of it.
  @Test
  void consistencyCheckRejectsATermMismatchWithTheConflictingTermHint() {
    NodeHarness n1 =
        NodeHarness.withLog(
            "n1",
            DEFAULTS,
            THREE,
            new HardState(2, null),
            entry(1, 1),
            entry(2, 2),
            entry(3, 2),
            entry(4, 2));

    AppendEntriesResponse r =
        onlyResponse(n1.stepAndDrain(append(4, 4, 3, List.of(entry(5, 4)), 0)));

    assertFalse(r.success());
    assertEquals(2, r.conflictTerm());
    assertEquals(2, r.conflictIndex());
    assertEquals(4, n1.node.lastIndex(), "nothing appended after a failed check");
  }

  // §5.3: "If an existing entry conflicts with a new one (same index but different terms), delete
  // the existing entry and all that follow it" (Figure 2, AppendEntries receiver rule 3).
  @Test
  void conflictingSuffixIsTruncatedAndReplacedByTheLeadersEntries() {
    NodeHarness n1 =
        NodeHarness.withLog(
            "n1",
            DEFAULTS,
            THREE,
            new HardState(2, null),
            entry(1, 1),
            entry(2, 2),
            entry(3, 2),
            entry(4, 2));

    AppendEntriesResponse r =
        onlyResponse(n1.stepAndDrain(append(3, 1, 1, List.of(entry(2, 3)), 0)));

    assertTrue(r.success());
    assertEquals(2, r.matchIndex());
    assertEquals(List.of(entry(1, 1), entry(2, 3)), n1.logEntries());
  }

  // Figure 2, receiver rule 3 reads "if an existing entry conflicts": entries that match are kept,
  // so a delayed or duplicated AppendEntries never truncates what later ones appended.
  @Test
  void staleOrDuplicateAppendEntriesNeverTruncatesMatchingEntries() {
    NodeHarness n1 = NodeHarness.create("n1", DEFAULTS, "n1", "n2", "n3");
    n1.stepAndDrain(append(1, 0, 0, List.of(entry(1, 1)), 0));
    n1.stepAndDrain(append(1, 1, 1, List.of(entry(2, 1), entry(3, 1)), 0));

    AppendEntriesResponse delayed =
        onlyResponse(n1.stepAndDrain(append(1, 0, 0, List.of(entry(1, 1)), 0)));
    AppendEntriesResponse duplicate =
        onlyResponse(n1.stepAndDrain(append(1, 1, 1, List.of(entry(2, 1)), 0)));

    assertTrue(delayed.success());
    assertTrue(duplicate.success());
    assertEquals(List.of(entry(1, 1), entry(2, 1), entry(3, 1)), n1.logEntries());
  }

  // Figure 2, receiver rule 5: "If leaderCommit > commitIndex, set commitIndex = min(leaderCommit,
  // index of last new entry)": entries beyond what this request proved to match are not committed.
  @Test
  void followerCommitIsTheMinimumOfLeaderCommitAndTheLastNewEntry() {
    NodeHarness n1 =
        NodeHarness.withLog(
            "n1",
            DEFAULTS,
            THREE,
            new HardState(1, null),
            entry(1, 1),
            entry(2, 1),
            entry(3, 1),
            entry(4, 1),
            entry(5, 1));

    // A new leader of term 2 proves only index 1 and has committed up to 5 in its own log, whose
    // entries 2..5 may differ from ours.
    n1.stepAndDrain(append(2, 0, 0, List.of(entry(1, 1)), 5));
    assertEquals(1, n1.node.commitIndex());
    assertEquals(List.of(entry(1, 1)), n1.applied);

    n1.stepAndDrain(append(2, 1, 1, List.of(entry(2, 1), entry(3, 1)), 5));
    assertEquals(3, n1.node.commitIndex());

    n1.stepAndDrain(append(2, 3, 1, List.of(), 2));
    assertEquals(3, n1.node.commitIndex(), "a commit index never goes back");
    assertEquals(3, n1.lastApplied);
  }

  // A driver applying on another thread pauses the hand-out of committed entries while that thread
  // is behind: the entries still commit and are acknowledged, and come out, in order and once,
  // when the pause ends.
  @Test
  void pausedApplyHoldsCommittedEntriesBackWithoutHoldingUpReplication() {
    NodeHarness n1 =
        NodeHarness.withLog("n1", DEFAULTS, THREE, new HardState(1, null), entry(1, 1));
    n1.stepAndDrain(append(1, 0, 0, List.of(entry(1, 1)), 1));
    assertEquals(List.of(entry(1, 1)), n1.applied);

    n1.node.pauseApply(true);
    AppendEntriesResponse r =
        onlyResponse(n1.stepAndDrain(append(1, 1, 1, List.of(entry(2, 1), entry(3, 1)), 3)));

    assertTrue(r.success(), "replication goes on while apply is paused");
    assertEquals(3, n1.node.commitIndex());
    assertEquals(1, n1.applied.size(), "nothing more is handed out while paused");
    assertFalse(n1.node.hasReady(), "a paused node has no Ready for its committed entries alone");

    n1.node.pauseApply(false);
    n1.drain();
    assertEquals(List.of(entry(1, 1), entry(2, 1), entry(3, 1)), n1.applied);
  }

  // Figure 2: a follower's acknowledgement means the entries are durable; the harness checks that
  // every acknowledgement leaves after the sync, this names it.
  @Test
  void followerSyncsAppendedEntriesInTheReadyThatAcknowledgesThem() {
    NodeHarness n1 = NodeHarness.create("n1", DEFAULTS, "n1", "n2", "n3");
    n1.node.step(append(1, 0, 0, List.of(entry(1, 1), entry(2, 1)), 0));

    Ready ready = n1.handleReady();

    assertTrue(ready.mustSync());
    assertEquals(2, ready.lastAppendedIndex());
    assertEquals(2, n1.log.memory.durableIndex());
    assertTrue(onlyResponse(ready.messages()).success());
  }

  // ---------------------------------------------------------------------------------------------
  // §5.3, leader side.

  // §5.2, §5.3: heartbeats (empty AppendEntries) every heartbeatTicks, to every follower.
  @Test
  void leaderSendsHeartbeatsEveryHeartbeatTicks() {
    RaftSettings config = DEFAULTS.withElectionTicks(10, 3);
    ManualNetwork net = ManualNetwork.ofVoters(config, "n1", "n2", "n3");
    net.elect("n1");

    List<Integer> heartbeatTicks = new ArrayList<>();
    for (int t = 1; t <= 9; t++) {
      net.node("n1").tick();
      List<Heartbeat> beats = only(Heartbeat.class, net.queued());
      if (!beats.isEmpty()) {
        heartbeatTicks.add(t);
        assertEquals(2, beats.size(), "one heartbeat per follower: " + beats);
      }
      net.stabilize();
    }

    assertEquals(List.of(3, 6, 9), heartbeatTicks);
  }

  // §5.3: "Once a leader has been elected, it begins servicing client requests", each appended to
  // its log and replicated; an entry is committed once a majority stores it, and applied.
  @Test
  void leaderCommitsAnEntryOnceAMajorityStoresIt() {
    ManualNetwork net = ManualNetwork.ofVoters(DEFAULTS, "n1", "n2", "n3");
    RaftNode n1 = net.elect("n1").node;
    net.isolate("n3");

    ProposeResult result = n1.propose(bytes("x"));
    net.stabilize();

    assertEquals(new ProposeResult.Accepted(2, 1), result);
    assertEquals(2, n1.commitIndex());
    assertEquals(2, net.raft("n2").commitIndex(), "the follower learns the commit index");
    assertEquals("x", new String(net.node("n1").applied.get(1).data()));
    assertEquals(2, net.node("n2").lastApplied);
    assertEquals(1, net.raft("n3").lastIndex());
  }

  // §5.3 and its closing optimization: a rejection that names a conflicting term lets the leader
  // skip that whole term, instead of one entry per round trip. Figure 7 (f)-like follower.
  @Test
  void leaderBacksOffPastAWholeConflictingTermInOneRoundTrip() {
    Configuration members = voters("n1", "n2", "n3");
    NodeHarness n1 =
        NodeHarness.withLog(
            "n1", DEFAULTS, members, new HardState(3, null), entry(1, 1), entry(2, 1), entry(3, 3));
    NodeHarness n2 =
        NodeHarness.withLog(
            "n2",
            DEFAULTS,
            members,
            new HardState(2, null),
            entry(1, 1),
            entry(2, 2),
            entry(3, 2),
            entry(4, 2),
            entry(5, 2));
    NodeHarness n3 =
        NodeHarness.withLog(
            "n3", DEFAULTS, members, new HardState(3, null), entry(1, 1), entry(2, 1));
    ManualNetwork net = new ManualNetwork(n1, n2, n3);

    net.elect("n1");

    List<AppendEntries> toN2 = only(AppendEntries.class, "n2", net.delivered);
    List<AppendEntriesResponse> fromN2 = new ArrayList<>();
    for (AppendEntriesResponse r : net.delivered(AppendEntriesResponse.class)) {
      if (r.from().equals(nid("n2"))) {
        fromN2.add(r);
      }
    }
    assertFalse(fromN2.get(0).success());
    assertEquals(2, fromN2.get(0).conflictTerm());
    assertTrue(fromN2.get(1).success(), "the second AppendEntries already matches: " + toN2);
    assertEquals(1, toN2.get(1).prevLogIndex());
    assertEquals(n1.logEntries(), n2.logEntries());
    assertEquals(List.of(entry(1, 1), entry(2, 1), entry(3, 3)), n2.logEntries().subList(0, 3));
  }

  // §5.3 ("After a rejection, the leader decrements nextIndex and retries"), with etcd's progress
  // states: the leader probes one AppendEntries at a time until a follower accepts, then
  // pipelines; matchIndex and nextIndex follow the acknowledgements.
  @Test
  void leaderProbesAFollowerUntilTheLogsMatchThenReplicates() {
    ManualNetwork net = ManualNetwork.ofVoters(DEFAULTS, "n1", "n2", "n3");
    NodeHarness n1 = net.node("n1");
    n1.tickUntilCampaign();
    while (net.deliverOnly(m -> !(m instanceof AppendEntries)) > 0) {
      // the election, holding back the first AppendEntries
    }
    assertEquals(Role.LEADER, n1.node.role());

    FollowerProgress probing = n1.node.progress().get(nid("n2"));
    assertTrue(probing.state().startsWith("PROBE"), probing.state());
    assertEquals(0, probing.matchIndex());
    assertEquals(1, probing.nextIndex());

    net.stabilize();

    FollowerProgress replicating = n1.node.progress().get(nid("n2"));
    assertTrue(replicating.state().startsWith("REPLICATE"), replicating.state());
    assertEquals(1, replicating.matchIndex());
    assertEquals(2, replicating.nextIndex());
    assertTrue(replicating.voter());
  }

  // §5.3: proposals made between two Readys are appended to the log once and travel in one
  // AppendEntries per follower (batching).
  @Test
  void proposalsBetweenReadysAreBatchedIntoOneAppendAndOneMessagePerFollower() {
    ManualNetwork net = ManualNetwork.ofVoters(DEFAULTS, "n1", "n2", "n3");
    NodeHarness n1 = net.elect("n1");
    int appendsBefore = n1.log.appendCalls;
    int syncsBefore = n1.log.syncCalls;

    for (int i = 0; i < 5; i++) {
      assertInstanceOf(ProposeResult.Accepted.class, n1.node.propose(bytes("c" + i)));
    }
    Ready ready = n1.handleReady();

    assertEquals(appendsBefore + 1, n1.log.appendCalls, "one log append for five proposals");
    assertEquals(syncsBefore + 1, n1.log.syncCalls, "one sync for five proposals");
    for (String follower : List.of("n2", "n3")) {
      List<AppendEntries> appends = only(AppendEntries.class, follower, ready.messages());
      assertEquals(1, appends.size(), "one AppendEntries to " + follower + ": " + appends);
      assertEquals(5, appends.get(0).entries().size());
      assertEquals(2, appends.get(0).entries().get(0).index());
    }
  }

  // §5.3 ("the leader ... issues AppendEntries RPCs in parallel"), thesis §10.2.2 pipelining: a
  // follower in steady state gets new entries without waiting for the previous answer, up to
  // maxInflightMessages AppendEntries in flight.
  @Test
  void appendEntriesArePipelinedUpToMaxInflightMessages() {
    RaftSettings config = DEFAULTS.withLimits(3, 64L << 20, 1L << 20, 1 << 20);
    ManualNetwork net = ManualNetwork.ofVoters(config, "n1", "n2", "n3");
    NodeHarness n1 = net.elect("n1");
    net.clearQueue();

    List<AppendEntries> toN2 = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      n1.node.propose(bytes("c" + i));
      List<AppendEntries> sent = only(AppendEntries.class, "n2", n1.drain());
      assertEquals(i < 3 ? 1 : 0, sent.size(), "proposal " + i + ": " + sent);
      toN2.addAll(sent);
    }

    // The first answer frees one slot: what is left goes out in one message.
    NodeHarness n2 = net.node("n2");
    AppendEntriesResponse ack = onlyResponse(n2.stepAndDrain(toN2.get(0)));
    List<AppendEntries> next = only(AppendEntries.class, "n2", n1.stepAndDrain(ack));
    assertEquals(1, next.size());
    assertEquals(List.of(5L, 6L), next.get(0).entries().stream().map(Entry::index).toList());
  }

  // The same window bounded in bytes (maxInflightBytes).
  @Test
  void appendEntriesArePipelinedUpToMaxInflightBytes() {
    byte[] payload = new byte[100];
    long messageBytes =
        new AppendEntries(nid("n1"), nid("n2"), 1, 1, 1, List.of(Entry.command(2, 1, payload)), 1)
            .sizeInBytes();
    RaftSettings config = DEFAULTS.withLimits(256, 2 * messageBytes, 1L << 20, 1 << 20);
    ManualNetwork net = ManualNetwork.ofVoters(config, "n1", "n2", "n3");
    NodeHarness n1 = net.elect("n1");
    net.clearQueue();

    int sent = 0;
    for (int i = 0; i < 4; i++) {
      n1.node.propose(payload);
      sent += only(AppendEntries.class, "n2", n1.drain()).size();
    }

    assertEquals(2, sent, "two messages of " + messageBytes + " bytes fill the window");
  }

  // §5.3: "the leader retries AppendEntries RPCs indefinitely" for a slow or failed follower, but
  // an entry is committed as soon as a majority has it: a slow follower does not hold others up.
  @Test
  void slowFollowerDoesNotStallCommitWithTheOthers() {
    ManualNetwork net = ManualNetwork.ofVoters(DEFAULTS, "n1", "n2", "n3", "n4", "n5");
    NodeHarness n1 = net.elect("n1");
    net.drop(m -> m.to().equals(nid("n5")) || m.from().equals(nid("n5")));

    for (int i = 0; i < 20; i++) {
      n1.node.propose(bytes("c" + i));
      net.stabilize();
    }

    assertEquals(21, n1.node.commitIndex());
    assertEquals(21, net.raft("n2").commitIndex());
    assertEquals(1, net.raft("n5").lastIndex());

    net.heal();
    net.tickAll(3);
    assertEquals(21, net.raft("n5").commitIndex(), "and the slow follower catches up later");
  }

  // §5.1 / §8: clients talk to the leader; a follower refuses a proposal and names the leader.
  @Test
  void proposalToAFollowerReturnsNotLeaderWithTheLeaderHint() {
    ManualNetwork net = ManualNetwork.ofVoters(DEFAULTS, "n1", "n2", "n3");
    assertEquals(
        new ProposeResult.NotLeader(Optional.empty()),
        net.raft("n2").propose(bytes("x")),
        "no leader known yet");

    net.elect("n1");

    assertEquals(
        new ProposeResult.NotLeader(Optional.of(nid("n1"))), net.raft("n2").propose(bytes("x")));
    assertEquals(1, net.raft("n2").lastIndex(), "nothing appended on the follower");
  }

  // ---------------------------------------------------------------------------------------------
  // §5.4.2 Committing entries from previous terms.

  // §8 / thesis §6.4: "each leader commit[s] a blank no-op entry into the log at the start of its
  // term".
  @Test
  void newLeaderAppendsANoopOfItsTermAndCommitsIt() {
    ManualNetwork net = ManualNetwork.ofVoters(DEFAULTS, "n1", "n2", "n3");
    NodeHarness n1 = net.elect("n1");

    assertEquals(List.of(Entry.noop(1, 1)), n1.logEntries());
    assertEquals(1, n1.node.commitIndex());
    assertEquals(List.of(Entry.noop(1, 1)), net.node("n3").logEntries());
  }

  // §5.4.2, Figure 8: "Raft never commits log entries from previous terms by counting replicas.
  // Only log entries from the leader's current term are committed by counting replicas; once an
  // entry from the current term has been committed ... all prior entries are committed
  // indirectly." n1 leads term 3 with an entry of term 2 that a majority comes to store first.
  @Test
  void oldTermEntryIsCommittedOnlyWithACurrentTermEntryAfterIt() {
    RaftSettings oneEntryPerMessage = DEFAULTS.withLimits(256, 64L << 20, 1, 1 << 20);
    Configuration members = voters("n1", "n2", "n3");
    NodeHarness n1 =
        NodeHarness.withLog(
            "n1", oneEntryPerMessage, members, new HardState(2, null), entry(1, 1), entry(2, 2));
    NodeHarness n2 =
        NodeHarness.withLog("n2", oneEntryPerMessage, members, new HardState(2, null), entry(1, 1));
    NodeHarness n3 =
        NodeHarness.withLog("n3", oneEntryPerMessage, members, new HardState(2, null), entry(1, 1));
    ManualNetwork net = new ManualNetwork(n1, n2, n3);
    List<String> commitWhenMatched = new ArrayList<>();
    net.afterDelivery(
        m -> {
          if (m instanceof AppendEntriesResponse r && r.success() && m.to().equals(n1.id)) {
            commitWhenMatched.add(
                r.from() + " has " + r.matchIndex() + ", commit " + n1.node.commitIndex());
          }
        });

    net.elect("n1");

    assertEquals(List.of(entry(1, 1), entry(2, 2), Entry.noop(3, 3)), n1.logEntries());
    assertTrue(
        commitWhenMatched.contains("n2 has 2, commit 0")
            && commitWhenMatched.contains("n3 has 2, commit 0"),
        "all three store entry 2 of term 2, and it is still not committed: " + commitWhenMatched);
    assertEquals(3, n1.node.commitIndex(), "committed with the no-op of term 3");
    assertEquals(
        List.of(1L, 2L, 3L), n1.applied.stream().map(Entry::index).toList(), "applied at once");
  }

  // Back-pressure (etcd's MaxUncommittedEntriesSize): a leader that cannot commit stops accepting
  // proposals beyond maxUncommittedBytes instead of growing its log without bound, and accepts
  // them again once entries commit.
  @Test
  void leaderRefusesProposalsBeyondMaxUncommittedBytes() {
    byte[] payload = new byte[100]; // 124 bytes with its overhead
    RaftSettings config =
        new RaftSettings(
            10,
            1,
            true,
            true,
            false,
            256,
            64L << 20,
            1L << 20,
            1 << 20,
            300,
            RaftSettings.DEFAULT_TICK_NANOS,
            RaftSettings.DEFAULT_MAX_CLOCK_DRIFT_PPM);
    ManualNetwork net = ManualNetwork.ofVoters(config, "n1", "n2", "n3");
    RaftNode n1 = net.elect("n1").node;
    net.isolate("n2");
    net.isolate("n3");

    assertInstanceOf(ProposeResult.Accepted.class, n1.propose(payload));
    assertInstanceOf(ProposeResult.Accepted.class, n1.propose(payload));
    ProposeResult third = n1.propose(payload);
    assertInstanceOf(ProposeResult.Rejected.class, third);
    assertTrue(((ProposeResult.Rejected) third).reason().contains("busy"), third.toString());

    net.heal();
    net.tick("n1", 1);
    assertEquals(3, n1.commitIndex());
    assertInstanceOf(ProposeResult.Accepted.class, n1.propose(payload));
  }

  // Thesis §3.5: matchIndex only grows while a follower keeps its storage (it syncs before it
  // acknowledges). A rejection or a heartbeat answer overtaken on the network by the
  // acknowledgements that raised match says nothing about the follower now; lowering match on it
  // would send a healthy follower a snapshot, or the whole log, it does not need.
  @Test
  void matchNeverMovesBackOnAStaleAnswer() {
    ManualNetwork net = ManualNetwork.ofVoters(DEFAULTS, "n1", "n2", "n3");
    NodeHarness n1 = net.elect("n1");
    for (int i = 0; i < 3; i++) {
      n1.node.propose(bytes("x" + i));
    }
    net.stabilize();
    net.tick("n1", 1);
    long match = n1.node.progress().get(nid("n2")).matchIndex();
    long term = n1.node.term();
    List<Heartbeat> beats = net.delivered(Heartbeat.class);
    long seq = beats.get(beats.size() - 1).readContext();

    List<Message> out = new ArrayList<>();
    out.addAll(
        n1.stepAndDrain(
            new AppendEntriesResponse(
                nid("n2"), nid("n1"), term, false, match, 1, 0, 0, storageOf("n2"))));
    out.addAll(
        n1.stepAndDrain(
            new HeartbeatResponse(nid("n2"), nid("n1"), term, seq, 0, storageOf("n2"))));

    assertEquals(match, n1.node.progress().get(nid("n2")).matchIndex());
    assertTrue(
        only(AppendEntries.class, "n2", out).stream().allMatch(a -> a.prevLogIndex() >= match),
        "nothing resent from scratch: " + out);
  }
}
