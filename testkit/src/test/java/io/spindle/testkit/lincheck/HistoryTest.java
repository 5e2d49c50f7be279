package io.spindle.testkit.lincheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.testkit.lincheck.History.Handle;
import io.spindle.testkit.lincheck.Operation.Kind;
import java.util.List;
import org.junit.jupiter.api.Test;

class HistoryTest {

  private final History history = new History();

  @Test
  void answeredOperationsCarryTheirAnswerAndReturnTime() {
    Handle write = history.invoke(1, Kind.PUT, "x", "1", 0);
    Handle read = history.invoke(2, Kind.GET, "x", null, 1);
    history.ok(write, 5);
    history.ok(read, "1", 6);

    assertEquals(
        List.of(Operation.put(1, 0, 5, "x", "1"), Operation.get(2, 1, 6, "x", "1")),
        history.operations());
  }

  @Test
  void failedOperationsAreDropped() {
    Handle write = history.invoke(1, Kind.PUT, "x", "1", 0);
    history.fail(write, 5);

    assertEquals(List.of(), history.operations());
  }

  @Test
  void operationsWithUnknownOutcomeArePending() {
    Handle timedOut = history.invoke(1, Kind.PUT, "x", "1", 0);
    history.invoke(2, Kind.DELETE, "x", null, 3);
    history.info(timedOut);

    assertEquals(
        List.of(
            Operation.put(1, 0, Operation.PENDING, "x", "1"),
            Operation.delete(2, 3, Operation.PENDING, "x")),
        history.operations());
  }

  @Test
  void lateAnswerAfterATimeoutIsStillRecorded() {
    Handle write = history.invoke(1, Kind.PUT, "x", "1", 0);
    history.info(write);
    history.ok(write, 50);

    assertEquals(List.of(Operation.put(1, 0, 50, "x", "1")), history.operations());
  }

  @Test
  void casIsRecordedWithItsExpectedValue() {
    Handle swap = history.invokeCas(1, "x", null, "1", 0);
    history.ok(swap, "true", 2);

    assertEquals(List.of(Operation.cas(1, 0, 2, "x", null, "1", true)), history.operations());
  }

  @Test
  void recordedHistoryIsChecked() {
    Handle write = history.invoke(1, Kind.PUT, "x", "1", 0);
    Handle lost = history.invoke(1, Kind.PUT, "x", "2", 10);
    Handle read = history.invoke(2, Kind.GET, "x", null, 3);
    history.ok(write, 5);
    history.ok(read, "2", 20);
    history.info(lost);

    assertTrue(LinearizabilityChecker.check(history.operations()).linearizable());
  }

  @Test
  void misuseIsRejectedWithTheReason() {
    Handle write = history.invoke(1, Kind.PUT, "x", "1", 10);
    Handle other = new History().invoke(1, Kind.GET, "x", null, 0);

    assertThrows(IllegalArgumentException.class, () -> history.ok(write, 9));
    history.ok(write, 11);
    IllegalStateException twice =
        assertThrows(IllegalStateException.class, () -> history.fail(write, 12));
    assertEquals(
        "operation #0 (c1 PUT x := \"1\" [10, 11]) was already answered OK:"
            + " an operation is answered once",
        twice.getMessage());
    assertThrows(IllegalArgumentException.class, () -> history.ok(other, "1", 1));
    assertThrows(IllegalArgumentException.class, () -> history.invoke(1, Kind.CAS, "x", "1", 20));
    assertThrows(IllegalArgumentException.class, () -> history.invoke(1, Kind.GET, "x", "1", 20));
    Handle swap = history.invokeCas(1, "x", "1", "2", 20);
    assertThrows(IllegalArgumentException.class, () -> history.ok(swap, "maybe", 21));
  }
}
