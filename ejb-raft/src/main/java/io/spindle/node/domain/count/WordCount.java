package io.spindle.node.domain.count;

import java.util.Objects;

/** How often a word occurs. */
public record WordCount(Word word, long count) {
  public WordCount {
    Objects.requireNonNull(word, "word");
  }
}
