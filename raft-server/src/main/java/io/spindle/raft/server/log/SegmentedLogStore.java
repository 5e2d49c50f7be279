package io.spindle.raft.server.log;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.WRITE;

import io.spindle.raft.Entry;
import io.spindle.raft.LogStore;
import io.spindle.raft.StorageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.logging.Logger;
import java.util.zip.CRC32C;

/**
 * The Raft log on disk: a directory of append-only segment files of CRC-checked records ({@link
 * LogRecordFormat}), rolled at a configurable size, plus a {@code compaction-point} file.
 *
 * <p><b>Durability.</b> {@link #append} writes each batch with one write call and no fsync; {@link
 * #sync} makes everything appended since the last sync durable with one {@code fdatasync} (group
 * commit), plus a directory fsync if a segment was created. A full segment is fsync'd before the
 * next one is created, so only the last segment can ever hold unsynced, possibly torn, records;
 * recovery ({@link LogRecovery}) relies on that to tell a crash from corruption. Removing entries
 * (a conflicting append, {@link #reset}) is durable at once, so that old records can never reappear
 * behind new ones.
 *
 * <p><b>Where the {@link LogStore} contract leaves room</b>, this store does what {@code
 * MemoryLogStore} does: an append at or below the last index removes everything from its first
 * index on, even entries equal to the ones appended, so the caller must drop entries it already
 * holds (§5.3: truncate only on a conflict); a {@link #compact} beyond the last index is a {@link
 * #reset}; {@link #compact} trusts the term it is given.
 *
 * <p><b>Memory.</b> An index holds where each record starts and its term: 16 bytes per entry kept,
 * so {@link #term} needs no I/O and {@link #entries} does one positional read per run of records.
 *
 * <p><b>Threading:</b> not thread-safe; as {@link LogStore} says, only the Raft driver's thread
 * calls it. A lock file keeps a second store, in this process or another, off the directory.
 * <b>Errors:</b> I/O failures and corruption throw {@link StorageException}; calls that break the
 * {@link LogStore} contract (a gap, an index outside the log) throw {@link
 * IllegalArgumentException}.
 */
public final class SegmentedLogStore implements LogStore, AutoCloseable {
  public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;

  private static final Logger LOG = Logger.getLogger(SegmentedLogStore.class.getName());
  private static final String LOCK_FILE_NAME = "log.lock";
  private static final int READ_CHUNK_BYTES = 8 << 20;
  private static final long MIN_SEGMENT_BYTES = 4096;
  private static final long MAX_SEGMENT_BYTES = 1L << 30;

  /**
   * How much of the log's tail is kept in memory for followers and the state machine: enough for a
   * follower a few round trips behind and for the apply thread's backlog (16 MiB), little enough
   * that a node's heap does not hold a large file's chunks twice over while it stores them.
   */
  public static final long DEFAULT_TAIL_CACHE_BYTES = 16L << 20;

  /** What {@link Entry#sizeInBytes()} adds to the data length. */
  private static final long ENTRY_OVERHEAD = Entry.noop(1, 1).sizeInBytes();

  private final Path dir;
  private final long segmentBytes;
  private final FileChannel lockChannel;
  private final ArrayList<Segment> segments;
  private final RecordBatch batch = new RecordBatch();
  private final TailCache tail;
  private final CRC32C readCrc = new CRC32C();
  private ByteBuffer readBuffer = ByteBuffer.allocateDirect(1 << 20);
  private CompactionPoint compactionPoint;
  private boolean lastSegmentUnsynced;
  private boolean directoryUnsynced;
  private final int recoveryFsyncs;
  private final FsyncObserver fsyncObserver;

  private SegmentedLogStore(
      Path dir,
      long segmentBytes,
      long tailCacheBytes,
      FileChannel lockChannel,
      LogRecovery.Recovered recovered,
      FsyncObserver fsyncObserver) {
    this.dir = dir;
    this.fsyncObserver = fsyncObserver;
    this.tail = new TailCache(tailCacheBytes);
    this.segmentBytes = segmentBytes;
    this.lockChannel = lockChannel;
    this.compactionPoint = recovered.compactionPoint();
    this.segments = new ArrayList<>(recovered.segments());
    this.recoveryFsyncs = recovered.fsyncs();
  }

  /** The fsyncs recovery made at open, before the store was handed out. */
  int recoveryFsyncs() {
    return recoveryFsyncs;
  }

  /** Opens (creating if needed) the log in {@code dir}, with segments of the default size. */
  public static SegmentedLogStore open(Path dir) {
    return open(dir, DEFAULT_SEGMENT_BYTES);
  }

