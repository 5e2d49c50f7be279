package io.spindle.node.domain.count;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;

/**
 * How often each word occurs in one byte range, mergeable exactly with the tallies of the ranges
 * around it, like {@link RangeCounts}. A word is what {@link WcScanner} counts as one, in the same
 * locale: a maximal run of non-separator characters that holds at least one word character (neutral
 * bytes inside or at the edges of such a run belong to it, as they do not end a word in wc). Words
 * are case-folded: ASCII lower case in C; {@link Character#toLowerCase(int)} per character in
 * UTF-8, invalid bytes kept as they are.
 *
 * <p>A range cannot know whether the run at its start or at its end goes on in its neighbour, so it
 * keeps those two runs apart as {@link Edge}s (their folded bytes, bounded like every {@link Word})
 * and counts only the words between its first and its last separator. {@link #merge} joins the
 * trailing edge of one range with the leading edge of the next, so a word cut by a boundary counts
 * once, whole. A tally of a whole file (or the merge of all its ranges) treats its edges as the
 * file's first and last words ({@link #top}, {@link #words}).
 *
 * <p><b>Memory:</b> one map entry per distinct word (a word keeps at most {@value
 * Word#MAX_KEPT_BYTES} bytes). A tally is bounded twice: by {@code maxDistinct} distinct words
 * (default {@value #DEFAULT_MAX_DISTINCT}) and by {@code maxWeight}, the sum of its words' {@link
 * #weight}s (a range's default {@value #DEFAULT_MAX_WEIGHT}, a merged file's {@value
 * #DEFAULT_MAX_MERGED_WEIGHT}). A range's tally then takes at most about 21 MB of heap and a merged
 * one about 64 MB, whatever the size of the file. Beyond either bound a tally drops its words and
 * says it is not {@link #complete()}: its {@link #top} is then empty, while {@link RangeCounts}
 * stay exact. A word's weight is at least what its entry takes in a range's result on the queue, so
 * a range's tally within the default weight always fits in one message: whether it is complete does
 * not depend on which node counted it.
 *
 * <p>Immutable once built.
 */
public final class WordTally {
  public static final int DEFAULT_MAX_DISTINCT = 1 << 20;

  /** The weight a range's tally may reach: 8 MiB, what one range's result may carry. */
  public static final long DEFAULT_MAX_WEIGHT = 8L << 20;

  /** The weight a file's merged tally may reach. */
  public static final long DEFAULT_MAX_MERGED_WEIGHT = 24L << 20;

  /**
   * What one entry costs beyond its word's kept bytes: at least the rest of its encoding in a
   * message (the word's length and hash, the count, the framing, 43 bytes at most).
   */
  static final int ENTRY_WEIGHT = 48;

  /** The weight of one distinct word in a tally: its kept bytes and {@value #ENTRY_WEIGHT}. */
  public static long weight(Word word) {
    return (long) word.keptBytes().length + ENTRY_WEIGHT;
  }

  /**
   * The run of characters at an edge of a range, up to (not including) its first or after its last
   * separator: the start or end of a word that may go on in the next range, or neutral bytes only.
   *
   * @param hasWordCharacter whether the run holds a word character (and so is, or is part of, a
   *     word)
   */
  public record Edge(Word bytes, boolean hasWordCharacter) {
    static final Edge NONE = new Edge(Word.EMPTY, false);

    public Edge {
      Objects.requireNonNull(bytes, "bytes");
    }

    Edge join(Edge next) {
      return new Edge(Word.concat(bytes, next.bytes), hasWordCharacter || next.hasWordCharacter);
    }
  }

  /** The tally of a range whose words were not asked for: merges into a tally with no words. */
  public static final WordTally NONE = new WordTally(Map.of(), Edge.NONE, Optional.empty(), true);

  private static final Comparator<WordCount> MOST_FREQUENT_FIRST =
      Comparator.comparingLong(WordCount::count).reversed().thenComparing(WordCount::word);

  private final Map<Word, long[]> counts;
  private final Edge head;
  private final Optional<Edge> tail;
  private final boolean complete;

  private WordTally(Map<Word, long[]> counts, Edge head, Optional<Edge> tail, boolean complete) {
    this.counts = counts;
    this.head = head;
    this.tail = tail;
    this.complete = complete;
  }

  static WordTally of(Map<Word, long[]> counts, Edge head, Edge tailOrNull, boolean complete) {
    return new WordTally(
        complete ? counts : Map.of(), head, Optional.ofNullable(tailOrNull), complete);
  }

  /**
   * Rebuilds a tally from its parts (as sent between nodes).
   *
   * @param counts the words between the range's first and last separator
   * @param head the run before the first separator; the whole range if it has none
   * @param tail the run after the last separator; empty if the range has no separator
   */
  public static WordTally restore(
      Map<Word, Long> counts, Edge head, Optional<Edge> tail, boolean complete) {
    Map<Word, long[]> copy = new HashMap<>();
    counts.forEach((w, n) -> copy.put(w, new long[] {n}));
    return new WordTally(complete ? copy : Map.of(), head, tail, complete);
  }

  /** The tally of a whole byte array. */
  public static WordTally of(WcLocale locale, byte[] data) {
    WordTallyScanner scanner = new WordTallyScanner(locale);
    scanner.feed(data, 0, data.length);
    return scanner.finish(new byte[0]);
  }

  /** The tallies of consecutive ranges as one. */
  public static WordTally merge(List<WordTally> inOrder) {
    Merger merger = new Merger(DEFAULT_MAX_DISTINCT, DEFAULT_MAX_MERGED_WEIGHT);
    inOrder.forEach(merger::add);
    return merger.result();
  }

