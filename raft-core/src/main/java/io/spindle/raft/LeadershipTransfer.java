package io.spindle.raft;

import io.spindle.raft.message.TimeoutNow;

/**
 * A leader's transfer of leadership (thesis §3.10): the target, told to campaign at once with
 * TimeoutNow as soon as its log matches the leader's, and the election timeout after which an
 * unfinished transfer is given up. While one is in progress the leader refuses proposals.
 *
 * <p><b>Threading:</b> single-threaded, owned by one {@link RaftNode} (leader state) and called
 * only from its driver's thread.
 */
final class LeadershipTransfer {
  private final RaftNode node;
  private final RaftSettings config;
  private final ReadOnlyRequests reads;

  private NodeId target;
  private int elapsed;

  LeadershipTransfer(RaftNode node, RaftSettings config, ReadOnlyRequests reads) {
    this.node = node;
    this.config = config;
    this.reads = reads;
  }

  /** The node leadership is being transferred to, or null. */
  NodeId target() {
    return target;
  }

  /**
   * Starts a transfer to {@code target}, a voter other than this leader, whose follower is {@code
   * p} (null if it has none yet).
   */
  void start(NodeId target, Progress p) {
    this.target = target;
    elapsed = 0;
    if (p != null && p.match == node.lastIndex()) {
      sendTimeoutNow(target);
    }
  }

  /** {@code p}'s follower acknowledged more: if it is the target and caught up, it may campaign. */
  void maybeSendTimeoutNow(Progress p) {
    if (p.id.equals(target) && p.match == node.lastIndex()) {
      sendTimeoutNow(p.id);
    }
  }

  private void sendTimeoutNow(NodeId to) {
    reads.timeoutNowSent();
    node.send(new TimeoutNow(node.id(), to, node.term()));
  }

  /** Called once a leader's tick: a transfer not done within an election timeout is aborted. */
  void tick() {
    if (target != null && ++elapsed >= config.electionTicks()) {
      target = null;
    }
  }

  /** The configuration changed: a target that is no longer a voter cannot lead. */
  void onConfigurationChanged(Configuration c) {
    if (target != null && !c.isVoter(target)) {
      target = null;
    }
  }

  /** Forgets the transfer (a leadership ended or starts). */
  void reset() {
    target = null;
    elapsed = 0;
  }
}
