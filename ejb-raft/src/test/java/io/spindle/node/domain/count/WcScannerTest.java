package io.spindle.node.domain.count;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.spindle.testkit.GnuWc;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The counter against GNU wc itself, run on the same bytes: every tricky input the issue names,
 * split at every point (and twice for short ones), fed in pieces of every size, random mixtures of
 * the tricky pieces, and real text from this machine. Both locales.
 */
class WcScannerTest {

  /** Pieces that trip counters: spaces, no-break spaces, controls, invalid and cut UTF-8. */
  private static final String[] PIECES_HEX = {
    "61",
    "62",
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
    "f580"
  };

  private static byte[][] pieces;

  @BeforeAll
  static void needsGnuWc() {
    assertTrue(GnuWc.available(), "GNU wc (coreutils) is needed to compare with");
    pieces = Stream.of(PIECES_HEX).map(HexFormat.of()::parseHex).toArray(byte[][]::new);
  }

  private static List<byte[]> trickyInputs() {
    List<byte[]> inputs = new ArrayList<>();
    for (String s :
        new String[] {
          "",
          " ",
          "   \n  ",
          "a",
          "a b",
          "a\nb\n",
          "no trailing newline",
          "crlf\r\nline\r\n",
          "tab\tseparated\twords",
          "  leading and trailing  ",
          "a\u00a0b",
          "a\u2007b",
          "a\u202fb",
          "a\u3000b",
          "a\u2028b",
          "a\u2060b",
          "a\u2003b",
          "\u4e2d\u6587 \u65e5\u672c",
          "e\u0301",
          "\ud83d\ude00 emoji",
          "word\u0000word",
          "\u0001\u0002",
          "caf\u00e9 na\u00efve"
        }) {
      inputs.add(s.getBytes(StandardCharsets.UTF_8));
    }
    for (byte[] p : pieces) {
      inputs.add(p);
      inputs.add(concat(new byte[] {'a'}, p, new byte[] {'b'}));
      inputs.add(concat(p, new byte[] {' '}, p));
    }
    return inputs;
  }

  @Test
  void everyTrickyInputSplitAtEveryPointCountsAsWc() throws Exception {
    for (byte[] input : trickyInputs()) {
      for (WcLocale locale : WcLocale.values()) {
        long[] expected = wc(locale, input);
        assertCounts(expected, RangeCounts.of(locale, input), locale, input, "whole");
        for (int cut = 0; cut <= input.length; cut++) {
          assertCounts(expected, split(locale, input, cut), locale, input, "cut at " + cut);
          for (int second = cut; second <= input.length && input.length <= 24; second++) {
            assertCounts(
                expected,
                split(locale, input, cut, second),
                locale,
                input,
                "cuts at " + cut + ", " + second);
          }
        }
        for (int piece = 1; piece <= 5; piece++) {
          assertCounts(
              expected, fedInPieces(locale, input, piece), locale, input, "fed by " + piece);
        }
      }
    }
  }

  @Test
  void randomMixturesOfTrickyPiecesCountAsWc() throws Exception {
    Random random = new Random(20261121);
    for (int round = 0; round < 300; round++) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      int n = random.nextInt(60);
      for (int i = 0; i < n; i++) {
        out.writeBytes(pieces[random.nextInt(pieces.length)]);
      }
      byte[] input = out.toByteArray();
      for (WcLocale locale : WcLocale.values()) {
        long[] expected = wc(locale, input);
        int a = input.length == 0 ? 0 : random.nextInt(input.length + 1);
        int b = a + (input.length - a == 0 ? 0 : random.nextInt(input.length - a + 1));
        assertCounts(expected, split(locale, input, a, b), locale, input, "cuts " + a + ", " + b);
        assertCounts(
            expected,
            fedInPieces(locale, input, 1 + random.nextInt(7)),
            locale,
            input,
            "fed in pieces");
      }
    }
  }

  @Test
  void realTextCountsAsWcInManyRanges() throws Exception {
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
          String name = f.getFileName().toString();
          if (name.equals("copyright") || dir.endsWith("common-licenses")) {
            text.writeBytes(Files.readAllBytes(f));
          }
        }
      }
    }
    byte[] input = text.toByteArray();
    assumeTrue(input.length > 100_000, "no real text on this machine");
    for (WcLocale locale : WcLocale.values()) {
      long[] expected = wc(locale, input);
      int[] cuts = new int[37];
      for (int i = 0; i < cuts.length; i++) {
        cuts[i] = (int) ((long) input.length * (i + 1) / (cuts.length + 1)) + (i % 4);
      }
      assertCounts(expected, split(locale, input, cuts), locale, new byte[0], "37 ranges");
    }
  }

  // ---------------------------------------------------------------- helpers

  private static RangeCounts split(WcLocale locale, byte[] data, int... cuts) {
    List<RangeCounts> ranges = new ArrayList<>();
    int start = 0;
    int[] ends = Arrays.copyOf(cuts, cuts.length + 1);
    ends[cuts.length] = data.length;
    for (int end : ends) {
      end = Math.min(end, data.length);
      WcScanner scanner = new WcScanner(locale);
      scanner.context(Arrays.copyOfRange(data, Math.max(0, start - 5), start));
      scanner.feed(data, start, end - start);
      ranges.add(scanner.finish(Arrays.copyOfRange(data, end, Math.min(data.length, end + 5))));
      start = end;
    }
    return RangeCounts.merge(ranges);
  }

  private static RangeCounts fedInPieces(WcLocale locale, byte[] data, int piece) {
    WcScanner scanner = new WcScanner(locale);
    for (int i = 0; i < data.length; i += piece) {
      scanner.feed(data, i, Math.min(piece, data.length - i));
    }
    return scanner.finish(new byte[0]);
  }

  private static void assertCounts(
      long[] expected, RangeCounts actual, WcLocale locale, byte[] input, String how) {
    long[] got = {actual.lines(), actual.words(), actual.chars(), actual.bytes()};
    assertEquals(
        Arrays.toString(expected),
        Arrays.toString(got),
        "lines/words/chars/bytes in "
            + locale
            + " of "
            + HexFormat.of().formatHex(input.length > 64 ? Arrays.copyOf(input, 64) : input)
            + " ("
            + how
            + ")");
  }

  /** What GNU wc -l -w -m -c prints for {@code input} in {@code locale}. */
  private static long[] wc(WcLocale locale, byte[] input) throws IOException, InterruptedException {
    return GnuWc.count(input, GnuWc.lcAll(locale == WcLocale.C));
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
