package io.spindle.raft;

/**
 * A monotonic clock, in nanoseconds from an arbitrary origin: the only time the core reads besides
 * its ticks, and only to measure a leader's lease (thesis §6.4.1). It keeps running while the
 * process stalls (GC, a slow fsync), unlike ticks, which a driver drops when it falls behind; that
 * is what makes a lease measured by it safe where one counted in ticks is not.
 *
 * <p><b>Contract:</b> never goes backwards; its rate differs from real time by at most {@link
 * RaftSettings#maxClockDriftPpm()}, and the driver calls {@link RaftNode#tick()} at most once per
 * {@link RaftSettings#tickNanos()} of it. <b>Threading:</b> called only from the node's owning
 * thread; must not block. Tests and simulations pass a manual one.
 */
@FunctionalInterface
public interface MonotonicClock {
  long nanos();
}
