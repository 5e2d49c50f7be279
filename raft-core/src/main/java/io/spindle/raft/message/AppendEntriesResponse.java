package io.spindle.raft.message;

import io.spindle.raft.NodeId;
import io.spindle.raft.StorageId;

/**
 * The answer to {@link AppendEntries}. On success {@code matchIndex} is the last index the follower
 * now holds from the request; on failure it is the {@code prevLogIndex} that was rejected, so the
 * leader can tell a stale rejection from a current one. On a consistency-check failure the follower
 * suggests where to retry (fast back-off, §5.3 "optimization"): {@code conflictTerm} is the term of
 * its entry at the leader's prevLogIndex (0 if it has none there) and {@code conflictIndex} the
 * first index of that term in its log, or its last index + 1 when its log is too short. {@code
 * storage} is the follower's: the leader counts the match only if it is the recorded one (see
 * {@link RequestVoteResponse}).
 */
public record AppendEntriesResponse(
    NodeId from,
    NodeId to,
    long term,
    boolean success,
    long matchIndex,
    long conflictIndex,
    long conflictTerm,
    long lastLogIndex,
    StorageId storage)
    implements Message {
  public AppendEntriesResponse {
    storage = storage == null ? StorageId.UNKNOWN : storage;
  }

  public AppendEntriesResponse(
      NodeId from,
      NodeId to,
      long term,
      boolean success,
      long matchIndex,
      long conflictIndex,
      long conflictTerm,
      long lastLogIndex) {
    this(
        from,
        to,
        term,
        success,
        matchIndex,
        conflictIndex,
        conflictTerm,
        lastLogIndex,
        StorageId.UNKNOWN);
  }
}
