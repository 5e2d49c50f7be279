package io.spindle.raft.server.log;

import static io.spindle.raft.server.log.LogFiles.entries;
import static io.spindle.raft.server.log.LogFiles.entry;
import static io.spindle.raft.server.log.LogFiles.segments;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.raft.Configuration;
import io.spindle.raft.Entry;
import io.spindle.raft.LogStore;
import io.spindle.raft.Member;
import io.spindle.raft.MemoryLogStore;
import io.spindle.raft.NodeId;
import io.spindle.raft.StorageException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The {@link LogStore} contract on disk: round trips, rolls, truncation, compaction, reopen. */
class SegmentedLogStoreTest {
  private static final long SMALL_SEGMENT = 4096;

  @TempDir Path dir;

  @Test
  void appendsReadsAndTermsAcrossSegmentRolls() {
    Random random = new Random(1);
    List<Entry> written = new ArrayList<>();
    try (SegmentedLogStore log = SegmentedLogStore.open(dir, SMALL_SEGMENT)) {
      long next = 1;
      for (int batch = 0; batch < 60; batch++) {
        long last = next + random.nextInt(8);
        List<Entry> entries = entries(next, last, 1 + batch / 10, random, 300);
        log.append(entries);
        written.addAll(entries);
        next = last + 1;
      }
      log.sync();
      assertHolds(log, 0, 0, written);
    }
    assertTrue(segments(dir).size() > 10, "rolled into " + segments(dir).size() + " segments");
    try (SegmentedLogStore reopened = SegmentedLogStore.open(dir, SMALL_SEGMENT)) {
      assertHolds(reopened, 0, 0, written);
    }
  }

  // The observer sees the fsyncs that happen: one per group commit with something to make durable,
  // one per full segment rolled, none for a sync with nothing new.
  @Test
  void tellsTheFsyncObserverAboutEachFsyncItMakes() {
    List<Long> observed = new ArrayList<>();
    try (SegmentedLogStore log = SegmentedLogStore.open(dir, SMALL_SEGMENT, 0, observed::add)) {
      log.append(List.of(entry(1, 1, 100)));
      log.sync();
      assertEquals(1, observed.size(), "one group commit: " + observed);
      log.sync();
      assertEquals(1, observed.size(), "a sync with nothing new does no fsync: " + observed);

      log.append(List.of(entry(2, 1, 3000)));
      log.append(List.of(entry(3, 1, 3000)));
      assertEquals(2, observed.size(), "the full segment is fsync'd before the next: " + observed);
      log.sync();
      assertEquals(3, observed.size(), observed.toString());
    }
    assertTrue(observed.stream().allMatch(nanos -> nanos >= 0), observed.toString());
  }

  @Test
  void keepsEveryEntryTypeAndEmptyData() {
    Configuration configuration = Configuration.ofVoters(new Member(NodeId.of("n1"), "host1:7000"));
    List<Entry> written =
        List.of(
            Entry.noop(1, 1),
            Entry.config(2, 1, configuration),
            Entry.command(3, 2, new byte[0]),
            entry(4, 2, 10));
    try (SegmentedLogStore log = SegmentedLogStore.open(dir)) {
      log.append(written);
      log.sync();
    }
    try (SegmentedLogStore log = SegmentedLogStore.open(dir)) {
      assertEquals(written, log.entries(1, 4, Long.MAX_VALUE));
      assertEquals(configuration, log.entries(2, 2, 0).get(0).configuration());
    }
  }

  @Test
  void givesAnEntryLargerThanASegmentASegmentOfItsOwn() {
    List<Entry> written = List.of(entry(1, 1, 100), entry(2, 1, 10_000), entry(3, 1, 100));
    try (SegmentedLogStore log = SegmentedLogStore.open(dir, SMALL_SEGMENT)) {
      log.append(written);
      log.sync();
      assertEquals(written, log.entries(1, 3, Long.MAX_VALUE));
    }
    assertEquals(3, segments(dir).size());
    try (SegmentedLogStore log = SegmentedLogStore.open(dir, SMALL_SEGMENT)) {
      assertEquals(written, log.entries(1, 3, Long.MAX_VALUE));
    }
  }

