package io.spindle.raft.server.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.spindle.raft.Entry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TailCacheTest {
  private static List<Entry> entries(long from, long to, long term, int size) {
    List<Entry> out = new ArrayList<>();
    for (long i = from; i <= to; i++) {
      out.add(Entry.command(i, term, new byte[size]));
    }
    return out;
  }

  @Test
  void servesTheNewestEntriesWithinItsBudget() {
    long perEntry = Entry.command(1, 1, new byte[100]).sizeInBytes();
    TailCache cache = new TailCache(perEntry * 5);
    cache.appended(entries(1, 10, 1, 100));

    assertNull(cache.get(5, 10, Long.MAX_VALUE), "entry 5 was evicted");
    assertEquals(entries(6, 10, 1, 100), cache.get(6, 10, Long.MAX_VALUE));
    assertEquals(entries(6, 7, 1, 100), cache.get(6, 10, perEntry * 2));
    assertEquals(entries(6, 6, 1, 100), cache.get(6, 10, 1), "always at least one entry");
  }

  @Test
  void aConflictingAppendReplacesTheSuffix() {
    TailCache cache = new TailCache(1 << 20);
    cache.appended(entries(1, 10, 1, 10));
    cache.truncateFrom(8);
    cache.appended(entries(8, 9, 2, 10));

    List<Entry> expected = new ArrayList<>(entries(1, 7, 1, 10));
    expected.addAll(entries(8, 9, 2, 10));
    assertEquals(expected, cache.get(1, 9, Long.MAX_VALUE));
    assertNull(cache.get(1, 10, Long.MAX_VALUE), "entry 10 is gone");
  }

  @Test
  void compactionAndGapsDropWhatNoLongerContinuesTheLog() {
    TailCache cache = new TailCache(1 << 20);
    cache.appended(entries(1, 10, 1, 10));
    cache.compactTo(4);
    assertNull(cache.get(4, 10, Long.MAX_VALUE));
    assertEquals(entries(5, 10, 1, 10), cache.get(5, 10, Long.MAX_VALUE));

    cache.appended(entries(20, 21, 3, 10)); // after a reset elsewhere: not contiguous
    assertNull(cache.get(5, 10, Long.MAX_VALUE));
    assertEquals(entries(20, 21, 3, 10), cache.get(20, 21, Long.MAX_VALUE));
  }
}
