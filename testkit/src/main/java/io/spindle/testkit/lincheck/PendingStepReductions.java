package io.spindle.testkit.lincheck;

import io.spindle.testkit.lincheck.EventList.Event;
import io.spindle.testkit.lincheck.Operation.Kind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Where pending operations (no answer) matter to the search on one key. They are optional and may
 * take effect arbitrarily late, so each stays a candidate from its call on; naively, each doubles
 * the configurations after its call. So the search drops those that cannot change the verdict
 * ({@link #relevant}), and takes a pending step only if it changes the state and the next step
 * depends on it: it would not fit without it, or it ends differently and could not simply go first
 * ({@link #justifies}). Otherwise the order without the pending step, or with it one step later, is
 * equivalent. A lookahead ({@link #anyJustified}) skips pending steps that no next step would
 * justify.
 */
final class PendingStepReductions {

  private final Operation[] operations;
  private final int answered;
  private final EventList events;
  private final ExploredConfigurations explored;
  private final SearchBudget budget;
  private final Map<String, List<Integer>> pendingCasByExpected = new HashMap<>();
  private final List<Integer> pendingAppends = new ArrayList<>();

  /**
   * The reductions for {@code operations}, the first {@code answered} of them answered and the rest
   * pending, each indexed by call; the lookahead reads the events still to order and the operations
   * linearized, and counts its steps in {@code budget}.
   */
  PendingStepReductions(
      Operation[] operations,
      int answered,
      EventList events,
      ExploredConfigurations explored,
      SearchBudget budget) {
    this.operations = operations;
    this.answered = answered;
    this.events = events;
    this.explored = explored;
    this.budget = budget;
    for (int i = answered; i < operations.length; i++) {
      if (operations[i].kind() == Kind.CAS) {
        pendingCasByExpected
            .computeIfAbsent(operations[i].expected(), expected -> new ArrayList<>())
            .add(i);
      } else if (operations[i].kind() == Kind.APPEND) {
        pendingAppends.add(i);
      }
    }
  }

  /**
   * Drops what cannot change the verdict: pending reads (no effect, no answer), and, on a key with
   * plain PUT/GET/DELETE only, pending writes of a value no answered read returned. Whatever
   * follows such a write until the next write would have to read its value, so an order using it
   * stays valid without it.
   */
  static List<Operation> relevant(List<Operation> operations) {
    boolean plainRegister = true;
    Set<String> read = new HashSet<>();
    for (Operation operation : operations) {
      plainRegister &= operation.kind() != Kind.CAS && operation.kind() != Kind.APPEND;
      if (operation.kind() == Kind.GET && !operation.pending()) {
        read.add(operation.output());
      }
    }
    List<Operation> relevant = new ArrayList<>(operations.size());
    for (Operation operation : operations) {
      boolean unobservable =
          operation.pending()
              && (operation.kind() == Kind.GET
                  || (plainRegister && !read.contains(Register.apply(null, operation))));
      if (!unobservable) {
        relevant.add(operation);
      }
    }
    return relevant;
  }

  /**
   * Whether answered operation {@code read} changes nothing and fits {@code state}, and may follow
   * the pending step {@code afterPending} if there is one.
   */
  boolean eagerRead(int read, String state, OrderStep afterPending) {
    Operation operation = operations[read];
    return Register.readOnly(operation)
        && Register.fits(state, operation)
        && justifies(afterPending, read, state);
  }

  /**
   * Whether operation {@code next} may follow the pending step {@code afterPending} (no restriction
   * if that is null), the register now holding {@code state}, in canonical order: the pending step
   * must make a difference to it, or the order without it, or with it one step later, is explored
   * instead.
   */
  boolean justifies(OrderStep afterPending, int next, String state) {
    if (afterPending == null) {
      return true;
    }
    Operation pending = operations[afterPending.operation()];
    Operation following = operations[next];
    String before = afterPending.stateBefore();
    if (!Register.fits(before, following)) {
      return true; // the pending step enables it
    }
    String afterBoth = Register.apply(state, following);
    if (Objects.equals(Register.apply(before, following), afterBoth)) {
      return false; // it erases the pending step
    }
    return next >= answered
        || !Objects.equals(Register.apply(Register.apply(before, following), pending), afterBoth);
  }

  /**
   * Whether some candidate may follow the pending {@code step}, which leaves {@code state}: an
   * answered one whose call is still in the list, or a pending one invoked before position {@code
   * limit}.
   */
  boolean anyJustified(OrderStep step, String state, int limit) {
    for (Event call = events.first(); call != null && call.isCall(); call = call.next()) {
      budget.countStep();
      if (Register.fits(state, operations[call.operation()])
          && justifies(step, call.operation(), state)) {
        return true;
      }
    }
    // A blind write after the pending step would erase it, and a pending step must change the
    // state: only a CAS expecting this state, or an APPEND, can follow.
    List<Integer> swapping = pendingCasByExpected.getOrDefault(state, List.of());
    for (List<Integer> followers : List.of(swapping, pendingAppends)) {
      for (int next : followers) {
        budget.countStep();
        if (events.callPosition(next) >= limit) {
          break;
        }
        if (next != step.operation()
            && !explored.linearized(next)
            && !Objects.equals(Register.apply(state, operations[next]), state)
            && justifies(step, next, state)) {
          return true;
        }
      }
    }
    return false;
  }
}
