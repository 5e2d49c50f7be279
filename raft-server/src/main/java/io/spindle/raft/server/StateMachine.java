package io.spindle.raft.server;

import io.spindle.raft.Entry;
import io.spindle.raft.SnapshotMeta;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

/**
 * The replicated state machine a {@link RaftDriver} applies committed log entries to.
 *
 * <p><b>Threading:</b> every method is called on the node's apply thread only (see {@code
 * Applier}), never concurrently; an implementation needs no locks for the driver's sake (but must
 * make anything it shares with other threads, such as a status page, safe itself). <b>Blocking:</b>
 * methods may do local I/O (a database transaction, a file) but must not wait for other nodes or
 * for the driver. A slow method delays applies, reads and local snapshots, not the node's
 * heartbeats and replication; past a backlog of committed entries the driver leaves further ones in
 * the log until the machine catches up. <b>Errors:</b> an exception from {@link #apply}, {@link
 * #takeSnapshot} or {@link #installSnapshot} stops the node (logged SEVERE), because a state
 * machine that failed half-way cannot be trusted to match its peers; an exception from {@link
 * #query} fails only that read. <b>Determinism:</b> {@link #apply} must produce the same state and
 * results on every node for the same entries.
 */
public interface StateMachine {
  /**
   * Applies committed entries, in log order, and returns one result per entry (in the same order).
   * {@link io.spindle.raft.EntryType#NOOP} and {@link io.spindle.raft.EntryType#CONFIG} entries get
   * an empty result; they are passed so that the machine can record how far it has applied. Entries
   * are never handed out twice, except after a restart above {@link #appliedIndex()}.
   */
  List<byte[]> apply(List<Entry> committed);

  /**
   * The index of the last entry this machine has applied <em>durably</em>: what survives a restart.
   * At start-up the driver installs the latest snapshot if it is newer, and the log replays entries
   * after this index. A machine that keeps nothing durable returns 0 until a snapshot is installed.
   */
  long appliedIndex();

  /**
   * Writes the whole state, as of the last applied entry, to {@code out}. The driver stores it as a
   * snapshot and compacts the log behind it. Must not close {@code out}.
   */
  void takeSnapshot(OutputStream out) throws IOException;

  /**
   * Writes the whole state as of the moment it calls {@code readViewFixed} (exactly once, before it
   * writes anything), on the node's snapshot thread: the apply thread waits until that call and
   * then goes on applying while the rest is written, so that a large state never stalls apply for
   * long. A store with consistent reads (a database transaction) overrides it; this default copies
   * the state with {@link #takeSnapshot(OutputStream)} while the apply thread waits.
   */
  default void takeSnapshot(OutputStream out, Runnable readViewFixed) throws IOException {
    ByteArrayOutputStream copy = new ByteArrayOutputStream();
    takeSnapshot(copy);
    readViewFixed.run();
    copy.writeTo(out);
  }

  /**
   * Replaces the whole state with a snapshot, which covers the log up to {@code meta.index()}; the
   * next entry applied is {@code meta.index() + 1}. Must not close {@code in}.
   */
  void installSnapshot(InputStream in, SnapshotMeta meta) throws IOException;

  /**
   * Answers a read-only request against the current state. The driver calls it only once the state
   * machine has applied a linearizable read index, so the answer is linearizable. Must not change
   * state.
   */
  byte[] query(byte[] request);
}
