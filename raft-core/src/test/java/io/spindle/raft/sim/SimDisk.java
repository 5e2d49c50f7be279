package io.spindle.raft.sim;

import io.spindle.raft.Entry;
import io.spindle.raft.HardState;
import io.spindle.raft.SnapshotMeta;
import io.spindle.raft.StorageId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * One simulated node's disk, modelled on what the durable implementations in ejb-raft do and where
 * a crash can interrupt them:
 *
 * <ul>
 *   <li><b>log</b> ({@code SegmentedLogStore}): appends go to the page cache and are durable only
 *       once synced; removing a conflicting suffix is durable at once; a reset removes the suffix
 *       beyond the new point first (durable), then stores the point; a compaction stores the point
 *       (durable) and drops what it covers;
 *   <li><b>hard state</b> ({@code FileHardStateStore}): each save is atomic and durable;
 *   <li><b>snapshots</b> ({@code FileSnapshotStore}): a received snapshot becomes durable and the
 *       latest in one step; a partial one is lost with the process.
 * </ul>
 *
 * Two kinds of crash: a <b>process crash</b> (kill -9) loses nothing written, but what was not
 * synced stays unsynced, in the page cache; a <b>power cut</b> loses what was not synced, except a
 * prefix the kernel happened to write back, and tears the record after it (recovery truncates a
 * torn record, so it is lost too). Operations can be interrupted between their steps: an armed
 * {@link Point} throws {@link PowerCut} there.
 *
 * <p>The chained hash of every entry (hash(i) covers entries 1..i) lets the checks compare whole
 * log prefixes; after a reset, the hash at the new point comes from the snapshot itself (what the
 * node that took it applied), never from the cluster's record of what was committed.
 */
final class SimDisk {
  /** Where an operation can be interrupted. */
  enum Point {
    /** An append, after removing a conflicting suffix, before writing the new records. */
    APPEND,
    /** A log sync, before it takes effect. */
    SYNC,
    /** A reset, after removing the entries beyond the new point, before storing the point. */
    RESET,
    /** A received snapshot was made durable; the log is not reset or compacted behind it yet. */
    SNAPSHOT_STORED,
    /** The driver synced the log, but has not saved the hard state yet. */
    HARD_STATE,
    /** A leader sent its AppendEntries, before its own sync (thesis §10.2.1). */
    LEADER_SENT
  }

  final StorageId storage;

  private long snapshotIndex;
  private long snapshotTerm;
  private final ArrayList<Entry> entries = new ArrayList<>();
  private long durableIndex;
  private long[] chain = new long[64];

  private HardState hardState = HardState.INITIAL;

  private SnapshotMeta latest;
  private byte[] latestData = new byte[0];
  private SnapshotMeta receiving;
  private byte[] received = new byte[0];
  private int receivedLength;

  private Point armedAt;
  private int armedCountdown;
  private boolean armedPowerCut;

  /** What power cuts cost, for the statistics. */
  long lostUnsyncedEntries;

  int tornRecords;

  SimDisk(StorageId storage) {
    this.storage = storage;
  }

  // ---------------------------------------------------------------------------------------------
  // Interruptions.

  /** The {@code countdown}-th time {@code point} is reached from now, the node crashes there. */
  void arm(Point point, int countdown, boolean powerCut) {
    armedAt = point;
    armedCountdown = countdown;
    armedPowerCut = powerCut;
  }

  boolean armed() {
    return armedAt != null;
  }

