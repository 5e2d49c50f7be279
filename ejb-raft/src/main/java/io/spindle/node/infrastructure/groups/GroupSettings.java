package io.spindle.node.infrastructure.groups;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;

/**
 * How the leader keeps group members.
 *
 * @param probeInterval how often a probed member is probed ({@code
 *     spindle.groups.probe-interval-ms})
 * @param probeFailures consecutive failed probes that remove a member, at least 2 ({@code
 *     spindle.groups.probe-failures})
 * @param probeTimeout how long one probe may take (the interval, at most 2 s)
 * @param renewalFlush how often the leader records renewals in the log ({@code
 *     spindle.groups.renewal-flush-ms})
 * @param sweep how often the leader looks for expired leases and due probes
 */
public record GroupSettings(
    Duration probeInterval,
    int probeFailures,
    Duration probeTimeout,
    Duration renewalFlush,
    Duration sweep) {
  public static final String PROBE_INTERVAL_MS = "spindle.groups.probe-interval-ms";
  public static final String PROBE_FAILURES = "spindle.groups.probe-failures";
  public static final String RENEWAL_FLUSH_MS = "spindle.groups.renewal-flush-ms";

  public GroupSettings {
    if (probeInterval.toMillis() < 100 || probeInterval.toMillis() > 60_000) {
      throw new IllegalArgumentException(
          PROBE_INTERVAL_MS + " is from 100 to 60000, not " + probeInterval.toMillis());
    }
    if (probeFailures < 2 || probeFailures > 100) {
      throw new IllegalArgumentException(
          PROBE_FAILURES
              + " is from 2 to 100 (one failed probe never removes a member), not "
              + probeFailures);
    }
    if (renewalFlush.toMillis() < 10 || renewalFlush.toMillis() > 10_000) {
      throw new IllegalArgumentException(
          RENEWAL_FLUSH_MS + " is from 10 to 10000, not " + renewalFlush.toMillis());
    }
  }

  public static GroupSettings defaults() {
    return of(Duration.ofSeconds(2), 3, Duration.ofSeconds(1));
  }

  static GroupSettings of(Duration probeInterval, int probeFailures, Duration renewalFlush) {
    return new GroupSettings(
        probeInterval,
        probeFailures,
        probeInterval.compareTo(Duration.ofSeconds(2)) < 0 ? probeInterval : Duration.ofSeconds(2),
        renewalFlush,
        Duration.ofMillis(100));
  }

  /** The settings {@code lookup} gives (the node's configuration), defaults for the rest. */
  public static GroupSettings read(Function<String, Optional<String>> lookup) {
    GroupSettings d = defaults();
    try {
      return of(
          lookup
              .apply(PROBE_INTERVAL_MS)
              .map(Long::parseLong)
              .map(Duration::ofMillis)
              .orElse(d.probeInterval()),
          lookup.apply(PROBE_FAILURES).map(Integer::parseInt).orElse(d.probeFailures()),
          lookup
              .apply(RENEWAL_FLUSH_MS)
              .map(Long::parseLong)
              .map(Duration::ofMillis)
              .orElse(d.renewalFlush()));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "a spindle.groups.* setting is not a whole number: " + e.getMessage(), e);
    }
  }
}
