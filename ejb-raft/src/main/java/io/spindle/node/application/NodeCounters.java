package io.spindle.node.application;

import java.util.Objects;

/**
 * A node's counters at one moment, for its metrics.
 *
 * @param proposals entries this node appended as leader (proposals and one no-op per term)
 * @param appendedEntries entries appended to the local log
 * @param fsyncs how long the log's fsyncs took (group commit: one may cover many entries)
 * @param droppedMessages Raft messages this node did not send: over a peer's outbound bound (a peer
 *     that does not keep up), or to a peer with no address or connection
 */
public record NodeCounters(
    long proposals, long appendedEntries, LatencyHistogram fsyncs, long droppedMessages) {
  public NodeCounters {
    Objects.requireNonNull(fsyncs, "fsyncs");
  }
}
