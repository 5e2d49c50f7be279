package io.spindle.node.domain.count;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.spindle.testkit.GnuWc;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The word tally: every tricky input split at every point tallies as the whole; the total of its
 * counts is what GNU wc counts as words; on valid UTF-8 it equals a reference built directly from
 * the definition; on real text in C it equals a {@code tr | sort | uniq -c} pipeline. Both locales.
 */
class WordTallyTest {

  /** WcScannerTest's pieces, and some that fold: upper case, long runs, controls inside words. */
  private static final String[] PIECES_HEX = {
    "61",
    "62",
    "41",
    "42",
    "20",
    "0a",
    "0d0a",
    "09",
    "0b",
    "0c",
    "00",
    "01",
    "7f",
    "c2a0",
    "e28087",
    "e280af",
    "e38080",
    "e28083",
    "e280a8",
    "e281a0",
    "c285",
    "e4b8ad",
    "f09f9880",
    "cc81",
    "c3a9",
    "c389",
    "ce91",
    "ceb1",
    "d09f",
    "ff",
    "80",
    "c2",
    "e280",
    "f09f98",
    "c0af",
    "eda080",
    "f4908080",
    "e0808f",
    "efbfbd",
    "2e",
    "2d",
    "f7bfbfbf",
    "f888808080",
    "fc8480808080",
    "f880808080",
    "fe",
    "f580",
    "f0909080",
    "f09090a8"
  };

  private static byte[][] pieces;

  @BeforeAll
  static void needsGnuWc() {
    assertTrue(GnuWc.available(), "GNU wc (coreutils) is needed to compare with");
    pieces = Stream.of(PIECES_HEX).map(HexFormat.of()::parseHex).toArray(byte[][]::new);
  }

  // ---------------------------------------------------------------- the rules, by example

  @Test
  void wordsAreFoldedAndTiesGoToTheSmallerBytes() {
    WordTally tally =
        WordTally.of(WcLocale.UTF8, utf8("b A a B c Hello HELLO hello \u00c9cole \u00e9cole"));
    assertEquals(List.of("hello=3", "a=2", "b=2", "\u00e9cole=2", "c=1"), show(tally.top(10)));
    assertEquals(List.of("hello=3", "a=2"), show(tally.top(2)));
    assertEquals(List.of(), tally.top(0));
    assertEquals(10, tally.words());

    WordTally c = WordTally.of(WcLocale.C, utf8("\u00c9cole \u00e9cole ABC abc"));
    // C folds ASCII only: "\u00c9" (c3 89) stays, and sorts before "\u00e9" (c3 a9).
    assertEquals(List.of("abc=2", "\u00c9cole=1", "\u00e9cole=1"), show(c.top(5)));
  }

  @Test
  void neutralBytesBelongToTheWordAroundThemAndAloneAreNoWord() {
    // In wc a control character neither starts nor ends a word: "a\u0001b" is one word, and a
    // run of controls alone is none.
    WordTally tally = WordTally.of(WcLocale.UTF8, utf8("a\u0001b \u0001\u0002 \u0001x x"));
    assertEquals(List.of("\u0001x=1", "a\u0001b=1", "x=1"), show(tally.top(10)));
    assertEquals(3, tally.words());
  }

  @Test
  void aWordCutByEveryBoundaryCountsOnceWhole() {
    byte[] input = utf8("Stra\u00dfe \u4e2d\u6587\u4e2d\u6587 \ud83d\ude00\ud83d\ude00 x");
    Map<Word, Long> whole = WordTally.of(WcLocale.UTF8, input).wholeFileCounts();
    for (int cut = 0; cut <= input.length; cut++) {
      for (int second = cut; second <= input.length; second++) {
        assertEquals(whole, split(WcLocale.UTF8, input, cut, second).wholeFileCounts());
      }
    }
    assertEquals(4, whole.size());
    assertEquals(1L, whole.get(Word.of(utf8("stra\u00dfe"))));
  }