  /**
   * Opens (creating if needed) the log in {@code dir} and recovers it: a torn tail left by a crash
   * is truncated with a warning; corruption a crash cannot explain throws.
   *
   * @param segmentBytes the size at which a segment is rolled; a single larger record still gets a
   *     segment of its own
   * @throws StorageException if the log cannot be read, is corrupt, or is open elsewhere
   */
  public static SegmentedLogStore open(Path dir, long segmentBytes) {
    return open(dir, segmentBytes, DEFAULT_TAIL_CACHE_BYTES);
  }

  /**
   * Opens the log in {@code dir}, keeping up to {@code tailCacheBytes} of its newest entries in
   * memory (0: every read goes to the files).
   */
  public static SegmentedLogStore open(Path dir, long segmentBytes, long tailCacheBytes) {
    return open(dir, segmentBytes, tailCacheBytes, FsyncObserver.NONE);
  }

  /**
   * Opens the log in {@code dir} as {@link #open(Path, long, long)} does, telling {@code
   * fsyncObserver} how long each of its fsyncs takes from then on.
   */
  public static SegmentedLogStore open(
      Path dir, long segmentBytes, long tailCacheBytes, FsyncObserver fsyncObserver) {
    Objects.requireNonNull(fsyncObserver, "fsyncObserver");
    if (segmentBytes < MIN_SEGMENT_BYTES || segmentBytes > MAX_SEGMENT_BYTES) {
      throw new IllegalArgumentException(
          "segment size "
              + segmentBytes
              + " is outside ["
              + MIN_SEGMENT_BYTES
              + ", "
              + MAX_SEGMENT_BYTES
              + "] bytes");
    }
    DurableFiles.createDirectories(dir);
    FileChannel lockChannel = lock(dir);
    try {
      SegmentedLogStore store =
          new SegmentedLogStore(
              dir,
              segmentBytes,
              tailCacheBytes,
              lockChannel,
              LogRecovery.recover(dir),
              fsyncObserver);
      LOG.info(() -> "Opened " + store);
      return store;
    } catch (RuntimeException e) {
      closeAfterFailure(lockChannel, e);
      throw e;
    }
  }

  @Override
  public long snapshotIndex() {
    return compactionPoint.index();
  }

  @Override
  public long snapshotTerm() {
    return compactionPoint.term();
  }

  @Override
  public long lastIndex() {
    return segments.isEmpty() ? snapshotIndex() : lastSegment().lastIndex();
  }

  @Override
  public long term(long index) {
    if (index == snapshotIndex()) {
      return snapshotTerm();
    }
    checkInLog(index);
    return segmentFor(index).term(index);
  }

  @Override
  public List<Entry> entries(long from, long toInclusive, long maxBytes) {
    checkInLog(from);
    checkInLog(toInclusive);
    if (from > toInclusive) {
      throw new IllegalArgumentException("empty range " + from + ".." + toInclusive);
    }
    List<Entry> cached = tail.get(from, toInclusive, maxBytes);
    if (cached != null) {
      return cached;
    }
    long last = lastWithinBudget(from, toInclusive, maxBytes);
    List<Entry> entries = new ArrayList<>((int) (last - from + 1));
    try {
      long index = from;
      while (index <= last) {
        Segment segment = segmentFor(index);
        index = readRun(segment, index, Math.min(last, segment.lastIndex()), entries);
      }
    } catch (IOException e) {
      throw DurableFiles.failure("cannot read log entries " + from + ".." + last + " in " + dir, e);
    }
    return entries;
  }

  @Override
  public void append(List<Entry> entries) {
    if (entries.isEmpty()) {
      return;
    }
    checkAppendable(entries);
    long first = entries.get(0).index();
    try {
      if (first <= lastIndex()) {
        tail.truncateFrom(first);
        removeFrom(first);
      }
      Segment segment = segments.isEmpty() ? createSegment(first) : lastSegment();
      for (Entry entry : entries) {
        int recordLength = LogRecordFormat.recordLength(entry);
        if (mustRoll(segment, recordLength)) {
          write(segment);
          segment = roll(entry.index());
        }
        if (!batch.hasRoomFor(recordLength)) {
          write(segment);
          batch.makeRoomFor(recordLength);
        }
        batch.add(entry);
      }
      write(segment);
      tail.appended(entries);
    } catch (IOException e) {
      tail.clear();
      throw DurableFiles.failure("cannot append to the log in " + dir, e);
    } finally {
      batch.clear();
    }
  }

