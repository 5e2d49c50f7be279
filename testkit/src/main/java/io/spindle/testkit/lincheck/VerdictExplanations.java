package io.spindle.testkit.lincheck;

import io.spindle.testkit.lincheck.Operation.Kind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

/**
 * What the search on one key tells a person: that the operations are linearizable, or, when they
 * are not, the smallest failing prefix of the history, an order that gets that far, why none of the
 * operations that could come next fits, and a hint when a read returned a value nothing writes; or,
 * when the search gave up, the effort spent and how far it got.
 */
final class VerdictExplanations {

  private static final int SHOWN_PATH = 10;
  private static final int SHOWN_CANDIDATES = 12;

  private final String key;
  private final List<Operation> original;
  private final Operation[] operations;
  private final int answered;
  private final EventList events;
  private final SearchBudget budget;

  /**
   * Explanations for the search on {@code key}: {@code original} are its operations as recorded,
   * {@code operations} those the search orders (the first {@code answered} of them answered) over
   * {@code events}, within {@code budget}.
   */
  VerdictExplanations(
      String key,
      List<Operation> original,
      Operation[] operations,
      int answered,
      EventList events,
      SearchBudget budget) {
    this.key = key;
    this.original = original;
    this.operations = operations;
    this.answered = answered;
    this.events = events;
    this.budget = budget;
  }

  /** That the operations are linearizable. */
  String linearizable() {
    return "key \"" + key + "\": " + original.size() + " operations, linearizable";
  }

  /** Why the operations are not linearizable, from the furthest point any order reached. */
  String violation(KeySearch.Frontier furthest) {
    StringBuilder text = new StringBuilder("key \"").append(key).append("\" is not linearizable.");
    if (furthest == null) {
      return text.toString();
    }
    Operation blocked = operations[furthest.stuck().operation()];
    List<Integer> path = path(furthest.path());
    boolean[] linearized = new boolean[operations.length];
    path.forEach(operation -> linearized[operation] = true);
    List<Integer> candidates = new ArrayList<>();
    int invokedByCut = 0;
    for (int i = 0; i < operations.length; i++) {
      if (events.callPosition(i) < furthest.stuck().position()) {
        invokedByCut++;
        if (!linearized[i]) {
          candidates.add(i);
        }
      }
    }
    candidates.sort(
        Comparator.comparingLong((Integer i) -> operations[i].call()).thenComparing(i -> i));

    long cut = blocked.ret();
    text.append("\n  Smallest failing prefix: cut the history of \"")
        .append(key)
        .append("\" at t=")
        .append(cut)
        .append(", where ")
        .append(blocked)
        .append(" returns. No order of the ")
        .append(invokedByCut)
        .append(" operations invoked by then gets past that point (those still running then may")
        .append(" take effect before it or not, answering what they did); cut just before, one")
        .append(" does.");
    text.append("\n  An order that gets that far (")
        .append(path.size())
        .append(path.size() == 1 ? " operation" : " operations")
        .append("; \"")
        .append(key)
        .append("\" then holds ")
        .append(Operation.quote(furthest.state()))
        .append("):");
    int first = Math.max(0, path.size() - SHOWN_PATH);
    if (first > 0) {
      text.append("\n    ... ").append(first).append(" earlier operations");
    }
    for (int step = first; step < path.size(); step++) {
      text.append("\n    ").append(step + 1).append(". ").append(operations[path.get(step)]);
    }
    if (path.isEmpty()) {
      text.append("\n    (none: not even the first operation fits)");
    }
    text.append("\n  By t=")
        .append(cut)
        .append(", ")
        .append(blocked)
        .append(" must have taken effect, yet none of the operations that could come next")
        .append(" leads there:");
    for (int shown = 0; shown < candidates.size() && shown < SHOWN_CANDIDATES; shown++) {
      Operation candidate = operations[candidates.get(shown)];
      text.append("\n    ").append(candidate).append(": ");
      if (Register.fits(furthest.state(), candidate)) {
        text.append("fits, but every order continuing with it gets stuck again by t=").append(cut);
      } else {
        text.append(Register.misfit(furthest.state(), candidate));
      }
    }
    if (candidates.size() > SHOWN_CANDIDATES) {
      text.append("\n    ... and ").append(candidates.size() - SHOWN_CANDIDATES).append(" more");
    }
    for (int candidate : candidates) {
      String hint = neverWritten(operations[candidate]);
      if (hint != null) {
        text.append("\n  Hint: ").append(hint);
      }
    }
    return text.toString();
  }

  /** Says so if {@code read} returned a value no operation on the key ever writes. */
  private String neverWritten(Operation read) {
    if (read.kind() != Kind.GET || read.pending() || read.output() == null) {
      return null;
    }
    for (Operation operation : original) {
      boolean mayWrite =
          operation.kind() == Kind.APPEND
              || ((operation.kind() == Kind.PUT || operation.kind() == Kind.CAS)
                  && read.output().equals(operation.value()));
      if (mayWrite) {
        return null;
      }
    }
    return "no operation on \""
        + key
        + "\" writes "
        + Operation.quote(read.output())
        + ", yet "
        + read
        + " read it.";
  }

  /** Why the search gave up, and how far it got. */
  String gaveUp(KeySearch.Frontier furthest) {
    int pending = operations.length - answered;
    StringBuilder text =
        new StringBuilder("key \"")
            .append(key)
            .append("\": inconclusive, gave up after exploring ")
            .append(budget.configurations())
            .append(" configurations and ")
            .append(budget.steps())
            .append(" candidate steps (")
            .append(operations.length)
            .append(" operations to order, ")
            .append(pending)
            .append(" of them pending).");
    if (furthest != null) {
      Operation blocked = operations[furthest.stuck().operation()];
      text.append(" So far no order got past t=")
          .append(blocked.ret())
          .append(", where ")
          .append(blocked)
          .append(" returns.");
    }
    text.append(
        " Raise the budget, or check shorter histories: each pending operation and each extra"
            + " concurrent client multiplies the orders to try.");
    return text.toString();
  }

  private static List<Integer> path(OrderStep top) {
    List<Integer> path = new ArrayList<>();
    for (OrderStep step = top; step != null; step = step.below()) {
      path.add(step.operation());
    }
    Collections.reverse(path);
    return path;
  }
}
