package io.spindle.raft;

import io.spindle.raft.message.Message;
import java.util.Map;
import java.util.Optional;

/**
 * One Raft node as a deterministic state machine (the etcd "RawNode" shape): messages and ticks go
 * in through {@link #step} and {@link #tick}; the work to do comes out as a {@link Ready}; the
 * driver does it and calls {@link #advance}. No I/O happens here except through the injected {@link
 * LogStore} and {@link SnapshotStore}; no clock and no randomness but {@link RandomSource}.
 *
 * <p><b>Threading:</b> not thread-safe. One thread (the driver's) makes every call.
 */
public final class RaftNode {
  /**
   * Creates a node over existing storage.
   *
   * @param hardState the persisted term and vote ({@link HardState#INITIAL} for a new node)
   * @param initialConfiguration the membership to start with when neither the snapshot store nor
   *     the log holds one: the bootstrap configuration of a new cluster, or {@link
   *     Configuration#empty()} for a node that waits to be added by a leader
   * @param appliedIndex how far the state machine has already applied (it recorded this durably);
   *     entries up to it are not handed out again
   */
  public RaftNode(
      NodeId id,
      RaftConfig config,
      LogStore log,
      SnapshotStore snapshots,
      RandomSource random,
      HardState hardState,
      Configuration initialConfiguration,
      long appliedIndex) {
    throw new IllegalStateException("being written");
  }

  public NodeId id() {
    throw new IllegalStateException("being written");
  }

  public Role role() {
    throw new IllegalStateException("being written");
  }

  public long term() {
    throw new IllegalStateException("being written");
  }

  public Optional<NodeId> leader() {
    throw new IllegalStateException("being written");
  }

  public long commitIndex() {
    throw new IllegalStateException("being written");
  }

  /** The index of the last entry handed out in a Ready's committedEntries (or snapshot). */
  public long appliedIndex() {
    throw new IllegalStateException("being written");
  }

  public long lastIndex() {
    throw new IllegalStateException("being written");
  }

  /** The configuration in effect: the latest one in the log, committed or not (§4.1). */
  public Configuration configuration() {
    throw new IllegalStateException("being written");
  }

  /** The configuration in effect at {@code index}, for a snapshot's metadata. */
  public Configuration configurationAt(long index) {
    throw new IllegalStateException("being written");
  }

  /** Per-follower replication state; empty unless leader. */
  public Map<NodeId, FollowerProgress> progress() {
    throw new IllegalStateException("being written");
  }

  /** Advances logical time by one tick: elections, heartbeats, CheckQuorum, transfer timeouts. */
  public void tick() {
    throw new IllegalStateException("being written");
  }

  /** Feeds one message from a peer. Messages for another node or from stale terms are ignored. */
  public void step(Message message) {
    throw new IllegalStateException("being written");
  }

  /** Proposes a command. Batched: it is appended to the log with the next {@link #ready()}. */
  public ProposeResult propose(byte[] command) {
    throw new IllegalStateException("being written");
  }

  /** Proposes a single-server membership change; at most one may be pending. */
  public ProposeResult proposeConfigChange(ConfigChange change) {
    throw new IllegalStateException("being written");
  }

  /** Asks for a linearizable read point; the answer comes in a later Ready's readResults. */
  public void readIndex(long requestId) {
    throw new IllegalStateException("being written");
  }

  /**
   * Starts a leadership transfer to {@code target} (thesis §3.10): proposals are refused until it
   * completes or an election timeout passes.
   */
  public ProposeResult transferLeadership(NodeId target) {
    throw new IllegalStateException("being written");
  }

  /**
   * Tells the core the driver has durably stored a snapshot of the state machine at {@code
   * meta.index()} (which it has applied); log entries before it are compacted, keeping {@code
   * keepEntries} behind it for followers that lag a little.
   */
  public void snapshotTaken(SnapshotMeta meta, long keepEntries) {
    throw new IllegalStateException("being written");
  }

  public boolean hasReady() {
    throw new IllegalStateException("being written");
  }

  /** Collects the work to do; see {@link Ready} for the order. Call {@link #advance} after. */
  public Ready ready() {
    throw new IllegalStateException("being written");
  }

  /** Acknowledges that a Ready's work is done. */
  public void advance(Ready ready) {
    throw new IllegalStateException("being written");
  }
}
