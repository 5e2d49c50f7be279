package io.spindle.node.application;

import io.spindle.node.domain.ChunkInfo;
import io.spindle.node.domain.FileLayout;
import io.spindle.node.domain.count.RangeCounts;
import io.spindle.node.domain.count.WcScanner;
import io.spindle.node.domain.count.WordTally;
import io.spindle.node.domain.count.WordTallyScanner;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Counts a range from this node's own copy of the file: reads the chunks that hold it (and up to
 * {@code WcScanner.MAX_SEQUENCE - 1} bytes on either side, so that a character cut by the range's
 * edges is decided as in the whole file), one chunk in memory at a time, and feeds a {@link
 * WcScanner} and, if the task asks for words, a {@link WordTallyScanner}. Every chunk is read with
 * the content's SHA-256, so a file replaced meanwhile fails with {@link FileChangedException}
 * instead of mixing contents.
 *
 * <p><b>Threading:</b> thread-safe; counts on the caller's thread and returns a completed stage.
 */
public final class LocalRangeCounter implements RangeCounter {
  private static final int CONTEXT = WcScanner.MAX_SEQUENCE - 1;

  private final FileService files;
  private final String nodeId;
  private final int maxDistinctWords;

  public LocalRangeCounter(FileService files, String nodeId, int maxDistinctWords) {
    this.files = Objects.requireNonNull(files, "files");
    this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
    this.maxDistinctWords = maxDistinctWords;
  }

  @Override
  public CompletionStage<RangeResult> count(RangeTask task) {
    try {
      return CompletableFuture.completedFuture(countNow(task));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Counts the range on this thread. */
  public RangeResult countNow(RangeTask task) {
    long started = System.nanoTime();
    FileLayout layout = layoutOf(task);
    WcScanner counts = new WcScanner(task.locale());
    WordTallyScanner words =
        task.tallyWords() ? new WordTallyScanner(task.locale(), maxDistinctWords) : null;
    long from = Math.max(0, task.start() - CONTEXT);
    long to = Math.min(task.fileSize(), task.end() + CONTEXT);
    ByteArrayOutputStream before = new ByteArrayOutputStream(CONTEXT);
    ByteArrayOutputStream after = new ByteArrayOutputStream(CONTEXT);
    boolean contextGiven = false;
    long chunkStart = 0;
    for (ChunkInfo chunk : layout.chunks()) {
      long chunkEnd = chunkStart + chunk.size();
      if (chunkEnd > from && chunkStart < to) {
        byte[] data =
            files
                .chunk(task.name(), chunk.index(), Optional.of(task.sha256()))
                .orElseThrow(() -> new FileChangedException(task.name(), task.sha256()));
        if (data.length != chunk.size()) {
          throw new FileChangedException(task.name(), task.sha256());
        }
        // The part of this chunk before, inside and after the range.
        write(before, data, chunkStart, from, task.start());
        int in = (int) (Math.max(task.start(), chunkStart) - chunkStart);
        int out = (int) (Math.min(task.end(), chunkEnd) - chunkStart);
        if (in < out) {
          if (!contextGiven) { // every byte before the range is in this chunk or an earlier one
            counts.context(before.toByteArray());
            if (words != null) {
              words.context(before.toByteArray());
            }
            contextGiven = true;
          }
          counts.feed(data, in, out - in);
          if (words != null) {
            words.feed(data, in, out - in);
          }
        }
        write(after, data, chunkStart, task.end(), to);
      }
      chunkStart = chunkEnd;
    }
    if (!contextGiven) {
      counts.context(before.toByteArray()); // an empty range: an empty file
      if (words != null) {
        words.context(before.toByteArray());
      }
    }
    RangeCounts counted = counts.finish(after.toByteArray());
    WordTally tally = words != null ? words.finish(after.toByteArray()) : WordTally.NONE;
    if (counted.bytes() != task.length()) {
      throw new FileChangedException(task.name(), task.sha256());
    }
    return new RangeResult(
        task, nodeId, counted, tally, Duration.ofNanos(System.nanoTime() - started));
  }

  /** This node's chunk list of the task's content: as applied here, else after a read barrier. */
  private FileLayout layoutOf(RangeTask task) {
    return files
        .layout(task.name(), true)
        .filter(l -> l.file().sha256().equals(task.sha256()))
        .or(
            () ->
                files
                    .layout(task.name(), false)
                    .filter(l -> l.file().sha256().equals(task.sha256())))
        .orElseThrow(() -> new FileChangedException(task.name(), task.sha256()));
  }

  /**
   * Writes the bytes of {@code data} (at file offset {@code dataStart}) within {@code [from, to)}.
   */
  private static void write(
      ByteArrayOutputStream out, byte[] data, long dataStart, long from, long to) {
    long a = Math.max(from, dataStart);
    long b = Math.min(to, dataStart + data.length);
    if (a < b) {
      out.write(data, (int) (a - dataStart), (int) (b - a));
    }
  }
}
