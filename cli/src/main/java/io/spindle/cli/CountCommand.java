package io.spindle.cli;

import io.spindle.protocol.queue.Count;
import io.spindle.protocol.queue.CountResult;
import io.spindle.protocol.queue.CountedRange;
import io.spindle.protocol.queue.QueueProtocol;
import io.spindle.protocol.queue.Request;
import io.spindle.protocol.queue.WordCount;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(
    name = "count",
    description =
        "Count lines, words, characters and bytes of a stored file exactly as GNU wc does (printed"
            + " in the order of wc -lwmc, under a header), and its most frequent words.")
final class CountCommand implements Callable<Integer> {
  @ParentCommand SpindleCli cli;

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "NAME")
  String name;

  @Option(
      names = "--top",
      paramLabel = "N",
      description = "also the N most frequent words (0 to 1000)")
  int top;

  @Option(names = "--stale", description = "any node's copy as it is")
  boolean stale;

  @Option(
      names = "--locale",
      paramLabel = "c|utf8",
      description = "count as LC_ALL=C or as a UTF-8 locale does (default ${DEFAULT-VALUE})")
  String locale = "utf8";

  /**
   * The counts for a human: a header, then lines, words, characters and bytes in the order {@code
   * wc -lwmc} prints them and the name, so the line can be held against wc's at a glance. Columns
   * are 8 wide, wider when a number needs it, the header aligned with them.
   */
  static String countsTable(CountResult c, String name) {
    long[] numbers = {c.getLines(), c.getWords(), c.getChars(), c.getBytes()};
    int width = 8;
    for (long n : numbers) {
      width = Math.max(width, Long.toString(n).length());
    }
    String row = "%" + width + "s %" + width + "s %" + width + "s %" + width + "s %s";
    return String.format(
        row + "%n" + row,
        "lines",
        "words",
        "chars",
        "bytes",
        "name",
        numbers[0],
        numbers[1],
        numbers[2],
        numbers[3],
        name);
  }

  @Override
  public Integer call() {
    if (top < 0 || top > QueueProtocol.MAX_TOP_WORDS) {
      throw new ParameterException(
          spec.commandLine(),
          "--top takes 0 to " + QueueProtocol.MAX_TOP_WORDS + " words, not " + top);
    }
    CountResult c;
    try (ClusterClient cluster = cli.cluster()) {
      c =
          cluster
              .call(
                  Request.newBuilder()
                      .setRequestId(ClusterClient.newRequestId())
                      .setCount(
                          Count.newBuilder()
                              .setName(name)
                              .setTopWords(top)
                              .setStale(stale)
                              .setLocale(locale))
                      .build(),
                  "count " + name)
              .getCount();
    }
    List<Object> words = new ArrayList<>();
    StringBuilder human = new StringBuilder(countsTable(c, name));
    for (WordCount w : c.getTopWordsList()) {
      String word = w.getWord().toString(StandardCharsets.UTF_8);
      words.add(Json.object("word", word, "count", w.getCount()));
      human.append(String.format("%n%8d %s", w.getCount(), word));
    }
    if (top > 0 && !c.getTopComplete()) {
      human.append(
          String.format(
              "%n(no top words: '%s' has more distinct words than a count ranks; the counts above"
                  + " are exact)",
              name));
    }
    List<Object> ranges = new ArrayList<>();
    for (CountedRange r : c.getRangesList()) {
      ranges.add(
          Json.object(
              "node", r.getNodeId(),
              "start", r.getStart(),
              "end", r.getEnd(),
              "millis", r.getMillis()));
    }
    cli.print(
        Json.object(
            "name", name,
            "locale", c.getLocale(),
            "lines", c.getLines(),
            "words", c.getWords(),
            "bytes", c.getBytes(),
            "chars", c.getChars(),
            "top", words,
            "topComplete", c.getTopComplete(),
            "ranges", ranges,
            "cached", c.getCached()),
        human.toString());
    return ExitCode.OK;
  }
}
