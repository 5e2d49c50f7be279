package io.spindle.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * GNU {@code wc} itself, the reference every count of Spindle is compared with. {@code lcAll} is
 * the {@code LC_ALL} it runs under: {@code "C"} or {@code "C.UTF-8"}. Each call runs one process; a
 * {@code wc} that fails throws with what it printed.
 */
public final class GnuWc {
  /** Where the tests expect GNU wc (coreutils). */
  public static final Path PATH = Path.of("/usr/bin/wc");

  private GnuWc() {}

  /** Whether GNU wc is there to compare with. */
  public static boolean available() {
    return Files.isExecutable(PATH);
  }

  /** The {@code LC_ALL} of a count in the C locale ({@code c}) or in UTF-8 (anything else). */
  public static String lcAll(boolean cLocale) {
    return cLocale ? "C" : "C.UTF-8";
  }

  /** What {@code LC_ALL=lcAll wc -l -w -m -c FILE} prints: lines, words, chars, bytes. */
  public static long[] count(Path file, String lcAll) throws IOException, InterruptedException {
    return numbers(run(lcAll, null, "-l", "-w", "-m", "-c", file.toString()), 4);
  }

  /**
   * What {@code LC_ALL=lcAll wc -l -w -m -c} prints for {@code input}: lines, words, chars, bytes.
   */
  public static long[] count(byte[] input, String lcAll) throws IOException, InterruptedException {
    return numbers(run(lcAll, input, "-l", "-w", "-m", "-c"), 4);
  }

  /** What {@code LC_ALL=lcAll wc -w} prints for {@code input}. */
  public static long words(byte[] input, String lcAll) throws IOException, InterruptedException {
    return numbers(run(lcAll, input, "-w"), 1)[0];
  }

  private static String run(String lcAll, byte[] input, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(PATH.toString());
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
    pb.environment().put("LC_ALL", lcAll);
    Process p = pb.start();
    try (OutputStream in = p.getOutputStream()) {
      if (input != null) {
        in.write(input);
      }
    }
    String out;
    try (InputStream o = p.getInputStream()) {
      out = new String(o.readAllBytes(), StandardCharsets.UTF_8).trim();
    }
    int exit = p.waitFor();
    if (exit != 0) {
      throw new IllegalStateException(PATH + " " + String.join(" ", args) + " exited " + exit);
    }
    return out;
  }

  private static long[] numbers(String out, int count) {
    return Stream.of(out.split("\\s+")).limit(count).mapToLong(Long::parseLong).toArray();
  }
}
