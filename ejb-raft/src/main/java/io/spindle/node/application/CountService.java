package io.spindle.node.application;

import io.spindle.node.domain.FileInfo;
import io.spindle.node.domain.FileName;
import io.spindle.node.domain.count.RangeCounts;
import io.spindle.node.domain.count.WcLocale;
import io.spindle.node.domain.count.WordTally;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * Counts a stored file as GNU {@code wc} counts it, with its most frequent words: a linearizable
 * read names the content (size, SHA-256), {@link #split} cuts it into ranges, a {@link
 * RangeCounter} counts each range (here or on other nodes), and the results are merged in file
 * order as they arrive ({@link RangeCounts#merge}, {@link WordTally.Merger}), so a word or a
 * character cut by a range boundary counts once.
 *
 * <p>Results are cached by content: the key is (SHA-256, locale, number of top words), so counting
 * the same content again (under any name) is a look-up. The cache is a bounded LRU of {@link
 * Settings#cacheEntries()} results, each a few KiB.
 *
 * <p><b>Threading:</b> thread-safe; {@link #count} blocks its caller until the count is done.
 * <b>Errors:</b> those of {@link FileService#stat} and {@link RangeCounter}; {@link
 * ClusterUnavailableException} when the ranges are not counted within {@link Settings#timeout()};
 * {@link IllegalArgumentException} for a {@code top} out of range.
 */
public final class CountService implements FileCounter {
  private static final Logger LOG = Logger.getLogger(CountService.class.getName());

  /** The most top words a count may ask for. */
  public static final int MAX_TOP = io.spindle.protocol.queue.QueueProtocol.MAX_TOP_WORDS;

  /**
   * @param rangeBytes the size of a range (the last one may be shorter)
   * @param rangesInFlight ranges handed to the counter before the first of them is merged
   * @param maxDistinctWords the bound of a word tally ({@link WordTally})
   * @param cacheEntries counts kept by content
   * @param timeout how long a whole count may take
   */
  public record Settings(
      long rangeBytes,
      int rangesInFlight,
      int maxDistinctWords,
      int cacheEntries,
      Duration timeout) {
    public static final long DEFAULT_RANGE_BYTES = 64L << 20;

    public Settings {
      if (rangeBytes < 1 || rangesInFlight < 1 || maxDistinctWords < 1 || cacheEntries < 0) {
        throw new IllegalArgumentException(
            "range size, ranges in flight and distinct words must be positive, cache entries not"
                + " negative");
      }
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("the count timeout must be positive");
      }
    }

    /** Ranges handed out before the first is merged: all of a 4 GiB file's, at the default. */
    public static final int DEFAULT_RANGES_IN_FLIGHT = 64;

    public static Settings defaults() {
      return new Settings(
          DEFAULT_RANGE_BYTES,
          DEFAULT_RANGES_IN_FLIGHT,
          WordTally.DEFAULT_MAX_DISTINCT,
          64,
          Duration.ofMinutes(10));
    }

    public Settings withRangeBytes(long bytes) {
      return new Settings(bytes, rangesInFlight, maxDistinctWords, cacheEntries, timeout);
    }

    public Settings withCacheEntries(int entries) {
      return new Settings(rangeBytes, rangesInFlight, maxDistinctWords, entries, timeout);
    }

    public Settings withRangesInFlight(int ranges) {
      return new Settings(rangeBytes, ranges, maxDistinctWords, cacheEntries, timeout);
    }
  }

  private record CacheKey(String sha256, WcLocale locale, int top) {}

  private final FileService files;
  private final RangeCounter counter;
  private final Settings settings;
  private final LongSupplier nanoTime;
  private final IntSupplier nodes;
  private final Map<CacheKey, CountResult> cache;

  /**
   * @param nodes how many nodes share the ranges out (the members of the cluster): a file larger
   *     than one range is cut into at least that many, a multiple of it, so each gets its part
   */
  public CountService(
      FileService files,
      RangeCounter counter,
      Settings settings,
      LongSupplier nanoTime,
      IntSupplier nodes) {
    this.files = Objects.requireNonNull(files, "files");
    this.nodes = Objects.requireNonNull(nodes, "nodes");
    this.counter = Objects.requireNonNull(counter, "counter");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    int capacity = settings.cacheEntries();
    this.cache =
        new LinkedHashMap<>(16, 0.75f, true) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<CacheKey, CountResult> eldest) {
            return size() > capacity;
          }
        };
  }

  public CountService(
      FileService files, RangeCounter counter, Settings settings, LongSupplier nanoTime) {
    this(files, counter, settings, nanoTime, () -> 1);
  }

  public CountService(FileService files, RangeCounter counter, Settings settings) {
    this(files, counter, settings, System::nanoTime);
  }

  public Settings settings() {
    return settings;
  }

  /** Coordinates the count here: the ranges are counted where {@link RangeCounter} sends them. */
  @Override
  public Optional<CountResult> count(FileName name, WcLocale locale, int top) {
    return count(name, locale, top, counter);
  }

  /**
   * Coordinates the count here, the ranges counted where {@code ranges} sends them (a count job's
   * ranges go back the way the job came) instead of this service's own counter.
   */
  public Optional<CountResult> count(FileName name, WcLocale locale, int top, RangeCounter ranges) {
    Objects.requireNonNull(ranges, "ranges");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(locale, "locale");
    requireTop(top);
    long started = nanoTime.getAsLong();
    Optional<FileInfo> stat = files.stat(name, false);
    if (stat.isEmpty()) {
      return Optional.empty();
    }
    FileInfo file = stat.get();
    CacheKey key = new CacheKey(file.sha256(), locale, top);
    CountResult hit;
    synchronized (cache) {
      hit = cache.get(key);
    }
    if (hit != null) {
      return Optional.of(hit.asCached(file, since(started)));
    }
    CountResult counted = countRanges(file, locale, top, started, ranges);
    synchronized (cache) {
      cache.put(key, counted);
    }
    LOG.fine(
        () ->
            "counted '"
                + name
                + "' ("
                + file.size()
                + " bytes, "
                + counted.ranges().size()
                + " ranges, "
                + locale
                + ") in "
                + counted.elapsed().toMillis()
                + " ms");
    return Optional.of(counted);
  }

  /**
   * @throws IllegalArgumentException unless {@code top} is 0 to {@value #MAX_TOP}
   */
  public static void requireTop(int top) {
    if (top < 0 || top > MAX_TOP) {
      throw new IllegalArgumentException(
          "the number of top words is 0 to " + MAX_TOP + "; " + top + " was asked for");
    }
  }

  /** The ranges {@code [start, end)} a file of {@code size} bytes is cut into; one if empty. */
  public static List<long[]> split(long size, long rangeBytes) {
    if (size < 0 || rangeBytes < 1) {
      throw new IllegalArgumentException("a size is not negative and a range size positive");
    }
    List<long[]> ranges = new ArrayList<>();
    long start = 0;
    do {
      long end = Math.min(size, start + rangeBytes);
      ranges.add(new long[] {start, end});
      start = end;
    } while (start < size);
    return ranges;
  }

  /**
   * The ranges of a file of {@code size} bytes shared out among {@code nodes}: one if it fits in
   * {@code rangeBytes}; else at least one per node, their number a multiple of {@code nodes}, of
   * equal size (the last one shorter), none over {@code rangeBytes}.
   */
  public static List<long[]> split(long size, long rangeBytes, int nodes) {
    if (nodes < 1) {
      throw new IllegalArgumentException("ranges are shared among at least one node: " + nodes);
    }
    if (size <= rangeBytes || nodes == 1) {
      return split(size, rangeBytes);
    }
    long count = (size + rangeBytes - 1) / rangeBytes;
    count = (count + nodes - 1) / nodes * nodes;
    return split(size, (size + count - 1) / count);
  }

  /** The tasks that count {@code file} in {@code locale}, in file order, with the words. */
  public List<RangeTask> tasks(FileInfo file, WcLocale locale) {
    return tasks(file, locale, true);
  }

  /** The tasks that count {@code file} in {@code locale}, in file order. */
  public List<RangeTask> tasks(FileInfo file, WcLocale locale, boolean tallyWords) {
    List<RangeTask> tasks = new ArrayList<>();
    int shareAmong = Math.max(1, nodes.getAsInt());
    for (long[] r : split(file.size(), settings.rangeBytes(), shareAmong)) {
      tasks.add(
          new RangeTask(
              file.name(),
              file.sha256(),
              file.size(),
              locale,
              tasks.size(),
              r[0],
              r[1],
              tallyWords));
    }
    return tasks;
  }

  private CountResult countRanges(
      FileInfo file, WcLocale locale, int top, long started, RangeCounter rangeCounter) {
    List<RangeTask> tasks = tasks(file, locale, top > 0);
    int inFlightLimit = rangesInFlight(top > 0);
    long deadline = started + settings.timeout().toNanos();
    ArrayDeque<CompletableFuture<RangeResult>> inFlight = new ArrayDeque<>();
    List<RangeCounts> counts = new ArrayList<>();
    List<CountResult.CountedRange> ranges = new ArrayList<>();
    WordTally.Merger words = new WordTally.Merger(settings.maxDistinctWords());
    int next = 0;
    try {
      while (counts.size() < tasks.size()) {
        while (next < tasks.size() && inFlight.size() < inFlightLimit) {
          inFlight.addLast(submit(rangeCounter, tasks.get(next++)));
        }
        RangeTask task = tasks.get(counts.size());
        RangeResult result = await(inFlight.removeFirst(), task, deadline);
        check(task, result);
        counts.add(result.counts());
        words.add(result.tally());
        ranges.add(
            new CountResult.CountedRange(
                result.node(), task.start(), task.end(), result.elapsed()));
      }
    } finally {
      inFlight.forEach(f -> f.cancel(false));
    }
    WordTally tally = words.result();
    return new CountResult(
        file,
        locale,
        RangeCounts.merge(counts),
        tally.top(top),
        tally.complete(),
        ranges,
        since(started),
        false);
  }

  /**
   * How many ranges are handed out before the first of them is merged. A range whose words are
   * tallied comes back with up to {@link WordTally#DEFAULT_MAX_WEIGHT} of words (about 21 MB of
   * heap) and waits here until the ranges before it are merged; so such ranges go out one more than
   * there are nodes to count them, enough to keep every node busy while the earliest is awaited.
   */
  int rangesInFlight(boolean tallyWords) {
    if (!tallyWords) {
      return settings.rangesInFlight();
    }
    return Math.min(settings.rangesInFlight(), Math.max(1, nodes.getAsInt()) + 1);
  }

  private static CompletableFuture<RangeResult> submit(RangeCounter ranges, RangeTask task) {
    try {
      return ranges.count(task).toCompletableFuture();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private RangeResult await(CompletableFuture<RangeResult> future, RangeTask task, long deadline) {
    try {
      return future.get(Math.max(0, deadline - nanoTime.getAsLong()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ClusterUnavailableException("interrupted while counting '" + task.name() + "'", e);
    } catch (TimeoutException e) {
      throw new ClusterUnavailableException(
          "the count of '"
              + task.name()
              + "' did not finish within "
              + settings.timeout().toSeconds()
              + " s; retry later",
          e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new ClusterUnavailableException(
          "range " + task.index() + " of '" + task.name() + "' could not be counted: " + cause,
          cause);
    }
  }

  /** A result must be of its task and cover it: anything else would merge into a wrong count. */
  private static void check(RangeTask task, RangeResult result) {
    if (!result.task().equals(task) || result.counts().bytes() != task.length()) {
      throw new IllegalStateException(
          "range "
              + task.index()
              + " of '"
              + task.name()
              + "' came back as "
              + result.counts().bytes()
              + " bytes of "
              + result.task()
              + "; expected "
              + task);
    }
  }

  private Duration since(long started) {
    return Duration.ofNanos(nanoTime.getAsLong() - started);
  }
}
