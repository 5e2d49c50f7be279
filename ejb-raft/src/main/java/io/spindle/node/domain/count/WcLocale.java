package io.spindle.node.domain.count;

/** Which locale's rules a count follows, as {@code LC_ALL=C wc} or {@code LC_ALL=C.UTF-8 wc}. */
public enum WcLocale {
  C,
  UTF8
}
