package io.spindle.node.infrastructure.store;

import io.spindle.protocol.node.GroupMemberRecord;
import java.util.List;

/**
 * Told what group membership the state machine applied, after the batch's transaction committed:
 * the leader's lease keeper and the watchers follow the replicated state through it.
 *
 * <p><b>Threading:</b> called on the Raft apply thread; must not block.
 */
public interface GroupChangeListener {
  /** Why a member's record changed. */
  enum Cause {
    /** A join: a new member, or one that joined again (renewed, perhaps updated). */
    JOIN,
    /** The leader's record of renewals. */
    RENEW,
    /** A probe's verdict: suspect, or alive again. */
    MARK,
    /** The member left. */
    LEAVE,
    /** The leader expired the member. */
    EXPIRE
  }

  /**
   * One member's change.
   *
   * @param member the member as it is now, or as it was when removed
   * @param removed whether it is gone ({@link Cause#LEAVE}, {@link Cause#EXPIRE})
   * @param visible whether a watcher of its group sees a change (the group's index moved)
   */
  record Change(Cause cause, GroupMemberRecord member, boolean removed, boolean visible) {}

  /** The changes a committed batch made, in log order. */
  void applied(List<Change> changes);

  /** The tables were replaced by a snapshot: read them again. */
  void reloaded();

  GroupChangeListener NONE =
      new GroupChangeListener() {
        @Override
        public void applied(List<Change> changes) {}

        @Override
        public void reloaded() {}
      };
}
