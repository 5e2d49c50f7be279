package io.spindle.raft;

import java.util.Objects;

/**
 * A member of the cluster and where to reach it. The core never interprets {@code address}; it is
 * carried through the log so that every node learns how to reach members added later.
 */
public record Member(NodeId id, String address) {
  public Member {
    Objects.requireNonNull(id, "id");
    address = address == null ? "" : address;
  }

  public static Member of(String id, String address) {
    return new Member(NodeId.of(id), address);
  }
}
