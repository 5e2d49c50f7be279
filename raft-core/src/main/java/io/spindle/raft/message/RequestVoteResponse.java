package io.spindle.raft.message;

import io.spindle.raft.NodeId;
import io.spindle.raft.StorageId;

/**
 * The answer to a {@link RequestVote}; {@code preVote} echoes the request's. {@code storage} is the
 * voter's storage: a candidate counts the vote only if it is the storage its configuration records
 * for the voter (a voter that lost its disk may have forgotten a vote it cast in this term).
 */
public record RequestVoteResponse(
    NodeId from, NodeId to, long term, boolean granted, boolean preVote, StorageId storage)
    implements Message {
  public RequestVoteResponse {
    storage = storage == null ? StorageId.UNKNOWN : storage;
  }

  /** A response from a storage not known (tests, and peers that do not say). */
  public RequestVoteResponse(NodeId from, NodeId to, long term, boolean granted, boolean preVote) {
    this(from, to, term, granted, preVote, StorageId.UNKNOWN);
  }
}
