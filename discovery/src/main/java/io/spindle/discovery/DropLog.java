package io.spindle.discovery;

import java.net.SocketAddress;
import java.time.Clock;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.logging.Logger;

/**
 * Counts dropped datagrams and logs them: every drop at FINE, and at most one WARNING per reason
 * per {@link #WARNING_INTERVAL_MILLIS}, which says how many more of that reason it left out. A
 * flood of garbage therefore costs a log line every few seconds, not one per datagram. Messages
 * name the source address and the reason, never the secret or the datagram's content. Thread-safe.
 */
final class DropLog {
  static final long WARNING_INTERVAL_MILLIS = 10_000;

  private static final Logger LOG = Logger.getLogger(DropLog.class.getPackageName());

  private final String side;
  private final Clock clock;
  private final AtomicLongArray counts = new AtomicLongArray(DropReason.values().length);
  private final long[] lastWarningMillis = new long[DropReason.values().length];
  private final long[] suppressed = new long[DropReason.values().length];
  private final boolean[] warned = new boolean[DropReason.values().length];

  /**
   * @param side who drops, for the log line ("discovery server", "discovery client")
   */
  DropLog(String side, Clock clock) {
    this.side = side;
    this.clock = clock;
  }

  void drop(SocketAddress source, DropReason reason, String detail) {
    int i = reason.ordinal();
    counts.incrementAndGet(i);
    String line =
        side
            + " dropped a datagram from "
            + source
            + ": "
            + reason.description()
            + (detail.isEmpty() ? "" : " (" + detail + ")");
    LOG.fine(line);
    long now = clock.millis();
    long left;
    synchronized (this) {
      if (warned[i] && now - lastWarningMillis[i] < WARNING_INTERVAL_MILLIS) {
        suppressed[i]++;
        return;
      }
      warned[i] = true;
      lastWarningMillis[i] = now;
      left = suppressed[i];
      suppressed[i] = 0;
    }
    LOG.warning(
        left == 0
            ? line
            : line + "; " + left + " more " + reason + " drops since the last such warning");
  }

  /** How many datagrams were dropped, by reason; reasons never seen are absent. */
  Map<DropReason, Long> counts() {
    Map<DropReason, Long> result = new EnumMap<>(DropReason.class);
    for (DropReason reason : DropReason.values()) {
      long n = counts.get(reason.ordinal());
      if (n > 0) {
        result.put(reason, n);
      }
    }
    return result;
  }
}
