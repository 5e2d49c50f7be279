/**
 * Group membership over the node's Raft log ({@link
 * io.spindle.node.infrastructure.groups.RaftGroupService}): the leader's leases and probes ({@link
 * io.spindle.node.infrastructure.groups.GroupLeases}, {@link
 * io.spindle.node.infrastructure.groups.MemberProbes}), which decide expiries and propose them
 * through the log, and the watchers waiting for a group to change ({@link
 * io.spindle.node.infrastructure.groups.GroupWatches}). The replicated rows themselves are the
 * state machine's ({@code io.spindle.node.infrastructure.store.GroupApplier}).
 */
package io.spindle.node.infrastructure.groups;
