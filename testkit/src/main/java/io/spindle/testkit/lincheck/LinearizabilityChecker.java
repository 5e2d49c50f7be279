package io.spindle.testkit.lincheck;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Decides whether a history of key-value operations is linearizable: whether each operation can be
 * given one instant between its call and its return such that, taken in that order, every answer is
 * what a single register per key would have answered.
 *
 * <p>Linearizability is compositional (Herlihy and Wing): a history is linearizable iff the history
 * of each key is. So the operations are split by key and each key is searched on its own, in key
 * order, with Wing and Gong's algorithm, Lowe's memoization and reductions that keep pending
 * (unanswered) operations cheap. The search is exponential in the worst case; each key gets a
 * budget of explored configurations (and of candidate steps in proportion), and a key that exhausts
 * it makes the result inconclusive rather than the check hang.
 *
 * <p>Stateless and thread-safe; the JDK only.
 */
public final class LinearizabilityChecker {

  /**
   * The configurations (linearized operations, register state) explored per key before giving up:
   * about a hundred bytes each, so the default costs at most some tens of megabytes, and a second
   * or two.
   */
  public static final long DEFAULT_MAX_STATES_PER_KEY = 500_000;

  private static final int EXPLAINED_VIOLATIONS = 3;

  private LinearizabilityChecker() {}

  /**
   * The verdict on a history.
   *
   * @param linearizable true only if every key was proven linearizable
   * @param conclusive false if the search gave up on some key and found no violation elsewhere: the
   *     history may or may not be linearizable
   * @param explanation for a person: on a violation, per violating key the smallest failing prefix,
   *     the longest valid order found and why no operation can follow it
   */
  public record Result(boolean linearizable, boolean conclusive, String explanation) {

    /** Whether the history is proven not linearizable. */
    public boolean violation() {
      return conclusive && !linearizable;
    }
  }

  /** Checks {@code history} with {@link #DEFAULT_MAX_STATES_PER_KEY}. */
  public static Result check(List<Operation> history) {
    return check(history, DEFAULT_MAX_STATES_PER_KEY);
  }

  /**
   * Checks {@code history}, in any order, giving up on a key after exploring {@code
   * maxStatesPerKey} configurations of it.
   */
  public static Result check(List<Operation> history, long maxStatesPerKey) {
    Objects.requireNonNull(history, "history");
    if (maxStatesPerKey < 1) {
      throw new IllegalArgumentException(
          "the search budget must be at least one state, got " + maxStatesPerKey);
    }
    Map<String, List<Operation>> byKey = new TreeMap<>();
    for (Operation operation : history) {
      Objects.requireNonNull(operation, "an operation of the history is null");
      byKey.computeIfAbsent(operation.key(), key -> new ArrayList<>()).add(operation);
    }
    List<KeySearch.Verdict> violations = new ArrayList<>();
    List<KeySearch.Verdict> undecided = new ArrayList<>();
    long states = 0;
    for (Map.Entry<String, List<Operation>> key : byKey.entrySet()) {
      KeySearch.Verdict verdict = KeySearch.check(key.getKey(), key.getValue(), maxStatesPerKey);
      states += verdict.statesExplored();
      if (verdict.status() == KeySearch.Status.NOT_LINEARIZABLE) {
        violations.add(verdict);
      } else if (verdict.status() == KeySearch.Status.GAVE_UP) {
        undecided.add(verdict);
      }
    }
    String size =
        history.size()
            + " operations on "
            + byKey.size()
            + (byKey.size() == 1 ? " key" : " keys")
            + ", "
            + states
            + " states explored";
    if (!violations.isEmpty()) {
      return new Result(false, true, violationReport(violations, undecided, size));
    }
    if (!undecided.isEmpty()) {
      StringBuilder text =
          new StringBuilder("Inconclusive (").append(size).append("): no violation found, but");
      text.append(" the search gave up on ").append(keys(undecided)).append('.');
      undecided.forEach(verdict -> text.append('\n').append(verdict.explanation()));
      return new Result(false, false, text.toString());
    }
    return new Result(true, true, "Linearizable (" + size + ").");
  }

  private static String violationReport(
      List<KeySearch.Verdict> violations, List<KeySearch.Verdict> undecided, String size) {
    StringBuilder text =
        new StringBuilder("Not linearizable (")
            .append(size)
            .append("): ")
            .append(keys(violations))
            .append('.');
    for (int i = 0; i < violations.size() && i < EXPLAINED_VIOLATIONS; i++) {
      text.append('\n').append(violations.get(i).explanation());
    }
    if (violations.size() > EXPLAINED_VIOLATIONS) {
      text.append("\n... and ")
          .append(violations.size() - EXPLAINED_VIOLATIONS)
          .append(" more keys violate linearizability.");
    }
    if (!undecided.isEmpty()) {
      text.append("\nThe search also gave up on ").append(keys(undecided)).append('.');
    }
    return text.toString();
  }

  private static String keys(List<KeySearch.Verdict> verdicts) {
    StringBuilder text = new StringBuilder(verdicts.size() == 1 ? "key " : "keys ");
    for (int i = 0; i < verdicts.size(); i++) {
      text.append(i == 0 ? "" : ", ").append('"').append(verdicts.get(i).key()).append('"');
    }
    return text.toString();
  }
}
