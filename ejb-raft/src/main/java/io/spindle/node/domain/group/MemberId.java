package io.spindle.node.domain.group;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/** A member id: one path segment of UTF-8, at most 255 bytes (the rules of {@link GroupNames}). */
public record MemberId(String value) implements Comparable<MemberId> {
  public MemberId {
    Objects.requireNonNull(value, "member id");
    String problem = GroupNames.problem("member id", value);
    if (problem != null) {
      throw new InvalidGroupRequestException(problem);
    }
  }

  public static MemberId of(String value) {
    return new MemberId(value);
  }

  public byte[] utf8() {
    return value.getBytes(StandardCharsets.UTF_8);
  }

  /** Unsigned byte order of the UTF-8, as the database sorts them. */
  @Override
  public int compareTo(MemberId other) {
    return java.util.Arrays.compareUnsigned(utf8(), other.utf8());
  }

  @Override
  public String toString() {
    return value;
  }
}
