package io.spindle.web;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

/** GNU wc itself, to compare the node's counts with. */
final class Wc {
  private Wc() {}

  /** What {@code LC_ALL=locale wc -l -w -m -c FILE} prints: lines, words, chars, bytes. */
  static long[] count(java.nio.file.Path file, String locale)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder("/usr/bin/wc", "-l", "-w", "-m", "-c", file.toString());
    pb.environment().put("LC_ALL", locale);
    pb.redirectError(ProcessBuilder.Redirect.INHERIT);
    Process p = pb.start();
    p.getOutputStream().close();
    String out;
    try (InputStream o = p.getInputStream()) {
      out = new String(o.readAllBytes(), StandardCharsets.UTF_8).trim();
    }
    assertEquals(0, p.waitFor(), "wc failed");
    return Stream.of(out.split("\\s+")).limit(4).mapToLong(Long::parseLong).toArray();
  }

  /**
   * What {@code LC_ALL=locale wc -l -w -m -c} prints for {@code input}: lines, words, chars, bytes.
   */
  static long[] count(byte[] input, String locale) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder("/usr/bin/wc", "-l", "-w", "-m", "-c");
    pb.environment().put("LC_ALL", locale);
    pb.redirectError(ProcessBuilder.Redirect.INHERIT);
    Process p = pb.start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(input);
    }
    String out;
    try (InputStream o = p.getInputStream()) {
      out = new String(o.readAllBytes(), StandardCharsets.US_ASCII).trim();
    }
    assertEquals(0, p.waitFor(), "wc failed");
    return Stream.of(out.split("\\s+")).mapToLong(Long::parseLong).toArray();
  }
}
