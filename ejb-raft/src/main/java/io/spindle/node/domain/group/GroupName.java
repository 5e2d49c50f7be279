package io.spindle.node.domain.group;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/** A group name: one path segment of UTF-8, at most 255 bytes (the rules of {@link GroupNames}). */
public record GroupName(String value) implements Comparable<GroupName> {
  public GroupName {
    Objects.requireNonNull(value, "group name");
    String problem = GroupNames.problem("group name", value);
    if (problem != null) {
      throw new InvalidGroupRequestException(problem);
    }
  }

  public static GroupName of(String value) {
    return new GroupName(value);
  }

  public byte[] utf8() {
    return value.getBytes(StandardCharsets.UTF_8);
  }

  /** Unsigned byte order of the UTF-8, as the database sorts them. */
  @Override
  public int compareTo(GroupName other) {
    return java.util.Arrays.compareUnsigned(utf8(), other.utf8());
  }

  @Override
  public String toString() {
    return value;
  }
}
