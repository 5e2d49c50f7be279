package io.spindle.raft;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The configurations in a node's log, by the index of the entry that carried each, and the base one
 * at the compaction point (from a snapshot or the bootstrap). The latest is in effect whether
 * committed or not (thesis §4.1); earlier ones answer which configuration held at an index, for a
 * snapshot's metadata. Kept in step with the log: truncated with it, compacted with it, reset by a
 * snapshot.
 *
 * <p><b>Threading:</b> single-threaded, owned by one {@link RaftNode} and called only from its
 * driver's thread.
 */
final class ConfigurationHistory {
  private static final long SCAN_BATCH_BYTES = 16L << 20;

  private final TreeMap<Long, Configuration> configurations = new TreeMap<>();

  /** The configuration in effect: the latest one in the log, committed or not (§4.1). */
  Configuration latest() {
    return configurations.lastEntry().getValue();
  }

  /** The index of the entry that carried {@link #latest()} (the compaction point for the base). */
  long latestIndex() {
    return configurations.lastKey();
  }

  /** The configuration in effect at {@code index}. */
  Configuration at(long index) {
    Map.Entry<Long, Configuration> e = configurations.floorEntry(index);
    return e == null ? configurations.firstEntry().getValue() : e.getValue();
  }

  /** Records the configuration carried by the entry at {@code index}. */
  void record(long index, Configuration configuration) {
    configurations.put(index, configuration);
  }

  /** Forgets everything and starts again from {@code base} at {@code index}. */
  void resetTo(long index, Configuration base) {
    configurations.clear();
    configurations.put(index, base);
  }

  /** Records the configurations the log holds from {@code from} on. */
  void scan(RaftLog log, long from) {
    long last = log.storedLastIndex();
    long i = from;
    while (i <= last) {
      List<Entry> batch = log.entries(i, last, SCAN_BATCH_BYTES);
      for (Entry e : batch) {
        if (e.type() == EntryType.CONFIG) {
          configurations.put(e.index(), e.configuration());
        }
      }
      i += batch.size();
    }
  }

  /**
   * The log was overwritten from the first of {@code entries} on (a leader's appends, §5.3): the
   * configurations of the old suffix go, those among the new entries take their place.
   */
  void replaceFrom(List<Entry> entries) {
    long first = entries.get(0).index();
    configurations.tailMap(first, true).clear();
    for (Entry e : entries) {
      if (e.type() == EntryType.CONFIG) {
        configurations.put(e.index(), e.configuration());
      }
    }
  }

  /**
   * The log was compacted up to {@code index}: the configuration in effect there becomes the base.
   */
  void compactTo(long index) {
    Configuration base = at(index);
    configurations.headMap(index, true).clear();
    configurations.put(index, base);
  }
}
