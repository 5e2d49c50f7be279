package io.spindle.node.domain.group;

import java.nio.charset.StandardCharsets;

/**
 * The rules of a group name and a member id: a file name's rules ({@link
 * io.spindle.node.domain.FileName}) for one path segment — UTF-8, 1 to {@value #MAX_BYTES} bytes,
 * no {@code /}, not {@code .} or {@code ..}, no control characters or lone surrogates.
 */
final class GroupNames {
  static final int MAX_BYTES = 255;

  private GroupNames() {}

  /** Why {@code value} is not a valid {@code what} ("group name", "member id"), or null. */
  static String problem(String what, String value) {
    if (value == null || value.isEmpty()) {
      return "a " + what + " must not be empty";
    }
    int bytes = value.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_BYTES) {
      return "a " + what + " is at most " + MAX_BYTES + " bytes of UTF-8; this one is " + bytes;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isISOControl(c)) {
        return "a "
            + what
            + " must not contain control characters (found U+"
            + String.format("%04X", (int) c)
            + " at position "
            + i
            + ")";
      }
      if (c == '/') {
        return "a " + what + " must not contain '/'";
      }
      if (Character.isHighSurrogate(c)
          ? i + 1 >= value.length() || !Character.isLowSurrogate(value.charAt(i + 1))
          : Character.isLowSurrogate(c)
              && (i == 0 || !Character.isHighSurrogate(value.charAt(i - 1)))) {
        return "a " + what + " must be valid UTF-8 text (lone surrogate at position " + i + ")";
      }
    }
    if (value.equals(".") || value.equals("..")) {
      return "a " + what + " must not be '" + value + "'";
    }
    return null;
  }
}