  @Test
  void longWordsAreToldApartAndJoinedAcrossRanges() {
    Random random = new Random(7);
    byte[] long1 = new byte[3000];
    for (int i = 0; i < long1.length; i++) {
      long1[i] = (byte) ('a' + random.nextInt(26));
    }
    byte[] long2 = long1.clone();
    long2[2999] = long2[2999] == 'z' ? (byte) 'y' : (byte) 'z'; // same first KiB, same length
    byte[] input = concat(long1, utf8(" "), long2, utf8(" "), long1, utf8("\n"), long1);
    WordTally whole = WordTally.of(WcLocale.C, input);
    List<WordCount> top = whole.top(5);
    assertEquals(2, top.size(), top::toString);
    assertEquals(3, top.get(0).count());
    assertEquals(Word.of(long1), top.get(0).word());
    assertEquals(Word.of(long2), top.get(1).word());
    assertFalse(top.get(0).word().isWhole());
    assertTrue(top.get(0).word().text().endsWith("\u2026"));
    assertEquals(Word.MAX_KEPT_BYTES + 1, top.get(0).word().text().length());
    for (int cut = 1; cut < input.length; cut += 97) {
      for (int second = cut; second < input.length; second += 331) {
        assertEquals(
            whole.wholeFileCounts(), split(WcLocale.C, input, cut, second).wholeFileCounts());
      }
    }
  }

  @Test
  void concatenatedWordsEqualTheWordOfAllTheirBytes() {
    Random random = new Random(11);
    for (int round = 0; round < 300; round++) {
      byte[] all = new byte[random.nextInt(3 * Word.MAX_KEPT_BYTES)];
      random.nextBytes(all);
      int cut = random.nextInt(all.length + 1);
      Word joined =
          Word.concat(
              Word.of(Arrays.copyOf(all, cut)), Word.of(Arrays.copyOfRange(all, cut, all.length)));
      assertEquals(Word.of(all), joined, "cut at " + cut + " of " + all.length);
      assertEquals(all.length, joined.length());
    }
  }

  @Test
  void aTallyOverItsBoundOfDistinctWordsSaysSoAndKeepsNoWords() {
    byte[] input = utf8("a b c d e f");
    WordTallyScanner scanner = new WordTallyScanner(WcLocale.C, 3);
    scanner.feed(input, 0, input.length);
    WordTally over = scanner.finish(new byte[0]);
    assertFalse(over.complete());
    assertEquals(List.of(), over.top(3));
    assertFalse(WordTally.merge(List.of(WordTally.of(WcLocale.C, utf8("x")), over)).complete());

    WordTally.Merger merger = new WordTally.Merger(2);
    merger.add(WordTally.of(WcLocale.C, utf8(" a b ")));
    merger.add(WordTally.of(WcLocale.C, utf8(" c d ")));
    assertFalse(merger.result().complete());
    assertTrue(WordTally.of(WcLocale.C, input).complete());
  }

  @Test
  void aTallyOverItsWeightSaysSoWhereverItIsBuilt() {
    // " bb ccc dddd " between separators: three words of 2, 3 and 4 kept bytes.
    byte[] input = utf8("a bb ccc dddd e");
    long three =
        WordTally.weight(Word.of(utf8("bb")))
            + WordTally.weight(Word.of(utf8("ccc")))
            + WordTally.weight(Word.of(utf8("dddd")));
    assertEquals(2 + WordTally.ENTRY_WEIGHT, WordTally.weight(Word.of(utf8("bb"))));
    for (long maxWeight : new long[] {three - 1, three}) {
      WordTallyScanner scanner = new WordTallyScanner(WcLocale.C, 100, maxWeight);
      scanner.feed(input, 0, input.length);
      WordTally tally = scanner.finish(new byte[0]);
      assertEquals(maxWeight >= three, tally.complete(), "within " + maxWeight);
      assertEquals(maxWeight >= three ? 5 : 0, tally.words(), "within " + maxWeight);

      WordTally.Merger merger = new WordTally.Merger(100, maxWeight);
      merger.add(WordTally.of(WcLocale.C, utf8("a bb ccc ")));
      merger.add(WordTally.of(WcLocale.C, utf8("dddd e")));
      WordTally merged = merger.result();
      assertEquals(maxWeight >= three, merged.complete(), "merged within " + maxWeight);
      assertEquals(
          maxWeight >= three ? List.of("a=1", "bb=1") : List.of(),
          show(merged.top(2)),
          "merged within " + maxWeight);
    }
    // A word counted again adds no weight: the bound is on distinct words.
    byte[] repeated = utf8(("x " + "bb ".repeat(1000) + "ccc dddd y"));
    WordTallyScanner scanner = new WordTallyScanner(WcLocale.C, 100, three);
    scanner.feed(repeated, 0, repeated.length);
    assertTrue(scanner.finish(new byte[0]).complete());
  }

