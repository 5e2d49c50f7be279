/**
 * Counting as GNU {@code wc} counts (lines, words, bytes, characters) and tallying the most
 * frequent words, over byte ranges that are counted apart and merged exactly: {@link
 * io.spindle.node.domain.count.WcScanner} and {@link io.spindle.node.domain.count.RangeCounts} for
 * the counts, {@link io.spindle.node.domain.count.WordTallyScanner} and {@link
 * io.spindle.node.domain.count.WordTally} for the words, cut by the same character classes. Pure
 * domain logic: no I/O, JDK only.
 */
package io.spindle.node.domain.count;