  @Test
  void readsEntriesLargerThanAReadChunk() {
    List<Entry> written = new ArrayList<>();
    for (long i = 1; i <= 7; i++) {
      written.add(entry(i, 1, 3 << 20));
    }
    try (SegmentedLogStore log = SegmentedLogStore.open(dir)) {
      log.append(written);
      assertEquals(written, log.entries(1, 7, Long.MAX_VALUE));
    }
  }

  @Test
  void conflictingAppendTruncatesTheSuffixInsideASegment() {
    try (SegmentedLogStore log = SegmentedLogStore.open(dir)) {
      log.append(entries(1, 10, 1, new Random(2), 50));
      List<Entry> replacement = entries(6, 8, 2, new Random(3), 50);
      log.append(replacement);
      log.sync();
      assertEquals(8, log.lastIndex());
      assertEquals(replacement, log.entries(6, 8, Long.MAX_VALUE));
      assertEquals(1, log.term(5));
      assertEquals(2, log.term(6));
    }
    try (SegmentedLogStore log = SegmentedLogStore.open(dir)) {
      assertEquals(8, log.lastIndex());
      assertEquals(2, log.term(8));
    }
  }

  @Test
  void conflictingAppendDeletesLaterSegments() {
    List<Entry> kept = entries(1, 40, 1, new Random(4), 200);
    try (SegmentedLogStore log = SegmentedLogStore.open(dir, SMALL_SEGMENT)) {
      log.append(kept);
      log.append(entries(41, 200, 1, new Random(5), 200));
      log.sync();
      int segmentsBefore = segments(dir).size();
      List<Entry> replacement = List.of(entry(41, 3, 5), entry(42, 3, 5));
      log.append(replacement);
      log.sync();
      assertTrue(segments(dir).size() < segmentsBefore, "later segments are deleted");
      List<Entry> expected = new ArrayList<>(kept);
      expected.addAll(replacement);
      assertHolds(log, 0, 0, expected);
    }
    try (SegmentedLogStore log = SegmentedLogStore.open(dir, SMALL_SEGMENT)) {
      assertEquals(42, log.lastIndex());
      assertEquals(3, log.term(42));
    }
  }

  @Test
  void refusesAppendsThatLeaveAGapOrRewriteCompactedEntries() {
    try (SegmentedLogStore log = SegmentedLogStore.open(dir)) {
      log.append(entries(1, 10, 1, new Random(6), 10));
      log.compact(5, 1);
      assertThrows(IllegalArgumentException.class, () -> log.append(List.of(entry(12, 1, 1))));
      assertThrows(IllegalArgumentException.class, () -> log.append(List.of(entry(5, 1, 1))));
      assertThrows(
          IllegalArgumentException.class,
          () -> log.append(List.of(entry(11, 1, 1), entry(13, 1, 1))));
      assertEquals(10, log.lastIndex());
    }
  }

  @Test
  void compactKeepsEntriesAfterThePointAndDeletesWholeSegmentsBelowIt() {
    List<Entry> written = entries(1, 300, 1, new Random(7), 100);
    try (SegmentedLogStore log = SegmentedLogStore.open(dir, SMALL_SEGMENT)) {
      log.append(written);
      log.sync();
      int segmentsBefore = segments(dir).size();
      log.compact(150, 1);
      assertTrue(segments(dir).size() < segmentsBefore, "whole segments below 150 are deleted");
      assertTrue(
          Segment.firstIndexOf(segments(dir).get(0)) <= 151, "the segment holding 151 is kept");
      assertHolds(log, 150, 1, written.subList(150, 300));
      assertThrows(IllegalArgumentException.class, () -> log.entries(150, 151, 100));
    }
    try (SegmentedLogStore log = SegmentedLogStore.open(dir, SMALL_SEGMENT)) {
      assertHolds(log, 150, 1, written.subList(150, 300));
      log.append(List.of(entry(301, 2, 10)));
      assertEquals(301, log.lastIndex());
    }
  }

