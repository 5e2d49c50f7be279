/**
 * Scale-out of the Raft configuration: the leader's side of joins and leaves (queue jobs turned
 * into {@link io.spindle.raft.ConfigChange}s), the promotion of caught-up learners to voters, and a
 * new node's discovery of its cluster. Depends on {@code infrastructure.raft} and {@code
 * discovery}; the queue and runtime packages use it.
 */
package io.spindle.node.infrastructure.membership;
