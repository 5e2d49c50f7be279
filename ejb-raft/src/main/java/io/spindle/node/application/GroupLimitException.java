package io.spindle.node.application;

/**
 * A join would pass a bound of group membership ({@link GroupService#MAX_MEMBERS_PER_GROUP}, {@link
 * GroupService#MAX_GROUPS}); the message says which. Nothing changed.
 */
public class GroupLimitException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public GroupLimitException(String message) {
    super(message);
  }
}
