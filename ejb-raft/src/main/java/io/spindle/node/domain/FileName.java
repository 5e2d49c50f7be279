package io.spindle.node.domain;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The key of a stored file, as in an object store: UTF-8, {@code /} allowed ({@code docs/a.txt}),
 * at most {@value #MAX_BYTES} bytes. Refused: an empty name, an empty or {@code .} or {@code ..}
 * segment, a leading {@code /}, NUL and other control characters.
 */
public record FileName(String value) {
  public static final int MAX_BYTES = 1024;

  public FileName {
    Objects.requireNonNull(value, "name");
    String problem = problem(value);
    if (problem != null) {
      throw new InvalidFileNameException(problem);
    }
  }

  public static FileName of(String value) {
    return new FileName(value);
  }

  /** Why {@code value} is not a valid name, or {@code null} if it is. */
  public static String problem(String value) {
    if (value.isEmpty()) {
      return "a file name must not be empty";
    }
    int bytes = value.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_BYTES) {
      return "a file name is at most " + MAX_BYTES + " bytes of UTF-8; this one is " + bytes;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isISOControl(c)) {
        return "a file name must not contain control characters (found U+"
            + String.format("%04X", (int) c)
            + " at position "
            + i
            + ")";
      }
      if (Character.isSurrogate(c)
          && !(Character.isHighSurrogate(c)
              && i + 1 < value.length()
              && Character.isLowSurrogate(value.charAt(i + 1)))
          && !(Character.isLowSurrogate(c)
              && i > 0
              && Character.isHighSurrogate(value.charAt(i - 1)))) {
        return "a file name must be valid UTF-16/UTF-8 text (lone surrogate at position " + i + ")";
      }
    }
    if (value.startsWith("/")) {
      return "a file name must not start with '/'";
    }
    for (String segment : value.split("/", -1)) {
      if (segment.isEmpty()) {
        return "a file name must not contain an empty segment ('//' or a trailing '/')";
      }
      if (segment.equals(".") || segment.equals("..")) {
        return "a file name must not contain a '" + segment + "' segment";
      }
    }
    return null;
  }

  public byte[] utf8() {
    return value.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return value;
  }
}
