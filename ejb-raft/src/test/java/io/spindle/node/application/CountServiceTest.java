package io.spindle.node.application;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.node.domain.FileInfo;
import io.spindle.node.domain.FileName;
import io.spindle.node.domain.count.RangeCounts;
import io.spindle.node.domain.count.WcLocale;
import io.spindle.node.domain.count.WordTally;
import io.spindle.node.infrastructure.store.TestDatabase;
import io.spindle.testkit.GnuWc;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Counting stored files: three nodes on H2 hold the file in 1 MiB chunks; a follower coordinates,
 * and the ranges (cut where they fall across chunks and characters) are counted from the copies of
 * all three nodes in turn, as the distributed count will. Totals must equal GNU wc's on the same
 * bytes, the top words the tally of the whole; the cache answers counts of the same content.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CountServiceTest {
  private FileCluster cluster;
  private byte[] text;

  @BeforeAll
  void start() {
    assertTrue(GnuWc.available(), "GNU wc (coreutils) is needed to compare with");
    cluster = new FileCluster(TestDatabase.Kind.H2, 3);
    text = mixedText(new Random(42), (5 << 20) / 2);
  }

  @AfterAll
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aFileCountsAsWcWhereverItsRangesAreCounted() throws Exception {
    FileInfo stored = cluster.put(FileName.of("docs/mixed.txt"), text);
    cluster.awaitConverged();
    FileCluster.Node coordinator = cluster.followers().get(0);
    RangeCounter everyNodeInTurn = everyNodeInTurn();
    CountService counts =
        new CountService(
            coordinator.service,
            everyNodeInTurn,
            CountService.Settings.defaults().withRangeBytes(333_333));
    for (WcLocale locale : WcLocale.values()) {
      CountResult result = counts.count(stored.name(), locale, 10).orElseThrow();
      long[] wc = wc(locale, text);
      RangeCounts c = result.counts();
      assertEquals(
          Arrays.toString(wc),
          Arrays.toString(new long[] {c.lines(), c.words(), c.chars(), c.bytes()}),
          "lines/words/chars/bytes in " + locale);
      assertEquals(WordTally.of(locale, text).top(10), result.top());
      assertTrue(result.topComplete());
      assertFalse(result.cached());
      assertEquals(stored, result.file());
      assertEquals(8, result.ranges().size(), result.ranges()::toString);
      long expectedStart = 0;
      for (CountResult.CountedRange r : result.ranges()) {
        assertEquals(expectedStart, r.start());
        expectedStart = r.end();
      }
      assertEquals(text.length, expectedStart);
      assertEquals(
          3,
          result.ranges().stream().map(CountResult.CountedRange::node).distinct().count(),
          "every node counted some ranges: " + result.ranges());
    }
  }

  @Test
  void rangesCountedConcurrentlyMergeInFileOrder() throws Exception {
    FileInfo stored = cluster.put(FileName.of("docs/concurrent.txt"), text);
    cluster.awaitConverged();
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      RangeCounter inTurn = everyNodeInTurn();
      // Later ranges finish first: the service must still merge them in file order.
      RangeCounter async =
          task ->
              CompletableFuture.supplyAsync(
                  () -> {
                    if (task.index() % 3 == 0) {
                      Thread.yield();
                    }
                    return inTurn.count(task).toCompletableFuture().join();
                  },
                  pool);
      CountService counts =
          new CountService(
              cluster.leader().service,
              async,
              CountService.Settings.defaults().withRangeBytes(100_001).withRangesInFlight(4));
      CountResult result = counts.count(stored.name(), WcLocale.UTF8, 25).orElseThrow();
      long[] wc = wc(WcLocale.UTF8, text);
      assertEquals(wc[1], result.counts().words());
      assertEquals(wc[2], result.counts().chars());
      assertEquals(WordTally.of(WcLocale.UTF8, text).top(25), result.top());
      assertEquals(27, result.ranges().size());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void rangesWithWordsGoOutOneMoreThanThereAreNodes() {
    CountService.Settings settings = CountService.Settings.defaults();
    RangeCounter none = task -> CompletableFuture.failedFuture(new AssertionError("not counted"));
    FileService files = cluster.leader().service;
    CountService three = new CountService(files, none, settings, System::nanoTime, () -> 3);
    assertEquals(4, three.rangesInFlight(true));
    assertEquals(settings.rangesInFlight(), three.rangesInFlight(false));
    CountService alone = new CountService(files, none, settings, System::nanoTime, () -> 0);
    assertEquals(2, alone.rangesInFlight(true));
    CountService few =
        new CountService(files, none, settings.withRangesInFlight(2), System::nanoTime, () -> 5);
    assertEquals(2, few.rangesInFlight(true));
  }

  @Test
  void theSameContentIsCountedOnceUnderAnyName() throws Exception {
    byte[] content = "the cat and the hat\n".repeat(1000).getBytes(StandardCharsets.US_ASCII);
    FileInfo first = cluster.put(FileName.of("cache/a.txt"), content);
    FileInfo second = cluster.put(FileName.of("cache/b.txt"), content);
    FileInfo other = cluster.put(FileName.of("cache/c.txt"), "x y z".getBytes());
    FileCluster.Node leader = cluster.leader();
    AtomicInteger rangesCounted = new AtomicInteger();
    LocalRangeCounter local = new LocalRangeCounter(leader.service, "n", 1000);
    RangeCounter counting =
        task -> {
          rangesCounted.incrementAndGet();
          return local.count(task);
        };
    CountService counts =
        new CountService(
            leader.service,
            counting,
            CountService.Settings.defaults().withRangeBytes(7_000).withCacheEntries(2));

    CountResult fresh = counts.count(first.name(), WcLocale.C, 3).orElseThrow();
    assertEquals(3, rangesCounted.get());
    assertEquals(List.of("the=2000", "and=1000", "cat=1000"), show(fresh));
    CountResult again = counts.count(second.name(), WcLocale.C, 3).orElseThrow();
    assertEquals(3, rangesCounted.get(), "the same content is not counted again");
    assertTrue(again.cached());
    assertEquals(second, again.file());
    assertEquals(fresh.counts(), again.counts());
    assertEquals(fresh.top(), again.top());

    counts.count(first.name(), WcLocale.C, 2).orElseThrow(); // another top: another entry
    assertEquals(6, rangesCounted.get());
    counts.count(other.name(), WcLocale.C, 3).orElseThrow(); // evicts the least recently used
    assertEquals(7, rangesCounted.get());
    assertFalse(counts.count(first.name(), WcLocale.C, 3).orElseThrow().cached());
    assertEquals(10, rangesCounted.get());
    assertTrue(counts.count(other.name(), WcLocale.C, 3).orElseThrow().cached());
  }

  @Test
  void anEmptyFileIsOneEmptyRangeAndAMissingOneIsNone() throws Exception {
    FileInfo empty = cluster.put(FileName.of("empty.txt"), new byte[0]);
    FileCluster.Node leader = cluster.leader();
    CountService counts = local(leader);
    CountResult result = counts.count(empty.name(), WcLocale.UTF8, 10).orElseThrow();
    assertEquals(new RangeCounts(0, 0, 0, 0, RangeCounts.First.NONE, false), result.counts());
    assertEquals(List.of(), result.top());
    assertEquals(1, result.ranges().size());
    assertTrue(counts.count(FileName.of("no/such.txt"), WcLocale.UTF8, 10).isEmpty());
    assertThrows(IllegalArgumentException.class, () -> counts.count(empty.name(), WcLocale.C, -1));
    assertThrows(
        IllegalArgumentException.class,
        () -> counts.count(empty.name(), WcLocale.C, CountService.MAX_TOP + 1));
  }

  @Test
  void aFileReplacedDuringTheCountFailsTheCount() throws Exception {
    FileName name = FileName.of("changing.txt");
    cluster.put(name, "one two three ".repeat(1000).getBytes(StandardCharsets.US_ASCII));
    cluster.awaitConverged();
    FileCluster.Node leader = cluster.leader();
    LocalRangeCounter local = new LocalRangeCounter(leader.service, "n", 1000);
    RangeCounter replacingFirst =
        task -> {
          if (task.index() == 1) {
            try {
              cluster.put(name, "four five".getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
              throw new IllegalStateException(e);
            }
          }
          return local.count(task);
        };
    CountService counts =
        new CountService(
            leader.service, replacingFirst, CountService.Settings.defaults().withRangeBytes(5_000));
    FileChangedException changed =
        assertThrows(FileChangedException.class, () -> counts.count(name, WcLocale.C, 5));
    assertTrue(changed.getMessage().contains("count it again"), changed.getMessage());
  }

  @Test
  void splitCutsWholeRangesAndALastShortOne() {
    assertEquals("[[0, 0]]", show(CountService.split(0, 10)));
    assertEquals("[[0, 10]]", show(CountService.split(10, 10)));
    assertEquals("[[0, 10], [10, 20], [20, 25]]", show(CountService.split(25, 10)));
  }

  // ---------------------------------------------------------------- helpers

  private CountService local(FileCluster.Node node) {
    return new CountService(
        node.service,
        new LocalRangeCounter(node.service, node.id.value(), 1000),
        CountService.Settings.defaults());
  }

  /** Range i is counted from the copy of node i mod 3, as stealing nodes would. */
  private RangeCounter everyNodeInTurn() {
    List<LocalRangeCounter> counters = new ArrayList<>();
    for (FileCluster.Node node : cluster.nodes()) {
      counters.add(new LocalRangeCounter(node.service, node.id.value(), 1 << 20));
    }
    return task -> counters.get(task.index() % counters.size()).count(task);
  }

  /**
   * Text of ASCII words, accented and CJK words, emoji, upper case, no-break spaces, controls and
   * CRLFs, so that range and chunk boundaries fall inside characters and words.
   */
  static byte[] mixedText(Random random, int size) {
    String[] words = {
      "the",
      "The",
      "THE",
      "spindle",
      "Raft",
      "caf\u00e9",
      "CAF\u00c9",
      "na\u00efve",
      "\u4e2d\u6587",
      "\u65e5\u672c\u8a9e",
      "\ud83d\ude00",
      "stra\u00dfe",
      "x\u0001y",
      "\u03c3\u03bf\u03c6\u03af\u03b1"
    };
    String[] gaps = {" ", " ", " ", "\n", "\r\n", "\t", "\u00a0", "\u3000", "  "};
    ByteArrayOutputStream out = new ByteArrayOutputStream(size + 64);
    while (out.size() < size) {
      out.writeBytes(words[random.nextInt(words.length)].getBytes(StandardCharsets.UTF_8));
      out.writeBytes(gaps[random.nextInt(gaps.length)].getBytes(StandardCharsets.UTF_8));
    }
    return out.toByteArray();
  }

  private static List<String> show(CountResult result) {
    return result.top().stream().map(w -> w.word().text() + "=" + w.count()).toList();
  }

  private static String show(List<long[]> ranges) {
    return ranges.stream().map(Arrays::toString).toList().toString();
  }

  /** What GNU wc -l -w -m -c prints for {@code input} in {@code locale}. */
  static long[] wc(WcLocale locale, byte[] input) throws IOException, InterruptedException {
    return GnuWc.count(input, GnuWc.lcAll(locale == WcLocale.C));
  }
}
