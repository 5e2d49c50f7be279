package io.spindle.raft.server.log;

import static io.spindle.raft.server.log.LogFiles.copy;
import static io.spindle.raft.server.log.LogFiles.deleteDirectory;
import static io.spindle.raft.server.log.LogFiles.entries;
import static io.spindle.raft.server.log.LogFiles.entry;
import static io.spindle.raft.server.log.LogFiles.lastSegment;
import static io.spindle.raft.server.log.LogFiles.recordBoundaries;
import static io.spindle.raft.server.log.LogFiles.segments;
import static io.spindle.raft.server.log.SegmentedLogStoreTest.assertHolds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.raft.Entry;
import io.spindle.raft.StorageException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the log recovers after a crash. The files are damaged the ways a crash can (cut short
 * anywhere, zero-filled, garbage after the last record) and the ways only a failing disk can
 * (damage with valid records after it), and every case is reopened.
 */
class SegmentedLogRecoveryTest {
  private static final long SEGMENT_BYTES = 4096;
  private static final int RECORDS = 260;

  /** Held, so that the level set on it is not lost to garbage collection. */
  private static final Logger RECOVERY_LOG = Logger.getLogger(LogRecovery.class.getName());

  @TempDir Path temp;
  private Path original;
  private List<Entry> written;

  /** Thousands of torn tails are recovered here; their warnings would drown the build output. */
  @BeforeEach
  void quietRecoveryWarnings() {
    RECOVERY_LOG.setLevel(Level.SEVERE);
  }

  @AfterEach
  void restoreRecoveryWarnings() {
    RECOVERY_LOG.setLevel(null);
  }

  /** A synced log over several segments, the last holding at least three records. */
  @BeforeEach
  void writeLog() {
    original = temp.resolve("original");
    written = entries(1, RECORDS, 1, new Random(42), 30);
    try (SegmentedLogStore log = SegmentedLogStore.open(original, SEGMENT_BYTES)) {
      log.append(written);
      log.sync();
    }
    assertTrue(segments(original).size() >= 3, "segments: " + segments(original));
    int recordsInLast = recordBoundaries(lastSegment(original)).size() - 1;
    assertTrue(recordsInLast >= 3, recordsInLast + " records in the last segment");
  }

  @Test
  void aCutAtEveryByteOfTheLastThreeRecordsKeepsExactlyTheCompleteRecords() {
    List<Long> boundaries = recordBoundaries(lastSegment(original));
    int recordsInLast = boundaries.size() - 1;
    long firstInLast = RECORDS - recordsInLast + 1;
    long end = boundaries.get(recordsInLast);
    for (long cut = boundaries.get(recordsInLast - 3); cut <= end; cut++) {
      Path crashed = copy(original, temp.resolve("cut-" + cut));
      LogFiles.truncate(lastSegment(crashed), cut);
      long complete = completeRecordsBefore(boundaries, cut);
      long lastIndex = firstInLast - 1 + complete;
      try (SegmentedLogStore log = SegmentedLogStore.open(crashed, SEGMENT_BYTES)) {
        assertHolds(log, 0, 0, written.subList(0, (int) lastIndex));
        log.append(List.of(entry(lastIndex + 1, 2, 30)));
        log.sync();
      }
      try (SegmentedLogStore log = SegmentedLogStore.open(crashed, SEGMENT_BYTES)) {
        assertEquals(lastIndex + 1, log.lastIndex(), "cut at " + cut);
        assertEquals(
            List.of(entry(lastIndex + 1, 2, 30)), log.entries(lastIndex + 1, lastIndex + 1, 0));
      }
      deleteDirectory(crashed);
    }
  }

  /**
   * Each of the last three records in turn is made the end of the file by a cut after it (the last
   * one needs no cut); a bit flipped anywhere in it makes it a torn tail, so exactly the records
   * before it are kept and the log takes appends again.
   */
  @Test
  void aFlippedBitInTheRecordAtTheEndOfTheFileTruncatesIt() {
    List<Long> boundaries = recordBoundaries(lastSegment(original));
    int recordsInLast = boundaries.size() - 1;
    for (int record = recordsInLast - 3; record < recordsInLast; record++) {
      long start = boundaries.get(record);
      long end = boundaries.get(record + 1);
      int kept = RECORDS - recordsInLast + record;
      forEveryBitOf(
          start,
          end,
          end,
          (crashed, offset) -> {
            try (SegmentedLogStore log = SegmentedLogStore.open(crashed, SEGMENT_BYTES)) {
              assertHolds(log, 0, 0, written.subList(0, kept));
              assertEquals(start, LogFiles.size(lastSegment(crashed)), "truncated at the record");
              log.append(List.of(entry(kept + 1, 2, 5)));
            }
          });
    }
  }

