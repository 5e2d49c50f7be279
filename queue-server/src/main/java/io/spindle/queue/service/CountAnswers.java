package io.spindle.queue.service;

import com.google.protobuf.ByteString;
import io.spindle.protocol.queue.Count;
import io.spindle.protocol.queue.CountJob;
import io.spindle.protocol.queue.CountResult;
import io.spindle.protocol.queue.Job;
import io.spindle.protocol.queue.JobResult;
import io.spindle.queue.jobs.JobQueues.JobView;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The last answers to counts, handed along with the next count of the same question (a name, a
 * locale and a number of top words) for the node that takes it to check and reuse: the last answer
 * for the content the name holds, as far as this queue server has seen it (the SHA-256 of writes,
 * reads, lists and counts through it), else the last answer for that name. The node answers it
 * again only if the file still has that content, so a stale entry here costs one count, never a
 * wrong answer. Each map is a bounded LRU.
 *
 * <p><b>Threading:</b> not thread-safe; the queue service's core thread only.
 */
final class CountAnswers {
  private record NameKey(String name, String locale, int top) {}

  private record ContentKey(ByteString sha256, String locale, int top) {}

  private final Map<NameKey, CountResult> byName;
  private final Map<ContentKey, CountResult> byContent;
  private final Map<String, ByteString> contentOf;

  /**
   * @param answers answers kept, by name and by content each
   * @param names names whose content is remembered
   */
  CountAnswers(int answers, int names) {
    this.byName = lru(answers);
    this.byContent = lru(answers);
    this.contentOf = lru(names);
  }

  private static <K, V> Map<K, V> lru(int capacity) {
    return new LinkedHashMap<>(16, 0.75f, true) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
        return size() > capacity;
      }
    };
  }

  /** The answer to hand along with a count of {@code name}, if one may fit. */
  Optional<CountResult> previous(String name, String locale, int top) {
    String l = normalized(locale);
    ByteString content = contentOf.get(name);
    CountResult answer = content == null ? null : byContent.get(new ContentKey(content, l, top));
    if (answer == null) {
      answer = byName.get(new NameKey(name, l, top));
    }
    return Optional.ofNullable(answer);
  }

  /** A node answered a count of {@code name} in {@code locale} with {@code top} words. */
  void answered(String name, String locale, int top, CountResult result) {
    if (result.getSha256().size() != 32) {
      return;
    }
    String l = normalized(locale);
    byName.put(new NameKey(name, l, top), result);
    byContent.put(new ContentKey(result.getSha256(), l, top), result);
    contentOf.put(name, result.getSha256());
  }

  /** The file {@code name} has the content {@code sha256}, as a write, read or list said. */
  void holds(String name, ByteString sha256) {
    if (sha256.size() == 32) {
      contentOf.put(name, sha256);
    }
  }

  /** The file {@code name} was deleted. */
  void deleted(String name) {
    contentOf.remove(name);
  }

  /** A count job, with the last answer for the same question for the node to check and reuse. */
  CountJob withPrevious(Count count) {
    CountJob.Builder job =
        CountJob.newBuilder()
            .setName(count.getName())
            .setTopWords(count.getTopWords())
            .setStale(count.getStale())
            .setLocale(count.getLocale());
    previous(count.getName(), count.getLocale(), count.getTopWords()).ifPresent(job::setPrevious);
    return job.build();
  }

  /** A node answered {@code job}: if it was a count, its answer is kept. */
  void rememberCount(JobView<Job> job, CountResult result) {
    if (job.payload().hasCount()) {
      CountJob count = job.payload().getCount();
      answered(count.getName(), count.getLocale(), count.getTopWords(), result);
    }
  }

  /** What a node's answer says about which content a name holds. */
  void rememberContent(JobResult result) {
    switch (result.getOutcomeCase()) {
      case WRITTEN -> holds(result.getWritten().getName(), result.getWritten().getSha256());
      case READ ->
          holds(result.getRead().getFile().getName(), result.getRead().getFile().getSha256());
      case LIST -> result.getList().getFilesList().forEach(f -> holds(f.getName(), f.getSha256()));
      case DELETED -> deleted(result.getDeleted().getName());
      default -> {}
    }
  }

  /** "utf8" for every spelling of the default, "c" for C and POSIX; anything else as it is. */
  static String normalized(String locale) {
    String l = locale.toLowerCase(Locale.ROOT);
    return switch (l) {
      case "", "utf8", "utf-8", "c.utf-8" -> "utf8";
      case "c", "posix" -> "c";
      default -> l;
    };
  }
}