  // ---------------------------------------------------------------- against wc and a reference

  @Test
  void everyTrickyInputSplitAtEveryPointTalliesAsTheWholeAndAsWcCounts() throws Exception {
    for (byte[] input : trickyInputs()) {
      for (WcLocale locale : WcLocale.values()) {
        WordTally whole = WordTally.of(locale, input);
        Map<Word, Long> expected = whole.wholeFileCounts();
        assertEquals(wcWords(locale, input), whole.words(), describe(locale, input, "words"));
        reference(locale, input)
            .ifPresent(r -> assertEquals(r, expected, describe(locale, input, "reference")));
        for (int cut = 0; cut <= input.length; cut++) {
          assertTally(whole, split(locale, input, cut), locale, input, "cut at " + cut);
          for (int second = cut; second <= input.length && input.length <= 24; second++) {
            assertTally(
                whole,
                split(locale, input, cut, second),
                locale,
                input,
                "cuts at " + cut + ", " + second);
          }
        }
        for (int piece = 1; piece <= 5; piece++) {
          assertTally(whole, fedInPieces(locale, input, piece), locale, input, "fed by " + piece);
        }
      }
    }
  }

  @Test
  void randomMixturesOfTrickyPiecesTallyAsTheWholeAndAsWcCounts() throws Exception {
    Random random = new Random(20261122);
    for (int round = 0; round < 300; round++) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      int n = random.nextInt(80);
      for (int i = 0; i < n; i++) {
        out.writeBytes(pieces[random.nextInt(pieces.length)]);
      }
      byte[] input = out.toByteArray();
      for (WcLocale locale : WcLocale.values()) {
        WordTally whole = WordTally.of(locale, input);
        assertEquals(wcWords(locale, input), whole.words(), describe(locale, input, "words"));
        reference(locale, input)
            .ifPresent(
                r ->
                    assertEquals(r, whole.wholeFileCounts(), describe(locale, input, "reference")));
        int[] cuts = new int[random.nextInt(5)];
        for (int i = 0; i < cuts.length; i++) {
          cuts[i] = random.nextInt(input.length + 1);
        }
        Arrays.sort(cuts);
        assertTally(
            whole, split(locale, input, cuts), locale, input, "cuts " + Arrays.toString(cuts));
      }
    }
  }

  @Test
  void realTextInCTalliesAsTrSortUniq(@TempDir Path dir) throws Exception {
    byte[] input = realText();
    Path file = dir.resolve("text");
    Files.write(file, input);
    // Separators become newlines, A-Z folds, runs without a printable ASCII byte are no words.
    Map<Word, Long> expected =
        uniqCounts(
            "tr ' \\t\\n\\v\\f\\r' '\\n\\n\\n\\n\\n\\n' < '"
                + file
                + "' | tr 'A-Z' 'a-z' | grep -a '[!-~]' | sort | uniq -c");
    WordTally tally = splitEvenly(WcLocale.C, input, 29);
    assertEquals(expected, tally.wholeFileCounts());
    assertEquals(wcWords(WcLocale.C, input), tally.words());
    List<WordCount> top = tally.top(20);
    assertEquals(20, top.size());
    for (int i = 1; i < top.size(); i++) {
      assertTrue(top.get(i - 1).count() >= top.get(i).count(), top::toString);
    }
    assertEquals(
        expected.values().stream().mapToLong(Long::longValue).max().orElseThrow(),
        top.get(0).count());
  }

  @Test
  void realTextInUtf8TalliesAsTheReferenceAndAsWcCounts() throws Exception {
    byte[] input = realText();
    WordTally tally = splitEvenly(WcLocale.UTF8, input, 31);
    assertEquals(wcWords(WcLocale.UTF8, input), tally.words());
    assertEquals(WordTally.of(WcLocale.UTF8, input).wholeFileCounts(), tally.wholeFileCounts());
    String valid = new String(input, StandardCharsets.UTF_8).replace("\ufffd", " ");
    byte[] clean = valid.getBytes(StandardCharsets.UTF_8);
    assertEquals(
        reference(WcLocale.UTF8, clean).orElseThrow(),
        splitEvenly(WcLocale.UTF8, clean, 17).wholeFileCounts());
  }

  // ---------------------------------------------------------------- helpers

  private static List<byte[]> trickyInputs() {
    List<byte[]> inputs = new ArrayList<>();
    for (String s :
        new String[] {
          "",
          " ",
          "a",
          "A a",
          "a b a\n",
          "  leading and trailing  ",
          "crlf\r\nline\r\n",
          "a\u00a0b a\u2007b a\u202fb a\u3000b a\u2028b a\u2060b",
          "\u4e2d\u6587 \u65e5\u672c \u4e2d\u6587",
          "e\u0301 E\u0301",
          "\ud83d\ude00 emoji \ud83d\ude00",
          "word\u0000word Word\u0000WORD",
          "\u0001\u0002 \u0001a\u0002",
          "Caf\u00e9 CAF\u00c9 na\u00efve",
          "\u0130stanbul \u03a3\u039f\u03a6\u039f\u03a3 \ud801\udc00\ud801\udc28"
        }) {
      inputs.add(utf8(s));
    }
    for (byte[] p : pieces) {
      inputs.add(p);
      inputs.add(concat(new byte[] {'a'}, p, new byte[] {'b'}));
      inputs.add(concat(p, new byte[] {' '}, p, new byte[] {'A'}, p));
    }
    return inputs;
  }

  private static WordTally split(WcLocale locale, byte[] data, int... cuts) {
    List<WordTally> ranges = new ArrayList<>();
    int start = 0;
    int[] ends = Arrays.copyOf(cuts, cuts.length + 1);
    ends[cuts.length] = data.length;
    for (int end : ends) {
      end = Math.min(end, data.length);
      WordTallyScanner scanner = new WordTallyScanner(locale);
      scanner.context(Arrays.copyOfRange(data, Math.max(0, start - 5), start));
      scanner.feed(data, start, end - start);
      ranges.add(scanner.finish(Arrays.copyOfRange(data, end, Math.min(data.length, end + 5))));
      start = end;
    }
    return WordTally.merge(ranges);
  }

  private static WordTally splitEvenly(WcLocale locale, byte[] data, int ranges) {
    int[] cuts = new int[ranges - 1];
    for (int i = 0; i < cuts.length; i++) {
      cuts[i] = (int) ((long) data.length * (i + 1) / ranges) + (i % 4);
    }
    return split(locale, data, cuts);
  }

  private static WordTally fedInPieces(WcLocale locale, byte[] data, int piece) {
    WordTallyScanner scanner = new WordTallyScanner(locale);
    for (int i = 0; i < data.length; i += piece) {
      scanner.feed(data, i, Math.min(piece, data.length - i));
    }
    return scanner.finish(new byte[0]);
  }

  private static void assertTally(
      WordTally expected, WordTally actual, WcLocale locale, byte[] input, String how) {
    assertEquals(
        expected.wholeFileCounts(), actual.wholeFileCounts(), describe(locale, input, how));
    assertEquals(expected.top(3), actual.top(3), describe(locale, input, how + ", top 3"));
  }

  private static String describe(WcLocale locale, byte[] input, String how) {
    return locale
        + " of "
        + HexFormat.of().formatHex(input.length > 64 ? Arrays.copyOf(input, 64) : input)
        + " ("
        + how
        + ")";
  }

  /**
   * The tally straight from the definition, for valid UTF-8 (C: any input): split at separators,
   * keep the runs with a word character, fold. Classes by binary search over glibc's ranges.
   */
  private static java.util.Optional<Map<Word, Long>> reference(WcLocale locale, byte[] input) {
    Map<Word, Long> words = new HashMap<>();
    ByteArrayOutputStream run = new ByteArrayOutputStream();
    boolean[] hasWord = {false};
    Runnable end =
        () -> {
          if (hasWord[0]) {
            words.merge(Word.of(run.toByteArray()), 1L, Long::sum);
          }
          run.reset();
          hasWord[0] = false;
        };
    if (locale == WcLocale.C) {
      for (byte b : input) {
        if (" \t\n\u000b\f\r".indexOf(b) >= 0) {
          end.run();
        } else {
          hasWord[0] |= b >= 0x21 && b <= 0x7e;
          run.write(b >= 'A' && b <= 'Z' ? b + 32 : b);
        }
      }
    } else {
      String text;
      try {
        text =
            StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(input))
                .toString();
      } catch (CharacterCodingException e) {
        return java.util.Optional.empty(); // invalid UTF-8: wc's total and the splits decide
      }
      text.codePoints()
          .forEach(
              cp -> {
                if (cp == '\n' || in(Utf8WordClasses.SEPARATORS, cp)) {
                  end.run();
                } else {
                  hasWord[0] |= in(Utf8WordClasses.WORD_CHARACTERS, cp);
                  run.writeBytes(
                      Character.toString(Character.toLowerCase(cp))
                          .getBytes(StandardCharsets.UTF_8));
                }
              });
    }
    end.run();
    return java.util.Optional.of(words);
  }

  private static boolean in(int[] ranges, int cp) {
    int lo = 0;
    int hi = ranges.length / 2 - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (cp < ranges[2 * mid]) {
        hi = mid - 1;
      } else if (cp > ranges[2 * mid + 1]) {
        lo = mid + 1;
      } else {
        return true;
      }
    }
    return false;
  }

  /** What GNU wc -w prints for {@code input} in {@code locale}. */
  private static long wcWords(WcLocale locale, byte[] input)
      throws IOException, InterruptedException {
    return GnuWc.words(input, GnuWc.lcAll(locale == WcLocale.C));
  }

  /** The counts {@code uniq -c} prints at the end of a shell pipeline run with LC_ALL=C. */
  private static Map<Word, Long> uniqCounts(String pipeline)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", pipeline);
    pb.environment().put("LC_ALL", "C");
    pb.redirectError(ProcessBuilder.Redirect.INHERIT);
    Process p = pb.start();
    p.getOutputStream().close();
    byte[] out;
    try (InputStream o = p.getInputStream()) {
      out = o.readAllBytes();
    }
    assertEquals(0, p.waitFor(), "the pipeline failed: " + pipeline);
    Map<Word, Long> counts = new HashMap<>();
    int i = 0;
    while (i < out.length) {
      while (out[i] == ' ') {
        i++;
      }
      long count = 0;
      while (out[i] >= '0' && out[i] <= '9') {
        count = count * 10 + (out[i++] - '0');
      }
      i++; // the space after the count
      int start = i;
      while (out[i] != '\n') {
        i++;
      }
      counts.put(Word.of(Arrays.copyOfRange(out, start, i)), count);
      i++;
    }
    assertNotEquals(0, counts.size(), "the pipeline found no words");
    return counts;
  }

  /** Up to 4 MiB of licences and copyright files from this machine. */
  private static byte[] realText() throws IOException {
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    for (Path dir : List.of(Path.of("/usr/share/common-licenses"), Path.of("/usr/share/doc"))) {
      if (!Files.isDirectory(dir)) {
        continue;
      }
      try (Stream<Path> files = Files.walk(dir, 2)) {
        for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
          if (text.size() > 4 << 20) {
            break;
          }
          if (f.getFileName().toString().equals("copyright") || dir.endsWith("common-licenses")) {
            text.writeBytes(Files.readAllBytes(f));
          }
        }
      }
    }
    assumeTrue(text.size() > 100_000, "no real text on this machine");
    return text.toByteArray();
  }

  private static List<String> show(List<WordCount> top) {
    return top.stream().map(w -> w.word().text() + "=" + w.count()).toList();
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
