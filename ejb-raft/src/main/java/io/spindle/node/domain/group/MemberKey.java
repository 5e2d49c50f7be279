package io.spindle.node.domain.group;

import java.util.Objects;

/** A member of a group, named: what a renewal of many members lists. */
public record MemberKey(GroupName group, MemberId id) {
  public MemberKey {
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(id, "id");
  }
}
