package io.spindle.node.application;

/**
 * A node's counters at one moment, for its metrics.
 *
 * @param proposals entries this node appended as leader (proposals and one no-op per term)
 * @param appendedEntries entries appended to the local log
 * @param fsyncs log fsyncs (group commit: one may cover many entries)
 * @param fsyncSecondsTotal time spent in log fsyncs
 * @param lastFsyncSeconds latency of the latest log fsync
 */
public record NodeCounters(
    long proposals,
    long appendedEntries,
    long fsyncs,
    double fsyncSecondsTotal,
    double lastFsyncSeconds) {}
