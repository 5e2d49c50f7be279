package io.spindle.raft.sim;

import io.spindle.raft.Configuration;
import io.spindle.raft.Entry;
import io.spindle.raft.NodeId;
import io.spindle.raft.RaftNode;
import io.spindle.raft.RaftSettings;
import io.spindle.raft.RandomSource;
import io.spindle.raft.ReadResult;
import io.spindle.raft.Ready;
import io.spindle.raft.Role;
import io.spindle.raft.SnapshotMeta;
import io.spindle.raft.StorageId;
import io.spindle.raft.message.AppendEntries;
import io.spindle.raft.message.Heartbeat;
import io.spindle.raft.message.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.LongSupplier;

/**
 * One simulated server: a {@link RaftNode} over a {@link SimDisk}, a state machine, a clock that
 * drifts, and a driver that does the work of each {@link Ready} in the order ejb-raft's driver
 * does: a leader whose hard state is unchanged sends its AppendEntries and heartbeats before its
 * own sync (thesis §10.2.1), everyone else syncs first; the log is synced before the hard state is
 * saved. A crash can stop it between any two of those steps ({@link SimDisk.Point}).
 */
final class SimNode {
  final NodeId id;
  private final RaftSettings config;
  private final boolean durableStateMachine;
  private final int snapshotEvery;
  private final long keepEntries;
  private final Configuration initialConfiguration;

  private SimDisk disk;
  private KvStateMachine stateMachine = new KvStateMachine();

  /** A wiped node starts as one that waits to be added (discovery), not as a founding voter. */
  private boolean wiped;

  /** How fast this node's clock runs, in parts per million off real time. */
  final int driftPpm;

  private final long clockOffsetNanos;

  RaftNode raft;
  boolean up;
  int restarts;

  /** Until when (simulated µs) the process is paused; what reaches it meanwhile waits. */
  long pausedUntil;

  final List<Runnable> waitingForResume = new ArrayList<>();

  SimNode(
      NodeId id,
      StorageId storage,
      RaftSettings config,
      Configuration initialConfiguration,
      boolean durableStateMachine,
      int snapshotEvery,
      long keepEntries,
      int driftPpm,
      long clockOffsetNanos) {
    this.id = id;
    this.config = config;
    this.initialConfiguration = initialConfiguration;
    this.durableStateMachine = durableStateMachine;
    this.snapshotEvery = snapshotEvery;
    this.keepEntries = keepEntries;
    this.driftPpm = driftPpm;
    this.clockOffsetNanos = clockOffsetNanos;
    this.disk = new SimDisk(storage);
  }

  /** This node's monotonic clock at simulated time {@code micros}. */
  long clockNanos(long micros) {
    return clockOffsetNanos + micros * 1000 + micros * driftPpm / 1000;
  }

  /** Simulated µs for one tick period of this node's clock (rounded up: never a short tick). */
  long tickMicros() {
    long nominal = config.tickNanos() / 1000;
    return (nominal * 1_000_000 + (1_000_000 + driftPpm) - 1) / (1_000_000 + driftPpm);
  }

  void start(long seed, LongSupplier nowMicros) {
    if (!durableStateMachine) {
      stateMachine = new KvStateMachine();
    }
    SnapshotMeta latest = disk.latestSnapshot();
    if (latest != null && latest.index() > stateMachine.appliedIndex()) {
      stateMachine.restore(disk.latestSnapshotData());
    }
    raft =
        new RaftNode(
            id,
            disk.storage,
            config,
            new SimLogStore(disk),
            new SimSnapshotStore(disk),
            RandomSource.seeded(seed),
            () -> clockNanos(nowMicros.getAsLong()),
            disk.hardState(),
            wiped ? Configuration.empty() : initialConfiguration,
            stateMachine.appliedIndex());
    up = true;
  }

  /** kill -9: the page cache keeps what was written, synced or not. */
  void processCrash() {
    down();
    disk.processCrash();
  }

  /** Power lost: what was not synced is gone, but for a prefix the kernel wrote back. */
  void powerCut(Random random) {
    down();
    disk.powerCut(random);
  }

  /** The disk is gone: a new, empty one with a new storage identity. */
  void wipe(StorageId newStorage) {
    down();
    disk = new SimDisk(newStorage);
    stateMachine = new KvStateMachine();
    wiped = true;
  }

  private void down() {
    up = false;
    raft = null;
    restarts++;
    waitingForResume.clear();
    pausedUntil = 0;
  }

  SimDisk disk() {
    return disk;
  }

  KvStateMachine stateMachine() {
    return stateMachine;
  }

  boolean paused(long now) {
    return now < pausedUntil;
  }

  /** Callbacks the driver reports to: messages to send, applied entries, read results. */
  interface Sink {
    void send(Message m);

    void applied(SimNode node, Entry e);

    void installed(SimNode node, SnapshotMeta meta);

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
      if (r.hardState() != null && !r.mustSync()) {
        throw new AssertionError(id + ": a hard state change without mustSync");
      }
      List<Message> afterSync = r.messages();
      if (r.mustSync() && r.hardState() == null && raft.role() == Role.LEADER) {
        afterSync = new ArrayList<>();
        for (Message m : r.messages()) {
          if (m instanceof AppendEntries || m instanceof Heartbeat) {
            sink.send(m);
          } else {
            afterSync.add(m);
          }
        }
        disk.reach(SimDisk.Point.LEADER_SENT);
      }
      if (r.mustSync()) {
        disk.sync();
        if (r.hardState() != null) {
          disk.saveHardState(r.hardState());
        }
      }
      afterSync.forEach(sink::send);
      if (r.snapshot() != null) {
        stateMachine.restore(disk.latestSnapshotData());
        if (stateMachine.appliedIndex() != r.snapshot().index()) {
          throw new AssertionError(id + ": installed snapshot does not match its metadata");
        }
        sink.installed(this, r.snapshot());
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
    SnapshotMeta latest = disk.latestSnapshot();
    long last = latest == null ? 0 : latest.index();
    if (snapshotEvery <= 0
        || applied - last < snapshotEvery
        || applied <= disk.snapshotIndex()
        || applied > disk.lastIndex()) {
      return;
    }
    byte[] data = stateMachine.snapshot();
    SnapshotMeta meta =
        new SnapshotMeta(applied, disk.term(applied), raft.configurationAt(applied), data.length);
    disk.saveSnapshot(meta, data);
    raft.snapshotTaken(meta, keepEntries);
  }
}
