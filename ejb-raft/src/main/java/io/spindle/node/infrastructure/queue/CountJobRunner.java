package io.spindle.node.infrastructure.queue;

import io.spindle.node.application.CountService;
import io.spindle.node.application.FileChangedException;
import io.spindle.node.application.FileService;
import io.spindle.node.application.LocalRangeCounter;
import io.spindle.node.application.RangeCounter;
import io.spindle.node.application.RangeTask;
import io.spindle.node.domain.FileInfo;
import io.spindle.node.domain.FileName;
import io.spindle.node.domain.count.WcLocale;
import io.spindle.node.domain.count.WordTally;
import io.spindle.protocol.queue.CountJob;
import io.spindle.protocol.queue.CountResult;
import io.spindle.protocol.queue.ErrorCode;
import io.spindle.protocol.queue.Job;
import io.spindle.protocol.queue.JobResult;
import io.spindle.raft.server.RaftStatus;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Runs count jobs for {@link LocalJobRunner}: a whole file's count as {@code wc} does, as its
 * coordinator (or the queue server's previous answer, if the file has not changed), and one range
 * of any node's count from this node's own copy.
 *
 * <p><b>Threading:</b> the queue worker's job threads, several at once; blocks while it counts.
 */
final class CountJobRunner {
  private static final HexFormat HEX = HexFormat.of();

  private final FileService files;
  private final CountService counts;
  private final Supplier<RaftStatus> status;

  CountJobRunner(FileService files, CountService counts, Supplier<RaftStatus> status) {
    this.files = files;
    this.counts = counts;
    this.status = status;
  }

  /**
   * @param link the link the job came by: the count's ranges go through it (through the node's own
   *     range counter if null)
   */
  JobResult.Builder count(Job job, JobLink link) {
    FileName name = FileName.of(job.getCount().getName());
    WcLocale locale;
    try {
      locale = CountRangeMessages.locale(job.getCount().getLocale());
    } catch (IllegalArgumentException e) {
      return FailedJobResult.of(ErrorCode.INVALID_ARGUMENT, e.getMessage());
    }
    // uint32 on the wire: a value past Integer.MAX_VALUE arrives negative here.
    long top = Integer.toUnsignedLong(job.getCount().getTopWords());
    if (top > CountService.MAX_TOP) {
      return FailedJobResult.of(
          ErrorCode.INVALID_ARGUMENT,
          "a count gives at most " + CountService.MAX_TOP + " top words, not " + top);
    }
    Optional<CountResult> again = previousAnswer(job.getCount(), name, locale);
    if (again.isPresent()) {
      return JobResult.newBuilder().setCount(again.get());
    }
    Optional<io.spindle.node.application.CountResult> counted;
    try {
      counted =
          link == null
              ? counts.count(name, locale, (int) top)
              : counts.count(name, locale, (int) top, rangesThrough(link));
    } catch (FileChangedException e) {
      throw new JobRunner.CannotRunHereException(
          "'" + name + "' changed while it was counted; count again");
    }
    if (counted.isEmpty()) {
      return FailedJobResult.notFound(name);
    }
    return JobResult.newBuilder().setCount(CountMessages.toMessage(counted.get()));
  }

  /** Counts ranges as tasks through {@code link}, or here while it is not connected. */
  private RangeCounter rangesThrough(JobLink link) {
    int maxDistinct = counts.settings().maxDistinctWords();
    return new QueueRangeCounter(
        new LocalRangeCounter(files, status.get().id().toString(), maxDistinct),
        () -> Optional.of(link),
        maxDistinct);
  }

  /**
   * The queue server's last answer to the same count (any node's), as a cached answer, if the file
   * still has the content it counted: then no node counts it again. Read after a linearizable
   * barrier unless the count is stale, as a count's own look-up.
   */
  private Optional<CountResult> previousAnswer(CountJob job, FileName name, WcLocale locale) {
    if (!job.hasPrevious()) {
      return Optional.empty();
    }
    CountResult previous = job.getPrevious();
    if (!previous.getLocale().equals(CountRangeMessages.localeName(locale))
        || previous.getSha256().size() != 32) {
      return Optional.empty();
    }
    Optional<FileInfo> file = files.stat(name, job.getStale());
    if (file.isEmpty()
        || !file.get().sha256().equals(HEX.formatHex(previous.getSha256().toByteArray()))) {
      return Optional.empty();
    }
    return Optional.of(
        previous.toBuilder()
            .setName(name.value())
            .setCached(true)
            .setFile(CountMessages.toMessage(file.get()))
            .build());
  }

  /**
   * One range of a count another node (or this one) coordinates, from this node's own copy of the
   * content the task names. A copy that lags behind waits for the log to apply the content (the
   * read barrier of {@link LocalRangeCounter}); if the cluster cannot answer that now, the task
   * goes back to the queue. Content that is gone is NOT_FOUND: the coordinator counts again.
   */
  JobResult.Builder countRange(Job job) {
    RangeTask task;
    try {
      task = CountRangeMessages.fromJob(job.getCountRange());
    } catch (IllegalArgumentException e) {
      return FailedJobResult.of(ErrorCode.INVALID_ARGUMENT, "bad range task: " + e.getMessage());
    }
    int maxDistinct = job.getCountRange().getMaxDistinctWords();
    LocalRangeCounter counter =
        new LocalRangeCounter(
            files,
            status.get().id().toString(),
            maxDistinct > 0 ? maxDistinct : WordTally.DEFAULT_MAX_DISTINCT);
    try {
      return JobResult.newBuilder()
          .setCountRange(CountRangeMessages.toResult(counter.countNow(task)));
    } catch (FileChangedException e) {
      return FailedJobResult.of(ErrorCode.NOT_FOUND, e.getMessage());
    }
  }
}
