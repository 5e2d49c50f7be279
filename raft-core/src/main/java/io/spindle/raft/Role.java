package io.spindle.raft;

/** The role a node plays right now. LEARNER is a follower that is not a voter. */
public enum Role {
  FOLLOWER,
  PRE_CANDIDATE,
  CANDIDATE,
  LEADER,
  LEARNER
}
