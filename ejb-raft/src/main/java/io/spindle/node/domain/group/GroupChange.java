package io.spindle.node.domain.group;

import java.util.Locale;

/** One change of a group's membership, at the log index that made it. */
public record GroupChange(long index, Kind kind, MemberId member, String address) {
  public enum Kind {
    /** A new member. */
    JOINED,
    /** A member joined again with another address, lease, metadata or probe. */
    UPDATED,
    /** A member left (DELETE). */
    LEFT,
    /** The leader removed a member whose lease ran out or whose probes failed. */
    EXPIRED,
    /** A probe of the member failed. */
    SUSPECT,
    /** A probe of a suspect member succeeded again (or it renewed). */
    ALIVE;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }
}
