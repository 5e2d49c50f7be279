package io.spindle.raft.server;

import io.spindle.raft.Configuration;
import io.spindle.raft.NodeId;
import io.spindle.raft.RaftNode;
import io.spindle.raft.Role;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Publishes a {@link RaftDriver}'s {@link RaftStatus}: a fresh snapshot of the node whenever what
 * it shows changed (a leader's match indexes at most every 250 ms), and logs each change of role,
 * term or leader.
 *
 * <p><b>Threading:</b> {@link #status()} on any thread (the status is immutable, published through
 * a volatile field); everything else on the driver's thread, which owns the node, or on the
 * constructing thread before the driver's starts. <b>Blocking:</b> never.
 */
final class StatusPublisher {
  /** The driver's logger: operators configure and read the node's story under that one name. */
  private static final Logger LOG = Logger.getLogger(RaftDriver.class.getName());

  private static final long MATCH_INDEX_REFRESH_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

  private final NodeId id;
  private final RaftNode node;
  private final PeerDirectory peers;
  private volatile RaftStatus status;
  private Map<NodeId, Long> matchIndex = Map.of();
  private long matchIndexRefreshedAt = System.nanoTime();

  /** Publishes the node's status as it starts, {@code appliedIndex} being its state machine's. */
  StatusPublisher(NodeId id, RaftNode node, PeerDirectory peers, long appliedIndex) {
    this.id = id;
    this.node = node;
    this.peers = peers;
    this.status = snapshot(true, appliedIndex);
  }

  /** The status last published. */
  RaftStatus status() {
    return status;
  }

  /**
   * Publishes the node's status if it changed; {@code appliedIndex} is how far the apply thread has
   * applied, as the driver last heard.
   */
  void publish(long appliedIndex) {
    RaftStatus s = status;
    Role role = node.role();
    long term = node.term();
    Optional<NodeId> leader = node.leader();
    if (s.role() != role || s.term() != term || !s.leader().equals(leader)) {
      LOG.info(
          () ->
              "Raft node "
                  + id
                  + " is "
                  + role
                  + " in term "
                  + term
                  + leader.map(l -> ", leader " + l).orElse(", no leader"));
    }
    if (s.role() == role
        && s.term() == term
        && s.leader().equals(leader)
        && s.commitIndex() == node.commitIndex()
        && s.appliedIndex() == appliedIndex
        && s.lastIndex() == node.lastIndex()
        && s.configuration() == peers.configuration()
        && !matchIndexDue()) {
      return;
    }
    status = snapshot(true, appliedIndex);
  }

  /**
   * Publishes the status of the stopped node; the last one published, marked stopped, when the node
   * can no longer tell its own.
   */
  void publishStopped(long appliedIndex) {
    try {
      status = snapshot(false, appliedIndex);
    } catch (RuntimeException e) {
      RaftStatus last = status;
      status =
          new RaftStatus(
              id,
              last.role(),
              last.term(),
              last.leader(),
              last.commitIndex(),
              last.appliedIndex(),
              last.lastIndex(),
              last.configuration(),
              last.configurationIndex(),
              Map.of(),
              false);
    }
  }

  /**
   * A leader's published match indexes are older than the refresh period (or it stopped leading).
   */
  private boolean matchIndexDue() {
    if (node.role() != Role.LEADER) {
      return !matchIndex.isEmpty();
    }
    return System.nanoTime() - matchIndexRefreshedAt >= MATCH_INDEX_REFRESH_NANOS;
  }

  private Map<NodeId, Long> currentMatchIndex() {
    if (node.role() != Role.LEADER) {
      matchIndex = Map.of();
      return matchIndex;
    }
    if (matchIndex.isEmpty()
        || System.nanoTime() - matchIndexRefreshedAt >= MATCH_INDEX_REFRESH_NANOS) {
      Map<NodeId, Long> m = new HashMap<>();
      node.progress().forEach((peer, p) -> m.put(peer, p.matchIndex()));
      matchIndex = Map.copyOf(m);
      matchIndexRefreshedAt = System.nanoTime();
    }
    return matchIndex;
  }

  private RaftStatus snapshot(boolean isRunning, long appliedIndex) {
    Configuration configuration = peers.configuration();
    return new RaftStatus(
        id,
        node.role(),
        node.term(),
        node.leader(),
        node.commitIndex(),
        appliedIndex,
        node.lastIndex(),
        configuration != null ? configuration : node.configuration(),
        node.configurationIndex(),
        isRunning ? currentMatchIndex() : Map.of(),
        isRunning);
  }
}