  @Override
  public void sync() {
    boolean forcesData = lastSegmentUnsynced && !segments.isEmpty();
    if (!forcesData && !directoryUnsynced) {
      lastSegmentUnsynced = false;
      return;
    }
    long started = System.nanoTime();
    try {
      if (forcesData) {
        lastSegment().force();
      }
      lastSegmentUnsynced = false;
    } catch (IOException e) {
      throw DurableFiles.failure("cannot fsync the log in " + dir, e);
    }
    if (directoryUnsynced) {
      DurableFiles.forceDirectory(dir);
      directoryUnsynced = false;
    }
    fsyncObserver.fsynced(System.nanoTime() - started);
  }

  @Override
  public void compact(long index, long term) {
    if (index <= snapshotIndex()) {
      return;
    }
    if (index > lastIndex()) {
      reset(index, term);
      return;
    }
    tail.compactTo(index);
    // The point first: recovery deletes whatever segments below it survive a crash.
    storeCompactionPoint(new CompactionPoint(index, term));
    while (!segments.isEmpty() && segments.get(0).lastIndex() <= index) {
      segments.remove(0).delete();
    }
  }

  @Override
  public void reset(long index, long term) {
    // Remove what lies above the new point durably before storing it, so that no crash can leave
    // old entries that seem to continue the snapshot. What remains lies at or below the point and
    // is garbage once it is stored.
    tail.clear();
    try {
      removeFrom(index + 1);
    } catch (IOException e) {
      throw DurableFiles.failure("cannot reset the log in " + dir, e);
    }
    storeCompactionPoint(new CompactionPoint(index, term));
    while (!segments.isEmpty()) {
      segments.remove(0).delete();
    }
  }

  /**
   * Closes the segment files and releases the directory; appended entries not synced may be lost.
   */
  @Override
  public void close() {
    StorageException failure = null;
    for (Segment segment : segments) {
      try {
        segment.close();
      } catch (IOException e) {
        failure = addFailure(failure, DurableFiles.failure("cannot close " + segment.file(), e));
      }
    }
    segments.clear();
    try {
      lockChannel.close();
    } catch (IOException e) {
      failure = addFailure(failure, DurableFiles.failure("cannot unlock " + dir, e));
    }
    if (failure != null) {
      throw failure;
    }
  }

  private static StorageException addFailure(StorageException first, StorageException next) {
    if (first == null) {
      return next;
    }
    first.addSuppressed(next);
    return first;
  }

  @Override
  public String toString() {
    return "SegmentedLogStore["
        + dir
        + ", ("
        + snapshotIndex()
        + ", "
        + lastIndex()
        + "], "
        + segments.size()
        + " segments]";
  }

  private static FileChannel lock(Path dir) {
    Path lockFile = dir.resolve(LOCK_FILE_NAME);
    FileChannel channel;
    try {
      channel = FileChannel.open(lockFile, CREATE, WRITE);
    } catch (IOException e) {
      throw DurableFiles.failure("cannot open " + lockFile, e);
    }
    RuntimeException failure;
    try {
      if (channel.tryLock() != null) {
        return channel;
      }
      failure = alreadyOpen(dir);
    } catch (OverlappingFileLockException e) {
      failure = alreadyOpen(dir);
    } catch (IOException e) {
      failure = DurableFiles.failure("cannot lock " + lockFile, e);
    }
    closeAfterFailure(channel, failure);
    throw failure;
  }

  private static StorageException alreadyOpen(Path dir) {
    return new StorageException(
        "the log in "
            + dir
            + " is already open, in this process or another; two stores on one log would corrupt"
            + " it. Stop the other node or give this one its own data directory.");
  }

  private static void closeAfterFailure(FileChannel channel, RuntimeException failure) {
    try {
      channel.close();
    } catch (IOException e) {
      failure.addSuppressed(e);
    }
  }

  private void checkAppendable(List<Entry> entries) {
    long first = entries.get(0).index();
    if (first <= snapshotIndex() || first > lastIndex() + 1) {
      throw new IllegalArgumentException(
          "append at "
              + first
              + " leaves a gap or rewrites compacted entries: the log is ("
              + snapshotIndex()
              + ", "
              + lastIndex()
              + "]");
    }
    long expected = first;
    for (Entry entry : entries) {
      if (entry.index() != expected) {
        throw new IllegalArgumentException(
            "entries are not contiguous: " + entry.index() + " where " + expected + " belongs");
      }
      if (entry.data().length > LogRecordFormat.MAX_DATA_BYTES) {
        throw new IllegalArgumentException(
            "entry " + entry.index() + " holds " + entry.data().length + " bytes, over the limit");
      }
      expected++;
    }
  }

  private boolean mustRoll(Segment segment, int recordLength) {
    long bytesInSegment = segment.size() + batch.size();
    return bytesInSegment > 0 && bytesInSegment + recordLength > segmentBytes;
  }

