package io.spindle.raft.server;

import io.spindle.raft.Entry;
import io.spindle.raft.ForwardingLogStore;
import io.spindle.raft.LogStore;
import java.util.List;

/**
 * A {@link LogStore} that counts the time spent appending to and reading from the log it wraps, for
 * the driver's loop statistics. Same threading as the log: the driver's thread only.
 */
final class MeasuredLogStore extends ForwardingLogStore {
  long appendNanos;
  long appendedEntries;
  long readNanos;
  long readEntries;

  MeasuredLogStore(LogStore log) {
    super(log);
  }

  @Override
  public List<Entry> entries(long from, long toInclusive, long maxBytes) {
    long started = System.nanoTime();
    List<Entry> entries = delegate.entries(from, toInclusive, maxBytes);
    readNanos += System.nanoTime() - started;
    readEntries += entries.size();
    return entries;
  }

  @Override
  public void append(List<Entry> entries) {
    long started = System.nanoTime();
    delegate.append(entries);
    appendNanos += System.nanoTime() - started;
    appendedEntries += entries.size();
  }

  void resetCounters() {
    appendNanos = 0;
    appendedEntries = 0;
    readNanos = 0;
    readEntries = 0;
  }
}
