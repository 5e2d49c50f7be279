package io.spindle.node.domain.group;

import java.util.List;

/**
 * A group as of one log index: its members (by id, unsigned byte order) and, for a watch, the
 * changes after the index the watcher gave.
 *
 * @param index the log index of the group's latest change (0 if it never had one that is still
 *     remembered); a watcher passes it back as {@code after}
 * @param changes the changes after the watcher's {@code after}, oldest first (empty when not asked)
 * @param reset true if changes after {@code after} are no longer all remembered: {@code changes} is
 *     then empty and {@code members} is the whole truth
 */
public record GroupView(
    GroupName group,
    long index,
    List<GroupMember> members,
    List<GroupChange> changes,
    boolean reset) {}
