package io.spindle.node.domain.group;

import java.util.Locale;

/**
 * How a member stays in its group: by renewing its lease ({@link #NONE}), or by answering the
 * probes the leader runs against its address: an HTTP GET that answers 2xx or 3xx ({@link #HTTP}),
 * or a TCP connect that succeeds ({@link #TCP}). A probed member's lease is renewed by every probe
 * that succeeds; it is removed after several consecutive failures, never one.
 */
public enum Probe {
  NONE,
  HTTP,
  TCP;

  /** "none", "http" or "tcp": the name in JSON and on the command line. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The probe a label names (any case; empty or null is {@link #NONE}). */
  public static Probe of(String label) {
    if (label == null || label.isEmpty()) {
      return NONE;
    }
    for (Probe p : values()) {
      if (p.label().equalsIgnoreCase(label)) {
        return p;
      }
    }
    throw new InvalidGroupRequestException(
        "probe is \"none\" (the member renews its lease), \"http\" or \"tcp\", not \""
            + label
            + "\"");
  }
}
