package io.spindle.queue.jobs;

/** A node's Raft role, as it reports it. */
public enum NodeRole {
  UNKNOWN,
  FOLLOWER,
  CANDIDATE,
  LEADER,
  LEARNER
}
