package io.spindle.node.infrastructure.queue;

import com.google.protobuf.ByteString;
import io.spindle.node.application.RangeResult;
import io.spindle.node.application.RangeTask;
import io.spindle.node.domain.FileName;
import io.spindle.node.domain.count.RangeCounts;
import io.spindle.node.domain.count.WcLocale;
import io.spindle.node.domain.count.Word;
import io.spindle.node.domain.count.WordTally;
import io.spindle.protocol.queue.CountRangeJob;
import io.spindle.protocol.queue.CountRangeResult;
import io.spindle.protocol.queue.FirstClass;
import io.spindle.protocol.queue.RangeTotals;
import io.spindle.protocol.queue.TallyEdge;
import io.spindle.protocol.queue.TallyEntry;
import io.spindle.protocol.queue.TallyWord;
import io.spindle.protocol.queue.WordTallyPart;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The one mapper between a count's range records ({@link RangeTask}, {@link RangeResult}) and their
 * messages on the queue ({@link CountRangeJob}, {@link CountRangeResult}). A result carries exactly
 * what the merge needs: the range's counts with its first decisive character and whether it ends in
 * a word, and its word tally with the two edge runs.
 *
 * <p>A range's tally within {@link WordTally#DEFAULT_MAX_WEIGHT} always fits in {@link
 * #MAX_TALLY_BYTES} (a word's weight is at least its entry's size here), so a tally is sent as it
 * was counted. Should one still be larger serialized, it is sent as not complete, without its
 * words: the counts stay exact, the count's top words are then empty, as for a tally over its
 * bounds.
 */
public final class CountRangeMessages {
  /** Well inside the queue server's 16 MiB frames. */
  public static final int MAX_TALLY_BYTES = 8 << 20;

  private static final HexFormat HEX = HexFormat.of();

  private CountRangeMessages() {}

  /** The locale as the queue protocol names it. */
  public static String localeName(WcLocale locale) {
    return locale == WcLocale.C ? "c" : "utf8";
  }

