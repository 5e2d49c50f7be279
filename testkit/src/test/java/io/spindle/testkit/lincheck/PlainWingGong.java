package io.spindle.testkit.lincheck;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Wing and Gong's search with Lowe's memoization and nothing else, pending operations included as
 * they are: the yardstick the reductions of {@link KeySearch} are held to. One key's operations.
 */
final class PlainWingGong {

  private PlainWingGong() {}

  private static final class Event {
    private final int operation;
    private final boolean call;
    private Event previous;
    private Event next;
    private Event returned;

    private Event(int operation, boolean call) {
      this.operation = operation;
      this.call = call;
    }
  }

  private record Frame(Event call, String stateBefore) {}

  private record Configuration(BitSet linearized, String state) {}

  /** Whether the operations on one key are linearizable; null if {@code maxStates} ran out. */
  static Boolean linearizable(List<Operation> operationsOnKey, int maxStates) {
    List<Operation> operations = List.copyOf(operationsOnKey);
    record Stamp(long time, boolean isReturn, int operation) {}
    List<Stamp> stamps = new ArrayList<>();
    int answered = 0;
    for (int i = 0; i < operations.size(); i++) {
      stamps.add(new Stamp(operations.get(i).call(), false, i));
      if (!operations.get(i).pending()) {
        stamps.add(new Stamp(operations.get(i).ret(), true, i));
        answered++;
      }
    }
    stamps.sort(
        Comparator.comparingLong(Stamp::time)
            .thenComparing(Stamp::isReturn)
            .thenComparingInt(Stamp::operation));
    Event head = new Event(-1, false);
    Event[] calls = new Event[operations.size()];
    Event last = head;
    for (Stamp stamp : stamps) {
      Event event = new Event(stamp.operation(), !stamp.isReturn());
      if (event.call) {
        calls[event.operation] = event;
      } else {
        calls[event.operation].returned = event;
      }
      event.previous = last;
      last.next = event;
      last = event;
    }

    Set<Configuration> explored = new HashSet<>();
    BitSet linearized = new BitSet();
    List<Frame> stack = new ArrayList<>();
    String state = null;
    int answeredLeft = answered;
    Event entry = head.next;
    while (answeredLeft > 0) {
      if (entry != null && entry.call) {
        Operation operation = operations.get(entry.operation);
        if (Register.fits(state, operation)) {
          String after = Register.apply(state, operation);
          linearized.set(entry.operation);
          if (explored.add(new Configuration((BitSet) linearized.clone(), after))) {
            if (explored.size() > maxStates) {
              return null;
            }
            stack.add(new Frame(entry, state));
            state = after;
            remove(entry);
            answeredLeft -= operation.pending() ? 0 : 1;
            entry = head.next;
            continue;
          }
          linearized.clear(entry.operation);
        }
        entry = entry.next;
        continue;
      }
      if (stack.isEmpty()) {
        return false;
      }
      Frame undone = stack.remove(stack.size() - 1);
      state = undone.stateBefore();
      restore(undone.call());
      linearized.clear(undone.call().operation);
      answeredLeft += operations.get(undone.call().operation).pending() ? 0 : 1;
      entry = undone.call().next;
    }
    return true;
  }

  private static void remove(Event call) {
    unlink(call);
    if (call.returned != null) {
      unlink(call.returned);
    }
  }

  private static void restore(Event call) {
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