  /** Passes {@code point}; throws {@link PowerCut} if a crash is armed there. */
  void reach(Point point) {
    if (armedAt == point && --armedCountdown <= 0) {
      armedAt = null;
      throw new PowerCut(point, armedPowerCut);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Crashes.

  /** A process crash: nothing written is lost, but the page cache still holds what was unsynced. */
  void processCrash() {
    receiving = null;
    armedAt = null;
  }

  /**
   * A power cut: unsynced entries are lost, except a prefix the kernel wrote back; the record after
   * that prefix, if any, is torn (and truncated by recovery).
   */
  void powerCut(Random random) {
    processCrash();
    int unsynced = (int) (lastIndex() - durableIndex);
    if (unsynced <= 0) {
      return;
    }
    int kept = random.nextInt(unsynced + 1);
    if (kept < unsynced) {
      tornRecords++;
    }
    lostUnsyncedEntries += unsynced - kept;
    truncateFrom(durableIndex + kept + 1);
    durableIndex = lastIndex();
  }

  // ---------------------------------------------------------------------------------------------
  // The log.

  long snapshotIndex() {
    return snapshotIndex;
  }

  long snapshotTerm() {
    return snapshotTerm;
  }

  long lastIndex() {
    return snapshotIndex + entries.size();
  }

  /** The last index a power cut cannot lose. */
  long durableIndex() {
    return durableIndex;
  }

  long term(long index) {
    if (index == snapshotIndex) {
      return snapshotTerm;
    }
    checkRange(index);
    return entry(index).term();
  }

  Entry entry(long index) {
    checkRange(index);
    return entries.get((int) (index - snapshotIndex - 1));
  }

  long chainHash(long index) {
    if (index == 0) {
      return 0;
    }
    if (index < snapshotIndex || index > lastIndex()) {
      throw new IllegalArgumentException(
          "no hash for " + index + " in (" + snapshotIndex + ", " + lastIndex() + "]");
    }
    return chain[(int) index];
  }

  /** Whether entry {@code index} survives a power cut, with the hash {@code expected}. */
  boolean holdsDurably(long index, long expected) {
    if (index <= snapshotIndex) {
      return latest != null && latest.index() >= index;
    }
    return index <= durableIndex && chain[(int) index] == expected;
  }

  List<Entry> entries(long from, long toInclusive, long maxBytes) {
    checkRange(from);
    checkRange(toInclusive);
    List<Entry> out = new ArrayList<>();
    long bytes = 0;
    for (long i = from; i <= toInclusive; i++) {
      Entry e = entry(i);
      bytes += e.sizeInBytes();
      if (!out.isEmpty() && bytes > maxBytes) {
        break;
      }
      out.add(e);
    }
    return out;
  }

  void append(List<Entry> newEntries) {
    if (newEntries.isEmpty()) {
      return;
    }
    long first = newEntries.get(0).index();
    if (first <= snapshotIndex || first > lastIndex() + 1) {
      throw new IllegalArgumentException(
          "append at "
              + first
              + " leaves a gap: log is ("
              + snapshotIndex
              + ", "
              + lastIndex()
              + "]");
    }
    if (first <= lastIndex()) {
      truncateFrom(first); // durable at once
    }
    reach(Point.APPEND);
    for (Entry e : newEntries) {
      if (e.index() != lastIndex() + 1) {
        throw new IllegalArgumentException("entries not contiguous at " + e.index());
      }
      entries.add(e);
      int i = (int) e.index();
      if (i >= chain.length) {
        chain = Arrays.copyOf(chain, Math.max(chain.length * 2, i + 1));
      }
      chain[i] = mix(chain[i - 1], e);
    }
  }

  void sync() {
    reach(Point.SYNC);
    durableIndex = lastIndex();
  }

  void compact(long index, long term) {
    if (index <= snapshotIndex) {
      return;
    }
    if (index > lastIndex()) {
      reset(index, term);
      return;
    }
    entries.subList(0, (int) (index - snapshotIndex)).clear();
    snapshotIndex = index;
    snapshotTerm = term;
    durableIndex = Math.max(durableIndex, index);
  }

  /** SegmentedLogStore.reset: the suffix first (durable), then the point. */
  void reset(long index, long term) {
    if (index < lastIndex()) {
      truncateFrom(index + 1);
    }
    reach(Point.RESET);
    long pointHash = snapshotChainAt(index);
    entries.clear();
    snapshotIndex = index;
    snapshotTerm = term;
    durableIndex = index;
    if (index >= chain.length) {
      chain = Arrays.copyOf(chain, (int) index * 2 + 1);
    }
    chain[(int) index] = pointHash;
  }

  /** The hash at {@code index} as the latest snapshot vouches for it. */
  private long snapshotChainAt(long index) {
    if (latest == null || latest.index() != index) {
      throw new AssertionError(
          "the log is reset to " + index + " but the latest snapshot is " + latest);
    }
    return KvStateMachine.chainOf(latestData);
  }

  private void truncateFrom(long index) {
    while (lastIndex() >= index && !entries.isEmpty()) {
      entries.remove(entries.size() - 1);
    }
    durableIndex = Math.min(durableIndex, lastIndex());
  }

  private void checkRange(long index) {
    if (index <= snapshotIndex || index > lastIndex()) {
      throw new IllegalArgumentException(
          "index " + index + " is outside the log (" + snapshotIndex + ", " + lastIndex() + "]");
    }
  }

  static long mix(long previous, Entry e) {
    long h = previous * 0x9E3779B97F4A7C15L + e.index();
    h = (h ^ (h >>> 31)) * 0xBF58476D1CE4E5B9L + e.term();
    h = (h ^ (h >>> 29)) * 0x94D049BB133111EBL + e.type().ordinal();
    h = (h ^ (h >>> 32)) * 0xD6E8FEB86659FD93L + Arrays.hashCode(e.data());
    return h ^ (h >>> 31);
  }

  // ---------------------------------------------------------------------------------------------
  // The hard state.

  HardState hardState() {
    return hardState;
  }

  void saveHardState(HardState state) {
    reach(Point.HARD_STATE);
    hardState = state;
  }

  // ---------------------------------------------------------------------------------------------
  // Snapshots.

  SnapshotMeta latestSnapshot() {
    return latest;
  }

  byte[] latestSnapshotData() {
    return latestData.clone();
  }

  /** A snapshot the local state machine took: written, synced and renamed in place. */
  void saveSnapshot(SnapshotMeta meta, byte[] data) {
    if (latest != null && meta.index() <= latest.index()) {
      return;
    }
    latest = new SnapshotMeta(meta.index(), meta.term(), meta.configuration(), data.length);
    latestData = data.clone();
  }

  void beginReceive(SnapshotMeta meta) {
    receiving = meta;
    received = new byte[(int) Math.min(meta.size(), 1 << 16)];
    receivedLength = 0;
  }

  void writeChunk(SnapshotMeta meta, long offset, byte[] data) {
    if (receiving == null || !receiving.equals(meta) || offset != receivedLength) {
      throw new io.spindle.raft.StorageException(
          "chunk at " + offset + " does not continue the snapshot received");
    }
    if (receivedLength + data.length > received.length) {
      received =
          Arrays.copyOf(received, Math.max(received.length * 2, receivedLength + data.length));
    }
    System.arraycopy(data, 0, received, receivedLength, data.length);
    receivedLength += data.length;
  }

  void completeReceive(SnapshotMeta meta) {
    if (receiving == null || !receiving.equals(meta)) {
      throw new io.spindle.raft.StorageException("no snapshot " + meta.index() + " is received");
    }
    latest = new SnapshotMeta(meta.index(), meta.term(), meta.configuration(), receivedLength);
    latestData = Arrays.copyOf(received, receivedLength);
    receiving = null;
    reach(Point.SNAPSHOT_STORED);
  }

  byte[] read(SnapshotMeta meta, long offset, int maxBytes) {
    if (latest == null || latest.index() != meta.index() || latest.term() != meta.term()) {
      throw new io.spindle.raft.StorageException(
          "snapshot " + meta.index() + " is no longer available");
    }
    int from = (int) Math.min(offset, latestData.length);
    int to = (int) Math.min(latestData.length, from + (long) maxBytes);
    return Arrays.copyOfRange(latestData, from, to);
  }
}
