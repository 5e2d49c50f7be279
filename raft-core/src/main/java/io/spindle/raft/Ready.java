package io.spindle.raft;

import io.spindle.raft.message.Message;
import java.util.List;

/**
 * A batch of work the driver must do, in this order (the etcd "Ready" contract):
 *
 * <ol>
 *   <li>if {@link #mustSync()}: {@link LogStore#sync()} and persist {@link #hardState()} (fsync); a
 *       vote and appended entries are durable before anyone hears of them (§5.1, Figure 2);
 *   <li>send {@link #messages()}. One exception (thesis §10.2.1): a leader whose hard state is
 *       unchanged may send before its own sync, so that followers write while it writes; this is
 *       safe because the core counts the leader towards commit only once {@link #advance} reports
 *       its entries durable;
 *   <li>if {@link #snapshot()} is set, install it into the state machine from the {@link
 *       SnapshotStore};
 *   <li>apply {@link #committedEntries()} in order, then hand out {@link #readResults()} once the
 *       state machine has applied their index;
 *   <li>call {@link RaftNode#advance(Ready)}.
 * </ol>
 *
 * @param hardState the term and vote to persist, or {@code null} when unchanged
 * @param mustSync entries were appended or the hard state changed since the last Ready
 * @param lastAppendedIndex the log's last index when this Ready was made; durable after step 1
 * @param snapshot a snapshot received from the leader to install, or {@code null}
 */
public record Ready(
    HardState hardState,
    boolean mustSync,
    long lastAppendedIndex,
    List<Message> messages,
    SnapshotMeta snapshot,
    List<Entry> committedEntries,
    List<ReadResult> readResults) {}
