package io.spindle.raft.message;

import io.spindle.raft.NodeId;

/**
 * RequestVote (§5.2) or, with {@code preVote}, the PreVote probe (thesis §9.6) whose {@code term}
 * is the term the candidate would campaign in. {@code transfer} marks a campaign started by
 * TimeoutNow, which voters accept even while they hear from a leader (thesis §3.10).
 */
public record RequestVote(
    NodeId from,
    NodeId to,
    long term,
    long lastLogIndex,
    long lastLogTerm,
    boolean preVote,
    boolean transfer)
    implements Message {}
