package io.spindle.raft;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Peers a leader removed from the configuration, by the index of the removing entry, that are still
 * replicated to (and counted for nothing) for a while after it commits, so that they learn of their
 * removal: a removed server is otherwise never told, and one that asked to leave would wait in vain
 * (thesis §4.2.2 lets it be shut down once the removal is committed).
 *
 * <p><b>Threading:</b> single-threaded, owned by one {@link RaftNode} (leader state) and called
 * only from its driver's thread.
 */
final class DepartingPeers {
  private final Map<NodeId, Departure> departing = new HashMap<>();

  /** A removed peer still replicated to: the removing entry's index, ticks since it committed. */
  private static final class Departure {
    final long removalIndex;
    int ticksSinceCommit;

    Departure(long removalIndex) {
      this.removalIndex = removalIndex;
    }
  }

  /**
   * {@code peer} was removed by the entry at {@code removalIndex} (the first such entry counts).
   */
  void departed(NodeId peer, long removalIndex) {
    departing.putIfAbsent(peer, new Departure(removalIndex));
  }

  /** {@code peer} is a member again. */
  void stayed(NodeId peer) {
    departing.remove(peer);
  }

  void clear() {
    departing.clear();
  }

  /**
   * Stops replicating to a removed peer (drops its progress) an election timeout after its removal
   * committed: by then the appends and heartbeats it got carried the removing entry and a commit
   * index covering it (unless it is unreachable, and then nothing would help). Called once a tick.
   */
  void forgetDeparted(long commitIndex, int electionTicks, Map<NodeId, Progress> progress) {
    Iterator<Map.Entry<NodeId, Departure>> it = departing.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<NodeId, Departure> e = it.next();
      Departure d = e.getValue();
      if (commitIndex >= d.removalIndex && ++d.ticksSinceCommit > electionTicks) {
        progress.remove(e.getKey());
        it.remove();
      }
    }
  }
}
