package io.spindle.raft;

import java.util.Optional;

/**
 * A node's start over existing storage: the snapshot store and the log are reconciled (a snapshot
 * the log does not continue wins), the configurations are read back from the snapshot and the log,
 * a state machine behind the snapshot is given it to install, and the commit index restarts from
 * what is known applied. Only the compaction point counts as durable until the first Ready syncs.
 *
 * <p><b>Threading:</b> used once, by {@link RaftNode}'s constructor on the driver's thread.
 */
final class Recovery {
  private Recovery() {}

  /**
   * Recovers {@code log}, {@code configurations} and {@code output}'s applied index; returns the
   * commit index to start from.
   */
  static long recover(
      SnapshotStore snapshots,
      RaftLog log,
      ConfigurationHistory configurations,
      ReadyBuilder output,
      Configuration initialConfiguration,
      long appliedIndex) {
    Optional<SnapshotMeta> snapshot = snapshots.latest();
    if (snapshot.isPresent() && log.doesNotContinue(snapshot.get())) {
      // A snapshot was installed, then the node crashed before the log was reset behind it: the
      // log may hold less than the snapshot covers, or a conflicting entry at its index (entries of
      // a deposed leader, which the snapshot replaced). The snapshot wins, the log restarts after
      // it (§7: "if the follower has no such entry ... discard the entire log").
      log.reset(snapshot.get().index(), snapshot.get().term());
    }
    long base = log.snapshotIndex();
    Configuration baseConfiguration =
        snapshot.map(SnapshotMeta::configuration).orElse(initialConfiguration);
    configurations.resetTo(base, baseConfiguration);
    configurations.scan(log, base + 1);

    long snapshotIndex = snapshot.map(SnapshotMeta::index).orElse(0L);
    if (appliedIndex < snapshotIndex) {
      // The state machine is behind the snapshot (its database was wiped): install it first.
      output.installSnapshot(snapshot.get());
    } else {
      output.appliedUpTo(appliedIndex);
    }
    long commitIndex =
        Math.min(Math.max(output.appliedIndex(), log.snapshotIndex()), log.storedLastIndex());
    // §5.1: nothing is acknowledged before it is durable. What the log holds after a restart may
    // not be: a process killed between append and sync leaves the entries in the page cache, where
    // the next reader finds them intact and a power cut would still lose them. Count only the
    // compaction point durable, and make the first Ready sync (before anything is sent).
    log.trustOnlyCompactionPoint();
    return commitIndex;
  }
}
