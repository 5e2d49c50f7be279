package io.spindle.raft;

import java.util.List;

/**
 * The Raft log as the core sees it: entries {@code (snapshotIndex, lastIndex]} after a compaction
 * point {@code (snapshotIndex, snapshotTerm)}.
 *
 * <p><b>Threading:</b> called only from the thread that owns the {@link RaftNode} (the driver); it
 * need not be thread-safe. <b>Blocking:</b> reads and appends may do I/O but must not wait for
 * other nodes. <b>Durability:</b> {@link #append} need not be durable; the driver calls {@link
 * #sync} before it sends any message of the {@link Ready} in which the entries were appended, which
 * is what makes "persisted before acknowledged" hold. <b>Errors:</b> an I/O failure is thrown as
 * {@link StorageException}; the node must then stop, because Raft cannot continue on a log it can
 * no longer trust.
 */
public interface LogStore {
  /** The index covered by the latest compaction (0 for a log never compacted). */
  long snapshotIndex();

  /** The term of the entry at {@link #snapshotIndex()} (0 if none). */
  long snapshotTerm();

  /** The last index in the log, or {@link #snapshotIndex()} when it holds no entries. */
  long lastIndex();

  /**
   * The term of the entry at {@code index}, for {@code snapshotIndex <= index <= lastIndex}.
   *
   * @throws IllegalArgumentException outside that range
   */
  long term(long index);

  /**
   * Entries from {@code from} to at most {@code toInclusive}, stopping once {@code maxBytes} is
   * reached but always at least one entry, for {@code snapshotIndex < from <= toInclusive <=
   * lastIndex}.
   */
  List<Entry> entries(long from, long toInclusive, long maxBytes);

  /**
   * Appends contiguous entries. If the first one's index is not {@code lastIndex + 1}, everything
   * from that index on is first removed (a follower overwriting a conflicting suffix, §5.3).
   */
  void append(List<Entry> entries);

  /** Makes every appended entry durable (fsync). Called by the driver, never by the core. */
  void sync();

  /**
   * Discards entries up to and including {@code index}, which a snapshot now covers. Entries after
   * it are kept.
   */
  void compact(long index, long term);

  /** Discards the whole log and restarts it after a snapshot installed at (index, term). */
  void reset(long index, long term);
}
