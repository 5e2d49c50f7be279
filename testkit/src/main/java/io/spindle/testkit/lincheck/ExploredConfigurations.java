package io.spindle.testkit.lincheck;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Lowe's memo for the search on one key: which operations the current order has linearized, and the
 * configurations explored before, so that none is explored twice. A configuration is the set of
 * linearized operations with the register's state (and, right after a pending step, that step and
 * the state before it, which restrict the next step). As pending operations are optional, one is
 * also dominated by an explored configuration alike but for a subset of its pending operations.
 */
final class ExploredConfigurations {

  private static final long[] NO_WORDS = new long[0];
  private static final int NONE = -1;

  /**
   * A configuration but for its pending operations: which answered ones are linearized, the state,
   * and, right after a pending step, that step and the state before it (which restrict the next
   * step). Answered operations are indexed by call time, so the linearized ones are mostly a
   * prefix: only the words from the first incomplete one on are kept.
   */
  private static final class Configuration {
    private final int firstOpenWord;
    private final long[] window;
    private final String state;
    private final int afterPending;
    private final String beforePending;
    private final int hash;

    private Configuration(
        int firstOpenWord, long[] window, String state, int afterPending, String beforePending) {
      this.firstOpenWord = firstOpenWord;
      this.window = window;
      this.state = state;
      this.afterPending = afterPending;
      this.beforePending = beforePending;
      int h = 31 * firstOpenWord + Arrays.hashCode(window);
      h = 31 * h + Objects.hashCode(state);
      this.hash = 31 * (31 * h + afterPending) + Objects.hashCode(beforePending);
    }

    @Override
    public boolean equals(Object other) {
      if (!(other instanceof Configuration)) {
        return false;
      }
      Configuration that = (Configuration) other;
      return hash == that.hash
          && firstOpenWord == that.firstOpenWord
          && afterPending == that.afterPending
          && Arrays.equals(window, that.window)
          && Objects.equals(state, that.state)
          && Objects.equals(beforePending, that.beforePending);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  private final int answered;
  private final long[] answeredLinearized;
  private final long[] pendingLinearized;
  private final Map<Configuration, List<long[]>> explored = new HashMap<>();
  private int firstOpenWord;
  private int setWordsEnd;

  /**
   * A memo for {@code answered} answered operations, indexed from 0, and {@code pending} pending
   * ones, indexed after them.
   */
  ExploredConfigurations(int answered, int pending) {
    this.answered = answered;
    this.answeredLinearized = new long[words(answered)];
    this.pendingLinearized = pending == 0 ? NO_WORDS : new long[words(pending)];
  }

  /**
   * Linearizes {@code operation}, leaving {@code state}, if the configuration this makes is not
   * dominated by one explored before; otherwise leaves the marks as they were. {@code pendingStep}
   * is the step if it is a pending one, which restricts the step after it.
   */
  boolean enter(int operation, String state, OrderStep pendingStep) {
    mark(operation, true);
    long[] window =
        firstOpenWord >= setWordsEnd
            ? NO_WORDS
            : Arrays.copyOfRange(answeredLinearized, firstOpenWord, setWordsEnd);
    Configuration configuration =
        pendingStep == null
            ? new Configuration(firstOpenWord, window, state, NONE, null)
            : new Configuration(
                firstOpenWord, window, state, pendingStep.operation(), pendingStep.stateBefore());
    List<long[]> pendingSets = explored.computeIfAbsent(configuration, c -> new ArrayList<>(1));
    for (long[] earlier : pendingSets) {
      if (subset(earlier, pendingLinearized)) {
        mark(operation, false);
        return false;
      }
    }
    pendingSets.add(pendingLinearized.length == 0 ? NO_WORDS : pendingLinearized.clone());
    return true;
  }

  /** Takes {@code operation} out of the current order again, undoing {@link #enter}. */
  void leave(int operation) {
    mark(operation, false);
  }

  /** Whether the current order has linearized the pending operation {@code pending}. */
  boolean linearized(int pending) {
    int bit = pending - answered;
    return (pendingLinearized[bit >>> 6] & (1L << bit)) != 0;
  }

  private void mark(int operation, boolean linearized) {
    if (operation >= answered) {
      int bit = operation - answered;
      if (linearized) {
        pendingLinearized[bit >>> 6] |= 1L << bit;
      } else {
        pendingLinearized[bit >>> 6] &= ~(1L << bit);
      }
      return;
    }
    int word = operation >>> 6;
    if (linearized) {
      answeredLinearized[word] |= 1L << operation;
      while (firstOpenWord < answeredLinearized.length
          && answeredLinearized[firstOpenWord] == -1L) {
        firstOpenWord++;
      }
      setWordsEnd = Math.max(setWordsEnd, word + 1);
    } else {
      answeredLinearized[word] &= ~(1L << operation);
      firstOpenWord = Math.min(firstOpenWord, word);
      while (setWordsEnd > 0 && answeredLinearized[setWordsEnd - 1] == 0) {
        setWordsEnd--;
      }
    }
  }

  private static boolean subset(long[] smaller, long[] larger) {
    for (int word = 0; word < smaller.length; word++) {
      if ((smaller[word] & ~larger[word]) != 0) {
        return false;
      }
    }
    return true;
  }

  private static int words(int bits) {
    return (bits + 63) >>> 6;
  }
}
