package io.spindle.node.infrastructure.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.node.application.RangeResult;
import io.spindle.node.application.RangeTask;
import io.spindle.node.domain.FileName;
import io.spindle.node.domain.count.RangeCounts;
import io.spindle.node.domain.count.WcLocale;
import io.spindle.node.domain.count.WcScanner;
import io.spindle.node.domain.count.Word;
import io.spindle.node.domain.count.WordTally;
import io.spindle.node.domain.count.WordTallyScanner;
import io.spindle.protocol.queue.CountRangeJob;
import io.spindle.protocol.queue.CountRangeResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Range tasks and results survive the trip through their queue messages (serialized and parsed)
 * with everything the merge needs: counted in ranges cut through words, multibyte characters and a
 * word longer than a tally keeps, sent and merged, they equal the count of the whole.
 */
class CountRangeMessagesTest {
  private static final String SHA = "ab".repeat(32);

  @Test
  void aTaskRoundTrips() throws Exception {
    RangeTask task =
        new RangeTask(FileName.of("a/b.txt"), SHA, 1000, WcLocale.C, 3, 300, 400, false);
    CountRangeJob wire = CountRangeJob.parseFrom(CountRangeMessages.toJob(task, 77).toByteArray());
    assertEquals(task, CountRangeMessages.fromJob(wire));
    assertEquals(77, wire.getMaxDistinctWords());
    assertThrows(
        IllegalArgumentException.class,
        () -> CountRangeMessages.fromJob(wire.toBuilder().setLocale("klingon").build()));
    assertThrows(
        IllegalArgumentException.class,
        () -> CountRangeMessages.fromJob(wire.toBuilder().setEnd(2000).build()));
  }

  @Test
  void rangesSentAsMessagesMergeToTheCountOfTheWhole() throws Exception {
    String longWord = "Ü".repeat(700); // 1,400 bytes: kept in part, hashed
    byte[] text =
        ("Straße\u00a0und Weg\n" + longWord + " x\tÉcole  " + longWord + "\r\nend")
            .repeat(50)
            .getBytes(StandardCharsets.UTF_8);
    for (WcLocale locale : WcLocale.values()) {
      for (int size : new int[] {1, 7, 333, 1000, text.length}) {
        List<RangeCounts> counts = new ArrayList<>();
        WordTally.Merger words = new WordTally.Merger(WordTally.DEFAULT_MAX_DISTINCT);
        int index = 0;
        for (int start = 0; start < text.length; start += size, index++) {
          int end = Math.min(text.length, start + size);
          RangeTask task =
              new RangeTask(
                  FileName.of("t.txt"), SHA, text.length, locale, index, start, end, true);
          RangeResult sent =
              CountRangeMessages.fromResult(
                  task,
                  "n2",
                  CountRangeResult.parseFrom(
                      CountRangeMessages.toResult(count(task, text)).toByteArray()));
          assertEquals("n2", sent.node());
          counts.add(sent.counts());
          words.add(sent.tally());
        }
        assertEquals(
            RangeCounts.of(locale, text), RangeCounts.merge(counts), locale + " by " + size);
        assertEquals(
            WordTally.of(locale, text).top(5), words.result().top(5), locale + " by " + size);
      }
    }
  }

  @Test
  void aRangeTallyWithinItsWeightIsSentWholeAndOneWordMoreIsNotCompleteEitherWay()
      throws Exception {
    // The heaviest entries there are: words longer than a tally keeps (kept bytes, a length and a
    // hash on the wire), as many as the default weight allows, and then one more.
    int wordBytes = 3 * Word.MAX_KEPT_BYTES;
    long fits = WordTally.DEFAULT_MAX_WEIGHT / WordTally.weight(Word.of(new byte[wordBytes]));
    for (long words : new long[] {fits, fits + 1}) {
      byte[] text = distinctLongWords(words + 1, wordBytes); // the first is the range's head
      RangeTask task =
          new RangeTask(
              FileName.of("t.txt"), SHA, text.length, WcLocale.C, 0, 0, text.length, true);
      RangeResult local = count(task, text);
      CountRangeResult wire = CountRangeMessages.toResult(local);
      assertTrue(wire.getSerializedSize() <= CountRangeMessages.MAX_TALLY_BYTES + 4096, "fits");
      RangeResult sent =
          CountRangeMessages.fromResult(task, "n2", CountRangeResult.parseFrom(wire.toByteArray()));
      assertEquals(words == fits, local.tally().complete(), words + " words counted here");
      assertEquals(local.tally().complete(), sent.tally().complete(), words + " words sent");
      assertEquals(local.tally().top(3), sent.tally().top(3));
    }
  }

  /** {@code n} distinct words of {@code length} letters, each followed by a space. */
  private static byte[] distinctLongWords(long n, int length) {
    byte[] text = new byte[(int) (n * (length + 1))];
    Arrays.fill(text, (byte) 'a');
    for (int w = 0; w < n; w++) {
      int end = w * (length + 1) + length;
      text[end] = ' ';
      for (int i = 0, v = w; i < 6; i++, v /= 26) {
        text[end - 1 - i] = (byte) ('a' + v % 26); // the last letters tell the words apart
      }
    }
    return text;
  }

  @Test
  void aResultOfAnotherRangeIsRefused() {
    RangeTask task = new RangeTask(FileName.of("t.txt"), SHA, 10, WcLocale.C, 0, 0, 5, false);
    RangeTask other = new RangeTask(FileName.of("t.txt"), SHA, 10, WcLocale.C, 1, 5, 10, false);
    CountRangeResult wire = CountRangeMessages.toResult(count(other, "abcdefghij".getBytes()));
    assertThrows(
        IllegalArgumentException.class, () -> CountRangeMessages.fromResult(task, "n1", wire));
    assertFalse(wire.hasTally(), "no words asked, none sent");
  }

  /** Counts a range as LocalRangeCounter does: with the bytes around it as context. */
  private static RangeResult count(RangeTask task, byte[] file) {
    int s = (int) task.start();
    int e = (int) task.end();
    byte[] before = Arrays.copyOfRange(file, Math.max(0, s - 5), s);
    byte[] after = Arrays.copyOfRange(file, e, Math.min(file.length, e + 5));
    WcScanner scanner = new WcScanner(task.locale()).context(before);
    scanner.feed(file, s, e - s);
    WordTally tally = WordTally.NONE;
    if (task.tallyWords()) {
      WordTallyScanner words = new WordTallyScanner(task.locale()).context(before);
      words.feed(file, s, e - s);
      tally = words.finish(after);
    }
    return new RangeResult(task, "n1", scanner.finish(after), tally, Duration.ofMillis(3));
  }
}