  @Test
  void aFlippedBitInARecordThatValidRecordsFollowFailsTheOpen() {
    Path segment = lastSegment(original);
    List<Long> boundaries = recordBoundaries(segment);
    int recordsInLast = boundaries.size() - 1;
    for (int record = recordsInLast - 3; record < recordsInLast - 1; record++) {
      long start = boundaries.get(record);
      forEveryBitOf(
          start,
          boundaries.get(record + 1),
          (crashed, offset) -> {
            StorageException e =
                assertThrows(
                    StorageException.class,
                    () -> SegmentedLogStore.open(crashed, SEGMENT_BYTES),
                    "bit flipped at " + offset);
            assertTrue(e.getMessage().contains(segment.getFileName().toString()), e.getMessage());
            assertTrue(e.getMessage().contains("offset " + start), e.getMessage());
            assertTrue(e.getMessage().contains("a valid record for index"), e.getMessage());
          });
    }
  }

  @Test
  void damageInASegmentThatIsNotTheLastFailsTheOpen() {
    Path crashed = copy(original, temp.resolve("crashed"));
    Path first = segments(crashed).get(0);
    List<Long> boundaries = recordBoundaries(first);
    long lastRecord = boundaries.get(boundaries.size() - 2);
    LogFiles.flipBit(first, lastRecord + 12, 3);
    StorageException e =
        assertThrows(StorageException.class, () -> SegmentedLogStore.open(crashed, SEGMENT_BYTES));
    assertTrue(e.getMessage().contains(first.getFileName().toString()), e.getMessage());
    assertTrue(e.getMessage().contains("offset " + lastRecord), e.getMessage());
    assertTrue(e.getMessage().contains("not the last segment"), e.getMessage());
  }

  @Test
  void aTruncatedSegmentThatIsNotTheLastFailsTheOpen() {
    Path crashed = copy(original, temp.resolve("crashed"));
    Path first = segments(crashed).get(0);
    LogFiles.truncate(first, LogFiles.size(first) - 3);
    assertThrows(StorageException.class, () -> SegmentedLogStore.open(crashed, SEGMENT_BYTES));
  }

  @Test
  void aMissingSegmentFailsTheOpen() throws Exception {
    Path crashed = copy(original, temp.resolve("crashed"));
    Files.delete(segments(crashed).get(1));
    StorageException e =
        assertThrows(StorageException.class, () -> SegmentedLogStore.open(crashed, SEGMENT_BYTES));
    assertTrue(e.getMessage().contains("are missing"), e.getMessage());
  }

  @Test
  void aMissingFirstSegmentFailsTheOpen() throws Exception {
    Path crashed = copy(original, temp.resolve("crashed"));
    Files.delete(segments(crashed).get(0));
    StorageException e =
        assertThrows(StorageException.class, () -> SegmentedLogStore.open(crashed, SEGMENT_BYTES));
    assertTrue(e.getMessage().contains("entries 1 to"), e.getMessage());
  }

  @Test
  void aZeroFilledTailIsTruncatedWithAWarning() {
    Path crashed = copy(original, temp.resolve("crashed"));
    Path last = lastSegment(crashed);
    long size = LogFiles.size(last);
    LogFiles.appendBytes(last, new byte[64 << 10]);
    List<LogRecord> warnings =
        captureWarnings(
            () -> {
              try (SegmentedLogStore log = SegmentedLogStore.open(crashed, SEGMENT_BYTES)) {
                assertHolds(log, 0, 0, written);
              }
            });
    assertEquals(size, LogFiles.size(last));
    assertEquals(1, warnings.size());
    String message = warnings.get(0).getMessage();
    assertTrue(message.contains(last.toString()) && message.contains("offset " + size), message);
    assertTrue(message.contains("zero bytes"), message);
  }

  @Test
  void aZeroFilledTailAfterAHalfWrittenRecordIsTruncated() {
    Path crashed = copy(original, temp.resolve("crashed"));
    Path last = lastSegment(crashed);
    List<Long> boundaries = recordBoundaries(last);
    long lastStart = boundaries.get(boundaries.size() - 2);
    LogFiles.truncate(last, lastStart + 20);
    LogFiles.appendBytes(last, new byte[8192]);
    try (SegmentedLogStore log = SegmentedLogStore.open(crashed, SEGMENT_BYTES)) {
      assertHolds(log, 0, 0, written.subList(0, RECORDS - 1));
    }
  }

