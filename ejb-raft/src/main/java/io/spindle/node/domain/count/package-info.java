/**
 * Counting as GNU {@code wc} counts (lines, words, bytes, characters) over byte ranges that are
 * counted apart and merged exactly. Pure domain logic: no I/O.
 */
package io.spindle.node.domain.count;
