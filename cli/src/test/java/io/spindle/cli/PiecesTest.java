package io.spindle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The small parts: URLs, JSON (server addresses: queue-client's QueueConnectionTest). */
class PiecesTest {
  @Test
  void eachNameSegmentIsPercentEncoded() {
    assertEquals(
        "http://n:3000/api/files/docs/a%20b%3F%23%25%2B%C3%BC.txt?chunk=7&sha256=ab01",
        Downloader.chunkUri("http://n:3000/", "docs/a b?#%+ü.txt", 7, "ab01").toString());
  }

  @Test
  void aProgressBarShowsBytesRateAndEndsItsLine() {
    java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
    java.io.PrintStream err =
        new java.io.PrintStream(buf, true, java.nio.charset.StandardCharsets.UTF_8);
    Progress p = Progress.start("upload ", 4 << 20, err, true);
    p.add(1 << 20);
    p.add(3 << 20);
    p.finish();
    String drawn = buf.toString(java.nio.charset.StandardCharsets.UTF_8);
    org.junit.jupiter.api.Assertions.assertTrue(drawn.startsWith("\rupload  ["), drawn);
    org.junit.jupiter.api.Assertions.assertTrue(drawn.contains("100%  4.0 MiB / 4.0 MiB"), drawn);
    org.junit.jupiter.api.Assertions.assertTrue(drawn.endsWith(System.lineSeparator()), drawn);

    java.io.ByteArrayOutputStream none = new java.io.ByteArrayOutputStream();
    Progress off = Progress.start("x", 10, new java.io.PrintStream(none), false);
    off.add(10);
    off.finish();
    assertEquals(0, none.size(), "nothing when not on a terminal");
  }

  @Test
  void jsonEscapesWhatItMust() {
    assertEquals(
        "{\"a\":\"q\\\"\\\\\\n\\u0001\",\"n\":[1,true,null]}",
        Json.write(Json.object("a", "q\"\\\n\u0001", "n", java.util.Arrays.asList(1, true, null))));
  }
}
