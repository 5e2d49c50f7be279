package io.spindle.node.domain.group;

/**
 * What a join did.
 *
 * @param created a new member (else it was one, renewed and perhaps updated)
 * @param index the log index of the join
 */
public record JoinOutcome(GroupMember member, boolean created, long index) {}
