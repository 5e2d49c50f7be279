package io.spindle.node.domain.group;

/** A group that has members: how many, and the log index of its latest change. */
public record GroupSummary(GroupName group, int members, long index) {}