  @Test
  void compactToTheLastIndexEmptiesTheLog() {
    try (SegmentedLogStore log = SegmentedLogStore.open(dir, SMALL_SEGMENT)) {
      log.append(entries(1, 50, 1, new Random(8), 100));
      log.compact(50, 1);
      assertEquals(50, log.lastIndex());
      assertEquals(1, log.term(50));
      assertTrue(segments(dir).isEmpty());
      log.append(List.of(entry(51, 2, 10)));
      log.sync();
    }
    try (SegmentedLogStore log = SegmentedLogStore.open(dir, SMALL_SEGMENT)) {
      assertHolds(log, 50, 1, List.of(entry(51, 2, 10)));
    }
  }

  @Test
  void compactBeyondTheLastIndexResets() {
    try (SegmentedLogStore log = SegmentedLogStore.open(dir)) {
      log.append(entries(1, 10, 1, new Random(9), 10));
      log.compact(20, 3);
      assertHolds(log, 20, 3, List.of());
    }
  }

  @Test
  void compactAtOrBelowThePointChangesNothing() {
    try (SegmentedLogStore log = SegmentedLogStore.open(dir)) {
      log.append(entries(1, 10, 1, new Random(10), 10));
      log.compact(5, 1);
      log.compact(3, 1);
      assertEquals(5, log.snapshotIndex());
      assertEquals(10, log.lastIndex());
    }
  }

  @Test
  void resetDropsTheWholeLogAndRestartsAfterTheSnapshot() {
    try (SegmentedLogStore log = SegmentedLogStore.open(dir, SMALL_SEGMENT)) {
      log.append(entries(1, 200, 1, new Random(11), 100));
      log.sync();
      log.reset(120, 4);
      assertHolds(log, 120, 4, List.of());
      assertTrue(segments(dir).isEmpty());
      log.append(List.of(entry(121, 4, 10)));
      log.sync();
    }
    try (SegmentedLogStore log = SegmentedLogStore.open(dir, SMALL_SEGMENT)) {
      assertHolds(log, 120, 4, List.of(entry(121, 4, 10)));
    }
  }

  @Test
  void entriesStopAtMaxBytesButAlwaysReturnOne() {
    List<Entry> written = entries(1, 20, 1, new Random(12), 100);
    MemoryLogStore model = new MemoryLogStore();
    model.append(written);
    try (SegmentedLogStore log = SegmentedLogStore.open(dir, SMALL_SEGMENT)) {
      log.append(written);
      assertEquals(1, log.entries(1, 20, 0).size());
      assertEquals(1, log.entries(3, 20, 1).size());
      long firstTwo = written.get(0).sizeInBytes() + written.get(1).sizeInBytes();
      assertEquals(2, log.entries(1, 20, firstTwo).size());
      assertEquals(1, log.entries(1, 20, firstTwo - 1).size());
      for (long maxBytes = 0; maxBytes < 2000; maxBytes += 37) {
        assertEquals(model.entries(2, 19, maxBytes), log.entries(2, 19, maxBytes));
      }
      assertEquals(written.subList(4, 9), log.entries(5, 9, Long.MAX_VALUE));
    }
  }

  @Test
  void rejectsIndexesOutsideTheLog() {
    try (SegmentedLogStore log = SegmentedLogStore.open(dir)) {
      log.append(entries(1, 10, 1, new Random(13), 10));
      log.compact(3, 1);
      assertEquals(1, log.term(3));
      assertThrows(IllegalArgumentException.class, () -> log.term(2));
      assertThrows(IllegalArgumentException.class, () -> log.term(11));
      assertThrows(IllegalArgumentException.class, () -> log.entries(3, 5, 100));
      assertThrows(IllegalArgumentException.class, () -> log.entries(5, 11, 100));
      assertThrows(IllegalArgumentException.class, () -> log.entries(6, 5, 100));
    }
  }

  @Test
  void aRecordDamagedOnDiskAfterItWasWrittenFailsTheRead() {
    // Without the tail cache, so that the reads go to the damaged file.
    try (SegmentedLogStore log =
        SegmentedLogStore.open(dir, SegmentedLogStore.DEFAULT_SEGMENT_BYTES, 0)) {
      log.append(entries(1, 10, 1, new Random(14), 100));
      log.sync();
      Path segment = segments(dir).get(0);
      long fifth = LogFiles.recordBoundaries(segment).get(4);
      LogFiles.flipBit(segment, fifth + LogRecordFormat.MIN_RECORD_BYTES, 0);
      assertEquals(4, log.entries(1, 4, Long.MAX_VALUE).size());
      StorageException e =
          assertThrows(StorageException.class, () -> log.entries(1, 10, Long.MAX_VALUE));
      assertTrue(
          e.getMessage().contains(segment + " is corrupt at offset " + fifth), e.getMessage());
    }
  }

