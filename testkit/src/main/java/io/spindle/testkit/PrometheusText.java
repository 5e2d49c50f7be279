package io.spindle.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A scrape checked by Prometheus's own parsers, not ours: {@link #parse} and {@link
 * #parseOpenMetrics} run the official Python client's parsers ({@code prometheus_client}, Debian's
 * {@code python3-prometheus-client}, under {@code /usr/bin/python3}), and {@link #lint} runs {@code
 * promtool check metrics} (Debian's {@code prometheus} package unpacked by {@code
 * tools/install-prometheus-tools.sh}), which also checks the naming conventions. The build installs
 * both before the tests that use this.
 */
public final class PrometheusText {
  private static final String PYTHON = "/usr/bin/python3";
  // Families and samples as tab-separated lines; labels joined by \u001f.
  private static final String PARSER =
      String.join(
          "\n",
          "import sys",
          "if sys.argv[1] == 'openmetrics':",
          "    from prometheus_client.openmetrics.parser import text_string_to_metric_families",
          "else:",
          "    from prometheus_client.parser import text_string_to_metric_families",
          "for f in text_string_to_metric_families(sys.stdin.read()):",
          "    print('F\\t%s\\t%s' % (f.name, f.type))",
          "    for s in f.samples:",
          "        labels = '\\x1f'.join('%s=%s' % (k, v) for k, v in sorted(s.labels.items()))",
          "        print('S\\t%s\\t%s\\t%r' % (s.name, labels, float(s.value)))");

  /** One sample: its full name (with {@code _bucket}, {@code _total}...), labels and value. */
  public record Sample(String name, Map<String, String> labels, double value) {}

  /** A metric family as the parser saw it: its name, type and samples. */
  public record Family(String name, String type, List<Sample> samples) {
    /** The samples named {@code name} whose labels include all of {@code labels}. */
    public List<Sample> samples(String name, Map<String, String> labels) {
      return samples.stream()
          .filter(s -> s.name().equals(name))
          .filter(s -> s.labels().entrySet().containsAll(labels.entrySet()))
          .toList();
    }
  }

  private PrometheusText() {}

  /** Parses Prometheus text format 0.0.4; the parser's error if it does not parse. */
  public static Map<String, Family> parse(String text) {
    return families(run(List.of(PYTHON, "-c", PARSER, "prometheus"), text, "the Python parser"));
  }

  /** Parses OpenMetrics 1.0 text (strict: {@code # EOF}, units, counters' {@code _total}). */
  public static Map<String, Family> parseOpenMetrics(String text) {
    return families(
        run(List.of(PYTHON, "-c", PARSER, "openmetrics"), text, "the OpenMetrics parser"));
  }

  /**
   * Runs {@code promtool check metrics} on {@code text}: it parses it and lints names, types and
   * help texts.
   *
   * @throws AssertionError with promtool's output if it finds a problem
   */
  public static void lint(String text) {
    run(List.of(promtool().toString(), "check", "metrics"), text, "promtool check metrics");
  }

  /** Where tools/install-prometheus-tools.sh unpacks promtool. */
  public static Path promtool() {
    String cache = System.getenv("SPINDLE_TOOLS_CACHE");
    Path dir =
        cache != null && !cache.isEmpty()
            ? Path.of(cache)
            : Path.of(System.getProperty("user.home"), ".cache", "spindle");
    Path promtool = dir.resolve("prometheus/usr/bin/promtool");
    if (!Files.isExecutable(promtool)) {
      throw new AssertionError(
          "no promtool at "
              + promtool
              + ": run tools/install-prometheus-tools.sh (the build does)");
    }
    return promtool;
  }

  private static Map<String, Family> families(String parsed) {
    Map<String, Family> families = new LinkedHashMap<>();
    Family current = null;
    for (String line : parsed.split("\n")) {
      if (line.isEmpty()) {
        continue;
      }
      String[] f = line.split("\t", -1);
      if (f[0].equals("F")) {
        current = new Family(f[1], f[2], new ArrayList<>());
        families.put(f[1], current);
      } else if (current != null) {
        Map<String, String> labels = new LinkedHashMap<>();
        for (String kv : f[2].isEmpty() ? new String[0] : f[2].split("\u001f")) {
          int eq = kv.indexOf('=');
          labels.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        current.samples().add(new Sample(f[1], labels, parseDouble(f[3])));
      }
    }
    return families;
  }

  private static double parseDouble(String repr) {
    return switch (repr) {
      case "inf" -> Double.POSITIVE_INFINITY;
      case "-inf" -> Double.NEGATIVE_INFINITY;
      case "nan" -> Double.NaN;
      default -> Double.parseDouble(repr);
    };
  }

  /** Runs {@code command} with {@code input} on stdin; its stdout, or an AssertionError. */
  private static String run(List<String> command, String input, String what) {
    Process p;
    try {
      p = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new AssertionError(
          "cannot run "
              + what
              + " ("
              + command.get(0)
              + "): "
              + e.getMessage()
              + "; run tools/install-prometheus-tools.sh (the build does)",
          e);
    }
    try {
      CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> readAll(p));
      try (OutputStream stdin = p.getOutputStream()) {
        stdin.write(input.getBytes(StandardCharsets.UTF_8));
      }
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        throw new AssertionError(what + " did not finish within 60 s");
      }
      String out = output.get(10, TimeUnit.SECONDS);
      if (p.exitValue() != 0) {
        throw new AssertionError(
            what
                + " rejected the scrape (exit "
                + p.exitValue()
                + "):\n"
                + out
                + "\n---\n"
                + input);
      }
      return out;
    } catch (IOException
        | InterruptedException
        | java.util.concurrent.ExecutionException
        | java.util.concurrent.TimeoutException e) {
      throw new AssertionError(what + " failed: " + e, e);
    } finally {
      p.destroyForcibly();
    }
  }

  private static String readAll(Process p) {
    try (InputStream in = p.getInputStream()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(cannot read the output: " + e + ")";
    }
  }
}
