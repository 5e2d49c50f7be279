package io.spindle.raft;

import java.util.Objects;

/** The stable identity of a Raft member: a short, non-blank name such as {@code n1}. */
public record NodeId(String value) implements Comparable<NodeId> {
  public NodeId {
    Objects.requireNonNull(value, "node id");
    if (value.isBlank() || value.length() > 255) {
      throw new IllegalArgumentException("a node id must be 1 to 255 characters: '" + value + "'");
    }
  }

  public static NodeId of(String value) {
    return new NodeId(value);
  }

  @Override
  public int compareTo(NodeId other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
