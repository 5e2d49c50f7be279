package io.spindle.node.application;

import io.spindle.node.domain.FileName;
import io.spindle.node.domain.count.WcLocale;
import java.util.Optional;

/**
 * Counts a whole stored file as GNU {@code wc} counts it, with its most frequent words: what the
 * REST API and the page ask for. {@link CountService} coordinates a count on this node; the queue's
 * counter hands it to whichever node takes it from the shared queue.
 *
 * <p><b>Threading:</b> any thread; blocks until the count is done. <b>Errors:</b> {@link
 * ClusterUnavailableException} when the count cannot be done now; {@link IllegalArgumentException}
 * for {@code top} out of range.
 */
@FunctionalInterface
public interface FileCounter {
  /**
   * Counts the file {@code name} as of a linearizable read; empty if there is no such file.
   *
   * @param top how many of the most frequent words to return, 0 to {@value CountService#MAX_TOP}
   */
  Optional<CountResult> count(FileName name, WcLocale locale, int top);
}
