package io.spindle.testkit.lincheck;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The calls and returns of the answered operations on one key in time order, as the doubly linked
 * list Wing and Gong's search walks: linearizing an operation lifts its call and return out of the
 * list, and backtracking puts them back where they were, in constant time. Pending operations have
 * no return and stay out of the list; it still records where each operation's call falls among the
 * events, which bounds how late a pending operation may be tried.
 */
final class EventList {

  private static final int NONE = -1;

  /** A call or return of an answered operation, linked into the list of events still to order. */
  static final class Event {
    private final int operation;
    private final boolean call;
    private final int position;
    private Event previous;
    private Event next;
    private Event returned;

    private Event(int operation, boolean call, int position) {
      this.operation = operation;
      this.call = call;
      this.position = position;
    }

    /** The operation's index in the search's order of operations. */
    int operation() {
      return operation;
    }

    /** Whether this is the operation's call; otherwise it is its return. */
    boolean isCall() {
      return call;
    }

    /** Where the event falls among all calls and returns, counting from 0. */
    int position() {
      return position;
    }

    /** The next event still in the list, or null. */
    Event next() {
      return next;
    }
  }

  private final Event head = new Event(NONE, false, NONE);
  private final int[] callPosition;

  /**
   * Links the events of {@code operations}, of which the first {@code answered} are the answered
   * ones; the rest are pending.
   */
  EventList(Operation[] operations, int answered) {
    this.callPosition = new int[operations.length];
    record Stamp(long time, boolean isReturn, int operation) {}
    List<Stamp> stamps = new ArrayList<>(2 * operations.length);
    for (int i = 0; i < operations.length; i++) {
      stamps.add(new Stamp(operations[i].call(), false, i));
      if (i < answered) {
        stamps.add(new Stamp(operations[i].ret(), true, i));
      }
    }
    // Calls before returns at equal times: touching intervals overlap.
    stamps.sort(
        Comparator.comparingLong(Stamp::time)
            .thenComparing(Stamp::isReturn)
            .thenComparingInt(Stamp::operation));
    Event[] calls = new Event[answered];
    Event last = head;
    for (int position = 0; position < stamps.size(); position++) {
      Stamp stamp = stamps.get(position);
      if (!stamp.isReturn()) {
        callPosition[stamp.operation()] = position;
      }
      if (stamp.operation() >= answered) {
        continue; // pending calls stay out of the list
      }
      Event event = new Event(stamp.operation(), !stamp.isReturn(), position);
      if (event.call) {
        calls[event.operation] = event;
      } else {
        calls[event.operation].returned = event;
      }
      event.previous = last;
      last.next = event;
      last = event;
    }
  }

  /** The earliest event still in the list, or null once it is empty. */
  Event first() {
    return head.next;
  }

  /** Where the call of {@code operation}, answered or pending, falls among all events. */
  int callPosition(int operation) {
    return callPosition[operation];
  }

  /** Takes the operation of {@code call} out of the list, its call and its return. */
  static void lift(Event call) {
    unlink(call);
    if (call.returned != null) {
      unlink(call.returned);
    }
  }

  /** Puts back what {@link #lift} took out; the undos must come in reverse order of the lifts. */
  static void unlift(Event call) {
    if (call.returned != null) {
      relink(call.returned);
    }
    relink(call);
  }

  private static void unlink(Event event) {
    event.previous.next = event.next;
    if (event.next != null) {
      event.next.previous = event.previous;
    }
  }

  private static void relink(Event event) {
    event.previous.next = event;
    if (event.next != null) {
      event.next.previous = event;
    }
  }
}