  /** Writes the batch to the segment in one call, without fsync. */
  private void write(Segment segment) throws IOException {
    if (batch.isEmpty()) {
      return;
    }
    segment.append(batch);
    batch.clear();
    lastSegmentUnsynced = true;
  }

  /**
   * Closes the last segment for writing and starts a new one. The full segment is fsync'd first,
   * and the directory if it still owes a creation, so that a crash can only ever tear the last
   * segment and never lose a segment while a later one survives.
   */
  private Segment roll(long firstIndex) throws IOException {
    long started = System.nanoTime();
    lastSegment().force();
    lastSegmentUnsynced = false;
    if (directoryUnsynced) {
      DurableFiles.forceDirectory(dir);
      directoryUnsynced = false;
    }
    fsyncObserver.fsynced(System.nanoTime() - started);
    return createSegment(firstIndex);
  }

  private Segment createSegment(long firstIndex) {
    Segment segment = Segment.create(dir, firstIndex);
    segments.add(segment);
    directoryUnsynced = true;
    return segment;
  }

  /**
   * Removes the entries from {@code index} on, durably. Later segments go first, newest first, each
   * deletion made durable before the next: a crash then leaves a prefix of the log, never a gap.
   */
  private void removeFrom(long index) throws IOException {
    while (!segments.isEmpty() && lastSegment().firstIndex() >= index) {
      segments.remove(segments.size() - 1).delete();
      DurableFiles.forceDirectory(dir);
    }
    if (!segments.isEmpty() && lastSegment().lastIndex() >= index) {
      lastSegment().truncateFrom(index);
    }
  }

  private void storeCompactionPoint(CompactionPoint point) {
    point.store(dir);
    compactionPoint = point;
  }

  /**
   * The last index from {@code from} whose entries fit in {@code maxBytes} (counted as {@link
   * Entry#sizeInBytes()}), but at least {@code from}.
   */
  private long lastWithinBudget(long from, long toInclusive, long maxBytes) {
    long bytes = 0;
    long index = from;
    while (index <= toInclusive) {
      Segment segment = segmentFor(index);
      long segmentEnd = Math.min(toInclusive, segment.lastIndex());
      for (; index <= segmentEnd; index++) {
        bytes += LogRecordFormat.dataLength(segment.recordLength(index)) + ENTRY_OVERHEAD;
        if (index > from && bytes > maxBytes) {
          return index - 1;
        }
      }
    }
    return toInclusive;
  }

  /**
   * Reads entries {@code from..to} of one segment into {@code out}, one positional read per chunk
   * of up to {@link #READ_CHUNK_BYTES} (or one record, if larger), and returns the next index.
   */
  private long readRun(Segment segment, long from, long to, List<Entry> out) throws IOException {
    long index = from;
    while (index <= to) {
      long start = segment.position(index);
      long chunkLast = index;
      while (chunkLast < to && segment.end(chunkLast + 1) - start <= READ_CHUNK_BYTES) {
        chunkLast++;
      }
      ByteBuffer chunk = readBuffer((int) (segment.end(chunkLast) - start));
      segment.read(chunk, start);
      for (; index <= chunkLast; index++) {
        long position = segment.position(index);
        int length = (int) segment.recordLength(index);
        out.add(
            LogRecordFormat.decode(
                chunk, (int) (position - start), length, index, readCrc, segment.file(), position));
      }
    }
    return index;
  }

  /** A buffer for a chunk; the reused one grows up to a chunk, a larger record gets its own. */
  private ByteBuffer readBuffer(int length) {
    if (length > READ_CHUNK_BYTES) {
      return ByteBuffer.allocate(length);
    }
    if (readBuffer.capacity() < length) {
      int grown = Math.min(READ_CHUNK_BYTES, Math.max(length, readBuffer.capacity() * 2));
      readBuffer = ByteBuffer.allocateDirect(grown);
    }
    readBuffer.clear().limit(length);
    return readBuffer;
  }

  private Segment lastSegment() {
    return segments.get(segments.size() - 1);
  }

  /** The segment holding {@code index}, which the caller has checked is in the log. */
  private Segment segmentFor(long index) {
    Segment last = lastSegment();
    if (index >= last.firstIndex()) {
      return last;
    }
    int low = 0;
    int high = segments.size() - 2;
    while (low < high) {
      int middle = (low + high + 1) >>> 1;
      if (segments.get(middle).firstIndex() <= index) {
        low = middle;
      } else {
        high = middle - 1;
      }
    }
    return segments.get(low);
  }

  private void checkInLog(long index) {
    if (index <= snapshotIndex() || index > lastIndex()) {
      throw new IllegalArgumentException(
          "index " + index + " is outside the log (" + snapshotIndex() + ", " + lastIndex() + "]");
    }
  }
}