  /**
   * The locale a request names: "utf8" (also empty, "utf-8", "c.utf-8") or "c" ("posix").
   *
   * @throws IllegalArgumentException for any other
   */
  public static WcLocale locale(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "", "utf8", "utf-8", "c.utf-8" -> WcLocale.UTF8;
      case "c", "posix" -> WcLocale.C;
      default -> throw new IllegalArgumentException("unknown locale '" + name + "': use utf8 or c");
    };
  }

  public static CountRangeJob toJob(RangeTask task, int maxDistinctWords) {
    return CountRangeJob.newBuilder()
        .setName(task.name().value())
        .setSha256(ByteString.copyFrom(HEX.parseHex(task.sha256())))
        .setFileSize(task.fileSize())
        .setIndex(task.index())
        .setStart(task.start())
        .setEnd(task.end())
        .setLocale(localeName(task.locale()))
        .setTallyWords(task.tallyWords())
        .setMaxDistinctWords(maxDistinctWords)
        .build();
  }

  /**
   * @throws IllegalArgumentException for a bad name, locale or range (the job is answered
   *     INVALID_ARGUMENT)
   */
  public static RangeTask fromJob(CountRangeJob job) {
    if (job.getSha256().size() != 32) {
      throw new IllegalArgumentException("a range task names its content by a 32-byte SHA-256");
    }
    return new RangeTask(
        FileName.of(job.getName()),
        HEX.formatHex(job.getSha256().toByteArray()),
        job.getFileSize(),
        locale(job.getLocale()),
        job.getIndex(),
        job.getStart(),
        job.getEnd(),
        job.getTallyWords());
  }

  public static CountRangeResult toResult(RangeResult result) {
    RangeTask task = result.task();
    RangeCounts c = result.counts();
    CountRangeResult.Builder b =
        CountRangeResult.newBuilder()
            .setIndex(task.index())
            .setStart(task.start())
            .setEnd(task.end())
            .setMillis(result.elapsed().toMillis())
            .setCounts(
                RangeTotals.newBuilder()
                    .setLines(c.lines())
                    .setWords(c.words())
                    .setBytes(c.bytes())
                    .setChars(c.chars())
                    .setFirst(first(c.first()))
                    .setEndsInWord(c.endsInWord()));
    if (task.tallyWords()) {
      b.setTally(tally(result.tally()));
    }
    return b.build();
  }

  /**
   * The result of {@code task} as {@code node} sent it.
   *
   * @throws IllegalArgumentException if it is not the result of that task
   */
  public static RangeResult fromResult(RangeTask task, String node, CountRangeResult r) {
    if (r.getIndex() != task.index() || r.getStart() != task.start() || r.getEnd() != task.end()) {
      throw new IllegalArgumentException(
          "node "
              + node
              + " answered range "
              + r.getIndex()
              + " ["
              + r.getStart()
              + ", "
              + r.getEnd()
              + ") for range "
              + task.index()
              + " ["
              + task.start()
              + ", "
              + task.end()
              + ")");
    }
    RangeTotals t = r.getCounts();
    RangeCounts counts =
        new RangeCounts(
            t.getLines(),
            t.getWords(),
            t.getBytes(),
            t.getChars(),
            first(t.getFirst()),
            t.getEndsInWord());
    WordTally tally = r.hasTally() ? tally(r.getTally()) : WordTally.NONE;
    return new RangeResult(task, node, counts, tally, Duration.ofMillis(r.getMillis()));
  }

  // ---------------------------------------------------------------- parts

  private static FirstClass first(RangeCounts.First first) {
    return switch (first) {
      case NONE -> FirstClass.FIRST_NONE;
      case SEPARATOR -> FirstClass.FIRST_SEPARATOR;
      case WORD -> FirstClass.FIRST_WORD;
    };
  }

  private static RangeCounts.First first(FirstClass first) {
    return switch (first) {
      case FIRST_SEPARATOR -> RangeCounts.First.SEPARATOR;
      case FIRST_WORD -> RangeCounts.First.WORD;
      default -> RangeCounts.First.NONE;
    };
  }

  static WordTallyPart tally(WordTally tally) {
    WordTallyPart.Builder b = WordTallyPart.newBuilder().setHead(edge(tally.head()));
    tally.tail().ifPresent(t -> b.setTail(edge(t)));
    boolean complete = tally.complete();
    if (complete) {
      long bytes = 0;
      for (Map.Entry<Word, Long> e : tally.counts().entrySet()) {
        TallyEntry entry =
            TallyEntry.newBuilder().setWord(word(e.getKey())).setCount(e.getValue()).build();
        bytes += entry.getSerializedSize() + 3;
        if (bytes > MAX_TALLY_BYTES) {
          complete = false;
          b.clearWords();
          break;
        }
        b.addWords(entry);
      }
    }
    return b.setComplete(complete).build();
  }

  static WordTally tally(WordTallyPart part) {
    Map<Word, Long> counts = new HashMap<>();
    for (TallyEntry e : part.getWordsList()) {
      counts.merge(word(e.getWord()), e.getCount(), Long::sum);
    }
    Optional<WordTally.Edge> tail =
        part.hasTail() ? Optional.of(edge(part.getTail())) : Optional.empty();
    return WordTally.restore(counts, edge(part.getHead()), tail, part.getComplete());
  }

  private static TallyEdge edge(WordTally.Edge edge) {
    return TallyEdge.newBuilder()
        .setWord(word(edge.bytes()))
        .setHasWordCharacter(edge.hasWordCharacter())
        .build();
  }

  private static WordTally.Edge edge(TallyEdge edge) {
    return new WordTally.Edge(word(edge.getWord()), edge.getHasWordCharacter());
  }

  private static TallyWord word(Word w) {
    return TallyWord.newBuilder()
        .setKept(ByteString.copyFrom(w.keptBytes()))
        .setLength(w.length())
        .setHash(w.hash())
        .build();
  }

  private static Word word(TallyWord w) {
    return Word.restore(w.getKept().toByteArray(), w.getLength(), w.getHash());
  }
}