  @Test
  void aGarbageTailWithNoValidRecordIsTruncated() {
    Path crashed = copy(original, temp.resolve("crashed"));
    byte[] garbage = new byte[100_000];
    new Random(5).nextBytes(garbage);
    LogFiles.appendBytes(lastSegment(crashed), garbage);
    try (SegmentedLogStore log = SegmentedLogStore.open(crashed, SEGMENT_BYTES)) {
      assertHolds(log, 0, 0, written);
    }
  }

  @Test
  void anEmptyLastSegmentIsKept() {
    Path crashed = copy(original, temp.resolve("crashed"));
    LogFiles.truncate(lastSegment(crashed), 0);
    long firstInLast = Segment.firstIndexOf(lastSegment(crashed));
    try (SegmentedLogStore log = SegmentedLogStore.open(crashed, SEGMENT_BYTES)) {
      assertHolds(log, 0, 0, written.subList(0, (int) firstInLast - 1));
      log.append(List.of(entry(firstInLast, 3, 10)));
    }
  }

  /** A crash after the compaction point is stored but before the segments below it are deleted. */
  @Test
  void segmentsBelowTheCompactionPointThatSurviveACrashAreDeleted() throws Exception {
    Path crashed = copy(original, temp.resolve("crashed"));
    List<Path> before = segments(crashed);
    int point = (int) Segment.firstIndexOf(lastSegment(crashed)) + 1;
    try (SegmentedLogStore log = SegmentedLogStore.open(crashed, SEGMENT_BYTES)) {
      log.compact(point, 1);
    }
    assertEquals(List.of(lastSegment(crashed)), segments(crashed));
    for (Path segment : before) {
      if (!Files.exists(segment)) {
        Files.copy(original.resolve(segment.getFileName()), segment);
      }
    }
    try (SegmentedLogStore log = SegmentedLogStore.open(crashed, SEGMENT_BYTES)) {
      assertHolds(log, point, 1, written.subList(point, RECORDS));
    }
    assertEquals(List.of(lastSegment(crashed)), segments(crashed));
  }

  /** A crash in a reset after the new point is stored: what is left lies at or below it. */
  @Test
  void aResetInterruptedAfterStoringThePointLeavesAnEmptyLog() throws Exception {
    Path crashed = temp.resolve("crashed");
    List<Entry> prefix = written.subList(0, 50);
    try (SegmentedLogStore log = SegmentedLogStore.open(crashed, SEGMENT_BYTES)) {
      log.append(prefix);
      log.sync();
    }
    Path leftOver = copy(crashed, temp.resolve("left-over"));
    try (SegmentedLogStore log = SegmentedLogStore.open(crashed, SEGMENT_BYTES)) {
      log.reset(70, 5);
    }
    for (Path segment : segments(leftOver)) {
      Files.copy(segment, crashed.resolve(segment.getFileName()));
    }
    try (SegmentedLogStore log = SegmentedLogStore.open(crashed, SEGMENT_BYTES)) {
      assertHolds(log, 70, 5, List.of());
      log.append(List.of(entry(71, 5, 10)));
    }
  }

  /**
   * Appends are not synced, yet whenever an append returns the files hold whole records only: a
   * crash right then loses nothing the store was given.
   */
  @Test
  void afterEveryAppendTheFilesHoldOnlyWholeRecords() {
    Path dir = temp.resolve("unsynced");
    Random random = new Random(9);
    List<Entry> appended = new ArrayList<>();
    try (SegmentedLogStore log = SegmentedLogStore.open(dir, SEGMENT_BYTES)) {
      for (int batch = 0; batch < 40; batch++) {
        long first = appended.size() + 1;
        List<Entry> entries = entries(first, first + random.nextInt(5), 1, random, 2000);
        log.append(entries);
        appended.addAll(entries);
        Path crashed = copy(dir, temp.resolve("crash-" + batch));
        try (SegmentedLogStore recovered = SegmentedLogStore.open(crashed, SEGMENT_BYTES)) {
          assertHolds(recovered, 0, 0, appended);
        }
        deleteDirectory(crashed);
      }
    }
  }

