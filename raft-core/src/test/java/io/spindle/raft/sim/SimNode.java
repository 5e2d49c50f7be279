package io.spindle.raft.sim;

import io.spindle.raft.Configuration;
import io.spindle.raft.Entry;
import io.spindle.raft.HardState;
import io.spindle.raft.MemoryLogStore;
import io.spindle.raft.MemorySnapshotStore;
import io.spindle.raft.NodeId;
import io.spindle.raft.RaftConfig;
import io.spindle.raft.RaftNode;
import io.spindle.raft.RandomSource;
import io.spindle.raft.ReadResult;
import io.spindle.raft.Ready;
import io.spindle.raft.SnapshotMeta;
import io.spindle.raft.message.Message;
import java.util.ArrayList;
import java.util.List;

/**
 * One simulated server: a {@link RaftNode} with its storage, its state machine, and a driver that
 * follows the {@link Ready} contract. What is durable (synced log prefix, hard state, snapshots,
 * and the state machine when {@code durableStateMachine}) survives {@link #crash()}; the rest is
 * lost, as a kill -9 would lose it.
 */
final class SimNode {
  final NodeId id;
  private final RaftConfig config;
  private final CommittedRecord committed;
  private final boolean durableStateMachine;
  private final int snapshotEvery;
  private final long keepEntries;

  private HashedLogStore log;
  private HardState hardState = HardState.INITIAL;
  private final MemorySnapshotStore snapshots = new MemorySnapshotStore();
  private KvStateMachine stateMachine = new KvStateMachine();
  private final Configuration initialConfiguration;
  RaftNode raft;
  boolean up;
  int restarts;

  SimNode(
      NodeId id,
      RaftConfig config,
      CommittedRecord committed,
      Configuration initialConfiguration,
      boolean durableStateMachine,
      int snapshotEvery,
      long keepEntries) {
    this.id = id;
    this.config = config;
    this.committed = committed;
    this.initialConfiguration = initialConfiguration;
    this.durableStateMachine = durableStateMachine;
    this.snapshotEvery = snapshotEvery;
    this.keepEntries = keepEntries;
    this.log = new HashedLogStore(new MemoryLogStore(), committed, new long[1]);
  }

  void start(long seed) {
    if (!durableStateMachine) {
      stateMachine = new KvStateMachine();
      snapshots.latest().ifPresent(meta -> stateMachine.restore(snapshots.latestData()));
    }
    raft =
        new RaftNode(
            id,
            config,
            log,
            snapshots,
            RandomSource.seeded(seed),
            hardState,
            initialConfiguration,
            stateMachine.appliedIndex());
    up = true;
  }

  /** Loses everything not durable. */
  void crash() {
    up = false;
    raft = null;
    log = log.durableCopy();
    restarts++;
  }

  HashedLogStore log() {
    return log;
  }

  KvStateMachine stateMachine() {
    return stateMachine;
  }

  /** Callbacks the driver reports to: messages to send, applied entries, read results. */
  interface Sink {
    void send(Message m);

    void applied(SimNode node, Entry e);

    void read(SimNode node, ReadResult r);

    void check(SimNode node);
  }

  /** Runs Ready cycles until there is no more work. */
  void drive(Sink sink) {
    int guard = 0;
    while (up && raft.hasReady()) {
      if (++guard > 10_000) {
        throw new AssertionError(id + ": hasReady() never became false");
      }
      Ready r = raft.ready();
      sink.check(this);
      if (r.mustSync()) {
        log.sync();
        if (r.hardState() != null) {
          hardState = r.hardState();
        }
      }
      if (r.hardState() != null && !r.mustSync()) {
        throw new AssertionError(id + ": a hard state change without mustSync");
      }
      List<Message> out = new ArrayList<>(r.messages());
      out.forEach(sink::send);
      if (r.snapshot() != null) {
        stateMachine.restore(snapshots.latestData());
        if (stateMachine.appliedIndex() != r.snapshot().index()) {
          throw new AssertionError(id + ": installed snapshot does not match its metadata");
        }
      }
      for (Entry e : r.committedEntries()) {
        stateMachine.apply(e);
        sink.applied(this, e);
      }
      raft.advance(r);
      for (ReadResult rr : r.readResults()) {
        sink.read(this, rr);
      }
      maybeSnapshot();
      sink.check(this);
    }
  }

  private void maybeSnapshot() {
    long applied = stateMachine.appliedIndex();
    long last = snapshots.latest().map(SnapshotMeta::index).orElse(0L);
    if (snapshotEvery <= 0 || applied - last < snapshotEvery || applied <= log.snapshotIndex()) {
      return;
    }
    byte[] data = stateMachine.snapshot();
    SnapshotMeta meta =
        new SnapshotMeta(applied, log.term(applied), raft.configurationAt(applied), data.length);
    snapshots.save(meta, data);
    raft.snapshotTaken(meta, keepEntries);
  }
}
