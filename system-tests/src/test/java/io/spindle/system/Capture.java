package io.spindle.system;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A packet capture of loopback TCP traffic on some ports, with tcpdump (tools/install-capture.sh
 * installs it): started before the traffic, stopped after it, then searched for bytes. Bounded: it
 * stops by itself after a packet count and when closed.
 */
final class Capture implements AutoCloseable {
  private static final Duration READY = Duration.ofSeconds(20);
  private static final int MAX_PACKETS = 2_000_000;

  private final Process process;
  private final Path pcap;
  private final Path log;

  private Capture(Process process, Path pcap, Path log) {
    this.process = process;
    this.pcap = pcap;
    this.log = log;
  }

  /** Captures TCP on {@code lo} to or from any of {@code ports} into {@code pcap}. */
  static Capture start(Path pcap, List<Integer> ports) throws IOException, InterruptedException {
    String filter =
        "tcp and ("
            + ports.stream().map(p -> "port " + p).collect(Collectors.joining(" or "))
            + ")";
    Path log = pcap.resolveSibling(pcap.getFileName() + ".log");
    List<String> command =
        new ArrayList<>(
            List.of(
                "tcpdump",
                "-i",
                "lo",
                "-n",
                "-U",
                // A 64 MiB kernel buffer (the default is 2 MiB): loopback packets are up to 64 KiB,
                // and a busy machine's tcpdump falls behind a fast download, whose packets the
                // kernel then drops (152 of 338 in one run), so the capture missed bytes it was
                // meant to show.
                "-B",
                "65536",
                "-s",
                "0",
                "-c",
                Integer.toString(MAX_PACKETS),
                "-w",
                pcap.toString(),
                filter));
    Process p =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    Capture c = new Capture(p, pcap, log);
    Instant deadline = Instant.now().plus(READY);
    while (!c.log().contains("listening on")) {
      if (!p.isAlive() || Instant.now().isAfter(deadline)) {
        c.close();
        throw new IOException("tcpdump did not start capturing: " + c.log());
      }
      p.waitFor(20, TimeUnit.MILLISECONDS); // polls the condition with a deadline
    }
    return c;
  }

  private String log() throws IOException {
    return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
  }

  /** Stops capturing (tcpdump writes out what it has) and returns the capture's bytes. */
  byte[] stop() throws IOException, InterruptedException {
    close();
    return Files.readAllBytes(pcap);
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy(); // SIGTERM: tcpdump flushes and exits
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(15, TimeUnit.SECONDS);
      }
    }
  }

  /** How many of {@code needles} occur somewhere in {@code haystack}. */
  static int found(byte[] haystack, List<byte[]> needles) {
    int count = 0;
    for (byte[] needle : needles) {
      if (indexOf(haystack, needle) >= 0) {
        count++;
      }
    }
    return count;
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      if (haystack[i] != needle[0]) {
        continue;
      }
      for (int j = 1; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
