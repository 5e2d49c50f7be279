package io.spindle.node.infrastructure.raft;

import io.spindle.raft.Entry;
import io.spindle.raft.LogStore;
import java.util.List;

/**
 * A {@link LogStore} that counts the time spent appending to and reading from the log it wraps, for
 * the driver's loop statistics. Same threading as the log: the driver's thread only.
 */
final class MeasuredLogStore implements LogStore {
  private final LogStore log;
  long appendNanos;
  long appendedEntries;
  long readNanos;
  long readEntries;

  MeasuredLogStore(LogStore log) {
    this.log = log;
  }

  @Override
  public long snapshotIndex() {
    return log.snapshotIndex();
  }

  @Override
  public long snapshotTerm() {
    return log.snapshotTerm();
  }

  @Override
  public long lastIndex() {
    return log.lastIndex();
  }

  @Override
  public long term(long index) {
    return log.term(index);
  }

  @Override
  public List<Entry> entries(long from, long toInclusive, long maxBytes) {
    long started = System.nanoTime();
    List<Entry> entries = log.entries(from, toInclusive, maxBytes);
    readNanos += System.nanoTime() - started;
    readEntries += entries.size();
    return entries;
  }

  @Override
  public void append(List<Entry> entries) {
    long started = System.nanoTime();
    log.append(entries);
    appendNanos += System.nanoTime() - started;
    appendedEntries += entries.size();
  }

  @Override
  public void sync() {
    log.sync();
  }

  @Override
  public void compact(long index, long term) {
    log.compact(index, term);
  }

  @Override
  public void reset(long index, long term) {
    log.reset(index, term);
  }

  void resetCounters() {
    appendNanos = 0;
    appendedEntries = 0;
    readNanos = 0;
    readEntries = 0;
  }
}
