package io.spindle.node.application;

import io.spindle.node.domain.group.GroupName;
import io.spindle.node.domain.group.MemberId;

/** A renewal or leave named a member the group does not have; the message says which. */
public class NoSuchMemberException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public NoSuchMemberException(String message) {
    super(message);
  }

  /** A renewal's: {@code member} is not (or no longer) a member of {@code group}. */
  public static NoSuchMemberException toRenew(GroupName group, MemberId member) {
    return new NoSuchMemberException(
        "'"
            + member
            + "' is not a member of group '"
            + group
            + "' (its lease ran out, it left, or it never joined): join again");
  }
}
