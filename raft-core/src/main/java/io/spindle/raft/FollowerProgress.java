package io.spindle.raft;

/**
 * What a leader knows of one follower's replication, for status pages and tests.
 *
 * @param state PROBE (finding the match point), REPLICATE (pipelining) or SNAPSHOT (installing)
 * @param recentlyActive heard from within the current CheckQuorum window
 */
public record FollowerProgress(
    NodeId id,
    boolean voter,
    long matchIndex,
    long nextIndex,
    String state,
    boolean recentlyActive) {}