  /**
   * Files copied while another thread appends, without sync, catch writes half done: whatever such
   * a copy holds, recovery yields a prefix of what was appended, never part of a record.
   */
  @Test
  void aCopyTakenWhileAppendingRecoversAPrefixOfWholeRecords() throws Exception {
    Path dir = temp.resolve("busy");
    AtomicLong appendedUpTo = new AtomicLong();
    AtomicReference<Throwable> writerFailure = new AtomicReference<>();
    Thread writer =
        new Thread(
            () -> {
              Random random = new Random(11);
              try (SegmentedLogStore log = SegmentedLogStore.open(dir, 1 << 20)) {
                for (long next = 1; next <= 400; ) {
                  long last = next + random.nextInt(3);
                  log.append(entries(next, last, 1, random, 200_000));
                  appendedUpTo.set(last);
                  next = last + 1;
                }
              } catch (Throwable t) {
                writerFailure.set(t);
              }
            });
    Files.createDirectories(dir);
    writer.start();
    int copies = 0;
    long maxRecovered = 0;
    while (writer.isAlive() || copies == 0) {
      Path crashed = copy(dir, temp.resolve("copy-" + copies++));
      long appendedAfterCopy = appendedUpTo.get() + 3;
      try (SegmentedLogStore log = SegmentedLogStore.open(crashed, 1 << 20)) {
        assertTrue(log.lastIndex() <= appendedAfterCopy);
        for (long i = 1; i <= log.lastIndex(); i++) {
          Entry entry = log.entries(i, i, 0).get(0);
          assertEquals(entry(i, 1, entry.data().length), entry, "entry " + i);
        }
        maxRecovered = Math.max(maxRecovered, log.lastIndex());
      }
      deleteDirectory(crashed);
    }
    writer.join();
    if (writerFailure.get() != null) {
      throw new AssertionError("the writer failed", writerFailure.get());
    }
    assertTrue(copies > 1, "took " + copies + " copies, recovered up to " + maxRecovered);
  }

  private interface CrashCheck {
    void check(Path crashed, long offset) throws Exception;
  }

  private void forEveryBitOf(long from, long to, CrashCheck check) {
    forEveryBitOf(from, to, LogFiles.size(lastSegment(original)), check);
  }

  // §5.1: nothing is acknowledged before it is durable. A process killed between append and sync
  // leaves whole records in the page cache; they read back intact, yet a power cut would still lose
  // them. Recovery makes them durable (the last segment and the directory) before the store is
  // handed to the core, which counts everything it finds in an opened log as stored.
  @Test
  void recoveryFsyncsTheLastSegmentAndTheDirectoryBeforeTheLogIsHandedOut() {
    Path killed = temp.resolve("killed");
    List<Entry> unsynced = entries(1, 5, 1, new Random(7), 30);
    SegmentedLogStore before = SegmentedLogStore.open(killed, SEGMENT_BYTES);
    before.append(unsynced); // never synced: the process is killed here
    before.close();

    try (SegmentedLogStore after = SegmentedLogStore.open(killed, SEGMENT_BYTES)) {
      assertHolds(after, 0, 0, unsynced);
      assertEquals(2, after.recoveryFsyncs(), "the last segment and the directory");
    }
  }

  /** Flips each bit of bytes {@code [from, to)} of the last segment cut at {@code length}. */
  private void forEveryBitOf(long from, long to, long length, CrashCheck check) {
    for (long offset = from; offset < to; offset++) {
      for (int bit = 0; bit < 8; bit++) {
        Path crashed = copy(original, temp.resolve("flip-" + offset + "-" + bit));
        Path segment = lastSegment(crashed);
        LogFiles.truncate(segment, length);
        LogFiles.flipBit(segment, offset, bit);
        try {
          check.check(crashed, offset);
        } catch (Exception e) {
          throw new AssertionError("bit " + bit + " at offset " + offset, e);
        } catch (AssertionError e) {
          throw new AssertionError(
              "bit " + bit + " at offset " + offset + ": " + e.getMessage(), e);
        }
        deleteDirectory(crashed);
      }
    }
  }

  private static long completeRecordsBefore(List<Long> boundaries, long cut) {
    long complete = 0;
    for (int i = 1; i < boundaries.size(); i++) {
      if (boundaries.get(i) <= cut) {
        complete = i;
      }
    }
    return complete;
  }

  private static List<LogRecord> captureWarnings(Runnable action) {
    List<LogRecord> warnings = new ArrayList<>();
    Handler handler =
        new Handler() {
          @Override
          public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
              warnings.add(record);
            }
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    RECOVERY_LOG.setLevel(Level.WARNING);
    RECOVERY_LOG.addHandler(handler);
    try {
      action.run();
    } finally {
      RECOVERY_LOG.removeHandler(handler);
      RECOVERY_LOG.setLevel(Level.SEVERE);
    }
    return warnings;
  }
}
