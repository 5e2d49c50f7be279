package io.spindle.testkit.lincheck;

import io.spindle.testkit.lincheck.EventList.Event;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Searches for a linearization of the operations on one key: Wing and Gong's backtracking search
 * over a doubly linked list of call and return events ({@link EventList}), with Lowe's memoization
 * of the configurations already explored (which operations are linearized, and the register's
 * state: {@link ExploredConfigurations}). This class owns the search loop itself: the order built
 * so far ({@link OrderStep}), the candidates, the barrier, backtracking, and the verdict.
 *
 * <p>The search walks the events from the front: each call is a candidate to take effect now; the
 * first return still in the list is the barrier, an operation that must have taken effect already.
 * When no candidate leads anywhere the search backtracks; it succeeds once every answered operation
 * is linearized.
 *
 * <p>On top of that, reductions that only skip orders for which an order still explored stands in
 * (the tests hold them to a brute force and to the plain search):
 *
 * <ol>
 *   <li><b>Eager reads.</b> A candidate that changes nothing (a GET, a CAS that answered false) and
 *       fits the current state is taken at once, and nothing else is tried from there: any order
 *       can be rewritten to take it first.
 *   <li><b>Pending operations only where they matter.</b> Pending operations (no answer) are
 *       optional and may take effect arbitrarily late, so each stays a candidate from its call on;
 *       naively, each doubles the configurations after its call. They are tried after the answered
 *       candidates, and a pending step is taken only if it changes the state and the next step
 *       depends on it: it would not fit without it, or it ends differently and could not simply go
 *       first. Otherwise the order without the pending step, or with it one step later, is
 *       equivalent. A lookahead skips pending steps that no next step would justify ({@link
 *       PendingStepReductions}).
 *   <li><b>Symmetry.</b> Pending blind writes with the same effect (the same value, or values
 *       nothing else mentions on a key without APPEND) are interchangeable, so they are used in
 *       call order. Otherwise each CAS that answered false could be explained by any of them in
 *       turn ({@link InterchangeableWrites}).
 *   <li><b>Dominance.</b> As pending operations are optional, a configuration is pruned when one
 *       with the same answered operations and state, and a subset of its pending ones, was
 *       explored. Trying pending operations last makes the smaller sets come first.
 *   <li><b>Irrelevance.</b> Pending reads are dropped; on a key with only PUT, GET and DELETE, so
 *       are pending writes of a value no answered read returned ({@link
 *       PendingStepReductions#relevant}).
 * </ol>
 *
 * <p>Effort is bounded by the configurations explored and the candidate steps examined ({@link
 * SearchBudget}); past either bound the search gives up. {@link VerdictExplanations} words the
 * verdict for a person. Not thread-safe; one instance checks one key once.
 */
final class KeySearch {

  enum Status {
    LINEARIZABLE,
    NOT_LINEARIZABLE,
    GAVE_UP
  }

  /** What the search found for one key; {@code explanation} is written for a person. */
  record Verdict(String key, Status status, long statesExplored, String explanation) {}

  private static final int NONE = -1;

  /** Where to resume among the pending operations when nothing else is left to try. */
  static final int EXHAUSTED = Integer.MAX_VALUE;

  /** The latest return any order got stuck at, with that order and the register it left. */
  record Frontier(Event stuck, OrderStep path, String state) {}

  private final String key;
  private final Operation[] operations;
  private final int answered;
  private final EventList events;
  private final ExploredConfigurations explored;
  private final InterchangeableWrites interchangeable;
  private final PendingStepReductions reductions;
  private final VerdictExplanations explanations;
  private final SearchBudget budget;

  private KeySearch(String key, List<Operation> original, long maxStates) {
    this.key = key;
    this.budget = new SearchBudget(maxStates);
    List<Operation> answeredOps = new ArrayList<>();
    List<Operation> pendingOps = new ArrayList<>();
    for (Operation operation : PendingStepReductions.relevant(original)) {
      (operation.pending() ? pendingOps : answeredOps).add(operation);
    }
    Comparator<Operation> byInterval =
        Comparator.comparingLong(Operation::call).thenComparingLong(Operation::ret);
    answeredOps.sort(byInterval);
    pendingOps.sort(byInterval);
    this.answered = answeredOps.size();
    List<Operation> all = new ArrayList<>(answeredOps);
    all.addAll(pendingOps);
    this.operations = all.toArray(new Operation[0]);
    this.explored = new ExploredConfigurations(answered, pendingOps.size());
    this.interchangeable = new InterchangeableWrites(operations, answered);
    this.events = new EventList(operations, answered);
    this.reductions = new PendingStepReductions(operations, answered, events, explored, budget);
    this.explanations =
        new VerdictExplanations(key, original, operations, answered, events, budget);
  }

  /** Checks the operations on {@code key}, exploring at most {@code maxStates} configurations. */
  static Verdict check(String key, List<Operation> operationsOnKey, long maxStates) {
    return new KeySearch(key, operationsOnKey, maxStates).search();
  }

  private Verdict search() {
    OrderStep top = null;
    Frontier furthest = null;
    String state = null;
    int answeredLeft = answered;
    boolean fresh = true; // just entered a configuration
    Event entry = events.first();
    Event barrier = null;
    int nextPending = NONE; // NONE while answered candidates are tried, then the next pending one
    while (answeredLeft > 0) {
      budget.countStep();
      if (budget.stepsSpent()) {
        return gaveUp(furthest);
      }
      OrderStep afterPending = top != null && top.pending() ? top : null;
      if (fresh) {
        fresh = false;
        Event read = events.first();
        while (read != null
            && read.isCall()
            && !reductions.eagerRead(read.operation(), state, afterPending)) {
          read = read.next();
        }
        if (read != null && read.isCall()) {
          // Any order from here can take this read first: it changes nothing, and it was invoked
          // before the barrier. So it is the only step to try.
          Event readBarrier = read;
          while (readBarrier != null && readBarrier.isCall()) {
            readBarrier = readBarrier.next();
          }
          if (enter(read.operation(), state, null)) {
            if (budget.configurationsSpent()) {
              return gaveUp(furthest);
            }
            top = new OrderStep(read.operation(), read, readBarrier, EXHAUSTED, state, top);
            EventList.lift(read);
            answeredLeft--;
            entry = events.first();
            fresh = true;
            continue;
          }
          barrier = readBarrier;
          nextPending = EXHAUSTED;
        }
      }
      if (nextPending == NONE) {
        if (entry != null && entry.isCall()) {
          Operation operation = operations[entry.operation()];
          if (Register.fits(state, operation)
              && reductions.justifies(afterPending, entry.operation(), state)) {
            String after = Register.apply(state, operation);
            if (enter(entry.operation(), after, null)) {
              if (budget.configurationsSpent()) {
                return gaveUp(furthest);
              }
              top = new OrderStep(entry.operation(), entry, null, NONE, state, top);
              state = after;
              EventList.lift(entry);
              answeredLeft--;
              entry = events.first();
              fresh = true;
              continue;
            }
          }
          entry = entry.next();
          continue;
        }
        barrier = entry;
        nextPending = answered;
      }
      int limit = barrier == null ? Integer.MAX_VALUE : barrier.position();
      boolean stepped = false;
      while (!stepped
          && nextPending < operations.length
          && events.callPosition(nextPending) < limit) {
        int pending = nextPending++;
        budget.countStep();
        if (explored.linearized(pending) || !interchangeable.inTurn(pending)) {
          continue;
        }
        String after = Register.apply(state, operations[pending]);
        if (Objects.equals(after, state)) {
          continue; // a pending step that changes nothing can as well be left out
        }
        if (!reductions.justifies(afterPending, pending, state)) {
          continue;
        }
        OrderStep step = new OrderStep(pending, null, barrier, nextPending, state, top);
        if (reductions.anyJustified(step, after, limit) && enter(pending, after, step)) {
          if (budget.configurationsSpent()) {
            return gaveUp(furthest);
          }
          top = step;
          state = after;
          stepped = true;
        }
      }
      if (stepped) {
        entry = events.first();
        nextPending = NONE;
        fresh = true;
        continue;
      }
      // The barrier's operation had to take effect by now: undo the latest step, try the next.
      if (afterPending == null
          && barrier != null
          && (furthest == null || barrier.position() > furthest.stuck().position())) {
        furthest = new Frontier(barrier, top, state);
      }
      if (top == null) {
        return new Verdict(
            key,
            Status.NOT_LINEARIZABLE,
            budget.configurations(),
            explanations.violation(furthest));
      }
      OrderStep undone = top;
      top = undone.below();
      state = undone.stateBefore();
      undo(undone.operation());
      if (undone.pending()) {
        barrier = undone.barrier();
        nextPending = undone.nextPending();
        continue;
      }
      EventList.unlift(undone.call());
      answeredLeft++;
      if (undone.nextPending() == EXHAUSTED) { // an eager read: nothing else to try from there
        barrier = undone.barrier();
        nextPending = EXHAUSTED;
      } else {
        entry = undone.call().next();
        nextPending = NONE;
      }
    }
    return new Verdict(
        key, Status.LINEARIZABLE, budget.configurations(), explanations.linearizable());
  }

  private Verdict gaveUp(Frontier furthest) {
    return new Verdict(key, Status.GAVE_UP, budget.configurations(), explanations.gaveUp(furthest));
  }

  /**
   * Linearizes {@code operation}, leaving {@code state}, unless the configuration this makes is
   * dominated by one explored before. {@code pendingStep} is the step if it is a pending one.
   */
  private boolean enter(int operation, String state, OrderStep pendingStep) {
    if (!explored.enter(operation, state, pendingStep)) {
      return false;
    }
    interchangeable.linearized(operation);
    budget.countConfiguration();
    return true;
  }

  /** Takes {@code operation} out of the current order again. */
  private void undo(int operation) {
    explored.leave(operation);
    interchangeable.undone(operation);
  }
}