  @Test
  void anEmptyLogStartsAtZero() {
    try (SegmentedLogStore log = SegmentedLogStore.open(dir)) {
      assertHolds(log, 0, 0, List.of());
      log.sync();
    }
  }

  @Test
  void aSecondStoreCannotOpenTheSameDirectory() {
    try (SegmentedLogStore log = SegmentedLogStore.open(dir)) {
      StorageException e = assertThrows(StorageException.class, () -> SegmentedLogStore.open(dir));
      assertTrue(e.getMessage().contains("already open"), e.getMessage());
      assertEquals(0, log.lastIndex());
    }
    SegmentedLogStore.open(dir).close();
  }

  /**
   * Random appends, conflicting appends, compactions, resets, syncs and reopens, checked after
   * every step against the in-memory reference implementation.
   */
  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
  void behavesLikeTheInMemoryLog(long seed) {
    Random random = new Random(seed);
    MemoryLogStore model = new MemoryLogStore();
    SegmentedLogStore log = SegmentedLogStore.open(dir, SMALL_SEGMENT);
    long term = 1;
    try {
      for (int step = 0; step < 400; step++) {
        int action = random.nextInt(100);
        if (action < 45) {
          long first = model.lastIndex() + 1;
          List<Entry> entries = entries(first, first + random.nextInt(6), term, random, 700);
          model.append(entries);
          log.append(entries);
        } else if (action < 60 && model.lastIndex() > model.snapshotIndex()) {
          term++;
          long span = model.lastIndex() - model.snapshotIndex();
          long first = model.snapshotIndex() + 1 + random.nextInt((int) span);
          List<Entry> entries = entries(first, first + random.nextInt(4), term, random, 700);
          model.append(entries);
          log.append(entries);
        } else if (action < 68) {
          long span = model.lastIndex() - model.snapshotIndex();
          long index = model.snapshotIndex() + random.nextInt((int) span + 1);
          long pointTerm = model.term(index);
          model.compact(index, pointTerm);
          log.compact(index, pointTerm);
        } else if (action < 71) {
          long index = model.lastIndex() + random.nextInt(5);
          term++;
          model.reset(index, term);
          log.reset(index, term);
        } else if (action < 90) {
          log.sync();
        } else {
          log.close();
          log = SegmentedLogStore.open(dir, SMALL_SEGMENT);
        }
        assertSameAs(model, log, random);
      }
    } finally {
      log.close();
    }
  }

  private static void assertSameAs(MemoryLogStore model, LogStore log, Random random) {
    assertEquals(model.snapshotIndex(), log.snapshotIndex());
    assertEquals(model.snapshotTerm(), log.snapshotTerm());
    assertEquals(model.lastIndex(), log.lastIndex());
    for (long i = model.snapshotIndex(); i <= model.lastIndex(); i++) {
      assertEquals(model.term(i), log.term(i), "term of " + i);
    }
    if (model.lastIndex() > model.snapshotIndex()) {
      long maxBytes = random.nextInt(3000);
      assertEquals(
          model.entries(model.snapshotIndex() + 1, model.lastIndex(), maxBytes),
          log.entries(model.snapshotIndex() + 1, model.lastIndex(), maxBytes));
    }
  }

  /** The log holds exactly {@code expected} after the compaction point (index, term). */
  static void assertHolds(
      LogStore log, long snapshotIndex, long snapshotTerm, List<Entry> expected) {
    assertEquals(snapshotIndex, log.snapshotIndex());
    assertEquals(snapshotTerm, log.snapshotTerm());
    assertEquals(snapshotIndex + expected.size(), log.lastIndex());
    assertEquals(snapshotTerm, log.term(snapshotIndex));
    for (Entry entry : expected) {
      assertEquals(entry.term(), log.term(entry.index()), "term of " + entry.index());
    }
    if (!expected.isEmpty()) {
      assertEquals(expected, log.entries(snapshotIndex + 1, log.lastIndex(), Long.MAX_VALUE));
    }
  }
}