  /** The words between this range's first and last separator, with their counts; a copy. */
  public Map<Word, Long> counts() {
    Map<Word, Long> copy = new HashMap<>();
    counts.forEach((w, n) -> copy.put(w, n[0]));
    return copy;
  }

  public Edge head() {
    return head;
  }

  public Optional<Edge> tail() {
    return tail;
  }

  /** False if the tally outgrew its bound of distinct words and dropped them. */
  public boolean complete() {
    return complete;
  }

  /**
   * Every word with its count, reading this tally as a whole file (its edges are words when they
   * hold a word character); a new map.
   */
  public Map<Word, Long> wholeFileCounts() {
    Map<Word, Long> all = counts();
    edgeWords().forEach((w, n) -> all.merge(w, n, Long::sum));
    return all;
  }

  /** The number of words, reading this tally as a whole file; 0 when not {@link #complete()}. */
  public long words() {
    long total = 0;
    for (long[] n : counts.values()) {
      total += n[0];
    }
    for (long n : edgeWords().values()) {
      total += n;
    }
    return complete ? total : 0;
  }

  /**
   * The {@code n} most frequent words, reading this tally as a whole file: by count, ties by the
   * word's bytes ascending. Empty when not {@link #complete()}.
   */
  public List<WordCount> top(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("the number of top words must not be negative: " + n);
    }
    if (n == 0 || !complete) {
      return List.of();
    }
    Map<Word, Long> extra = edgeWords();
    PriorityQueue<WordCount> best = new PriorityQueue<>(MOST_FREQUENT_FIRST.reversed());
    for (Map.Entry<Word, long[]> e : counts.entrySet()) {
      Long more = extra.remove(e.getKey());
      offer(best, new WordCount(e.getKey(), e.getValue()[0] + (more == null ? 0 : more)), n);
    }
    extra.forEach((w, c) -> offer(best, new WordCount(w, c), n));
    List<WordCount> top = new ArrayList<>(best);
    top.sort(MOST_FREQUENT_FIRST);
    return top;
  }

  private static void offer(PriorityQueue<WordCount> best, WordCount candidate, int n) {
    if (best.size() < n) {
      best.add(candidate);
    } else if (MOST_FREQUENT_FIRST.compare(candidate, best.peek()) < 0) {
      best.poll();
      best.add(candidate);
    }
  }

  private Map<Word, Long> edgeWords() {
    Map<Word, Long> words = new HashMap<>();
    if (head.hasWordCharacter()) {
      words.put(head.bytes(), 1L);
    }
    tail.filter(Edge::hasWordCharacter).ifPresent(t -> words.merge(t.bytes(), 1L, Long::sum));
    return words;
  }

  @Override
  public String toString() {
    return "WordTally[distinct="
        + counts.size()
        + ", head="
        + head
        + ", tail="
        + tail
        + ", complete="
        + complete
        + "]";
  }

  /**
   * Merges the tallies of consecutive ranges as they come, in order, so that a range's tally can be
   * dropped once added. Not thread-safe.
   */
  public static final class Merger {
    private final int maxDistinct;
    private final long maxWeight;
    private Map<Word, long[]> counts = new HashMap<>();
    private long weight;
    private Edge head; // null until a range with a separator arrives
    private Edge open = Edge.NONE;
    private boolean complete = true;

    /** A merger bounded by {@code maxDistinct} words and {@link #DEFAULT_MAX_MERGED_WEIGHT}. */
    public Merger(int maxDistinct) {
      this(maxDistinct, DEFAULT_MAX_MERGED_WEIGHT);
    }

    public Merger(int maxDistinct, long maxWeight) {
      if (maxDistinct < 1 || maxWeight < 1) {
        throw new IllegalArgumentException("maxDistinct and maxWeight must be positive");
      }
      this.maxDistinct = maxDistinct;
      this.maxWeight = maxWeight;
    }

    /** Adds the tally of the range that follows the ones added so far. */
    public Merger add(WordTally next) {
      if (counts == null) {
        throw new IllegalStateException("the merger's result was taken already");
      }
      complete &= next.complete;
      if (complete) {
        for (Map.Entry<Word, long[]> e : next.counts.entrySet()) {
          count(e.getKey(), e.getValue()[0]);
        }
      }
      if (next.tail.isEmpty()) {
        open = open.join(next.head); // no separator: the run goes on
      } else {
        Edge joined = open.join(next.head);
        if (head == null) {
          head = joined;
        } else if (joined.hasWordCharacter()) {
          count(joined.bytes(), 1);
        }
        open = next.tail.get();
      }
      if (!complete) {
        counts.clear();
      }
      return this;
    }

    private void count(Word word, long n) {
      if (!complete) {
        return;
      }
      long[] c = counts.get(word);
      if (c != null) {
        c[0] += n;
        return;
      }
      long w = weight(word);
      if (counts.size() < maxDistinct && weight + w <= maxWeight) {
        counts.put(word, new long[] {n});
        weight += w;
      } else {
        complete = false;
        counts.clear(); // what it held is of no use any more: free it now
      }
    }

    /** The merged tally; ends this merger. */
    public WordTally result() {
      if (counts == null) {
        throw new IllegalStateException("the merger's result was taken already");
      }
      Map<Word, long[]> merged = counts;
      counts = null;
      return head == null ? of(merged, open, null, complete) : of(merged, head, open, complete);
    }
  }
}
