package io.spindle.testkit.lincheck;

import io.spindle.testkit.lincheck.EventList.Event;

/**
 * One step of the order the search is building, and the steps below it: an immutable stack, so the
 * deepest order reached is kept for free when the search backtracks past it. A step remembers what
 * backtracking over it needs: the register's state before it, and where to go on from. An answered
 * step remembers its call event; a pending step the barrier and the next pending operation to try;
 * an eager read ({@code nextPending == }{@link KeySearch#EXHAUSTED}) remembers the barrier, since
 * nothing else was left to try where it was taken.
 */
final class OrderStep {
  private final int operation;
  private final Event call;
  private final Event barrier;
  private final int nextPending;
  private final String stateBefore;
  private final OrderStep below;

  OrderStep(
      int operation,
      Event call,
      Event barrier,
      int nextPending,
      String stateBefore,
      OrderStep below) {
    this.operation = operation;
    this.call = call;
    this.barrier = barrier;
    this.nextPending = nextPending;
    this.stateBefore = stateBefore;
    this.below = below;
  }

  /** The operation linearized by this step. */
  int operation() {
    return operation;
  }

  /** The call event of an answered step; null for a pending one. */
  Event call() {
    return call;
  }

  /** The first return still in the list when a pending step or an eager read was taken. */
  Event barrier() {
    return barrier;
  }

  /** Where the search resumes among the pending operations after undoing this step. */
  int nextPending() {
    return nextPending;
  }

  /** What the register held before this step. */
  String stateBefore() {
    return stateBefore;
  }

  /** The step before this one; null for the first. */
  OrderStep below() {
    return below;
  }

  /** Whether this step linearizes a pending operation (one that has no answer). */
  boolean pending() {
    return call == null;
  }
}
