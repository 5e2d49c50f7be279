package io.spindle.testkit.lincheck;

import static io.spindle.testkit.lincheck.Operation.PENDING;
import static io.spindle.testkit.lincheck.Operation.append;
import static io.spindle.testkit.lincheck.Operation.cas;
import static io.spindle.testkit.lincheck.Operation.delete;
import static io.spindle.testkit.lincheck.Operation.get;
import static io.spindle.testkit.lincheck.Operation.put;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.testkit.lincheck.LinearizabilityChecker.Result;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Classic small histories, each judged by hand. Time runs left to right; c1, c2.. are clients. */
class LinearizabilityCheckerTest {

  private static void assertLinearizable(Operation... history) {
    Result result = LinearizabilityChecker.check(List.of(history));
    assertTrue(result.linearizable() && result.conclusive(), result.explanation());
    assertFalse(result.violation());
  }

  private static Result assertViolation(Operation... history) {
    Result result = LinearizabilityChecker.check(List.of(history));
    assertTrue(result.violation(), result.explanation());
    assertFalse(result.linearizable());
    return result;
  }

  @Test
  void emptyHistoryIsLinearizable() {
    assertLinearizable();
  }

  @Test
  void readOfAKeyNeverWrittenFindsItAbsent() {
    assertLinearizable(get(1, 0, 1, "x", null));
    assertViolation(get(1, 0, 1, "x", "1"));
  }

  @Test
  void sequentialWritesAndReadsAreLinearizable() {
    assertLinearizable(
        put(1, 0, 1, "x", "1"),
        get(2, 2, 3, "x", "1"),
        put(1, 4, 5, "x", "2"),
        get(2, 6, 7, "x", "2"));
  }

  @Test
  void staleReadAfterACompletedWriteIsNotLinearizable() {
    // c1: |PUT 1| |PUT 2|
    // c2:                 |GET -> 1|
    Operation staleRead = get(2, 40, 50, "x", "1");
    Result result = assertViolation(put(1, 0, 10, "x", "1"), put(1, 20, 30, "x", "2"), staleRead);

    String explanation = result.explanation();
    assertTrue(explanation.contains("key \"x\" is not linearizable"), explanation);
    assertTrue(explanation.contains("cut the history of \"x\" at t=50"), explanation);
    assertTrue(explanation.contains("1. c1 PUT x := \"1\" [0, 10]"), explanation);
    assertTrue(explanation.contains("2. c1 PUT x := \"2\" [20, 30]"), explanation);
    assertTrue(
        explanation.contains(staleRead + ": the register holds \"2\""),
        "names the read that cannot be ordered and why: " + explanation);
  }

  @Test
  void readConcurrentWithAWriteMaySeeTheOldOrTheNewValue() {
    // c1: |PUT 1|  |----PUT 2----|
    // c2:             |GET -> ?|
    assertLinearizable(put(1, 0, 10, "x", "1"), put(1, 20, 40, "x", "2"), get(2, 25, 30, "x", "1"));
    assertLinearizable(put(1, 0, 10, "x", "1"), put(1, 20, 40, "x", "2"), get(2, 25, 30, "x", "2"));
  }

  @Test
  void readMayNotReturnToTheOldValueAfterSeeingTheNewOne() {
    // c1:  |-------PUT 2-------|
    // c2:    |GET -> 2| |GET -> 1|
    assertViolation(
        put(1, 0, 1, "x", "1"),
        put(1, 10, 100, "x", "2"),
        get(2, 20, 30, "x", "2"),
        get(2, 40, 50, "x", "1"));
  }

  @Test
  void concurrentWritesSeenInOppositeOrdersByTwoReadersAreNotLinearizable() {
    // c1: |------------PUT 1------------|
    // c2: |------------PUT 2------------|
    // c3:    |GET -> 1|   |GET -> 2|
    // c4:    |GET -> 2|   |GET -> 1|
    // c3 needs PUT 1 before PUT 2, c4 the other way round.
    Result result =
        assertViolation(
            put(1, 0, 100, "x", "1"),
            put(2, 0, 100, "x", "2"),
            get(3, 10, 20, "x", "1"),
            get(3, 30, 40, "x", "2"),
            get(4, 10, 20, "x", "2"),
            get(4, 30, 40, "x", "1"));
    assertTrue(result.explanation().contains("at t=40"), result.explanation());
  }

  @Test
  void concurrentWritesSeenInTheSameOrderByTwoReadersAreLinearizable() {
    assertLinearizable(
        put(1, 0, 100, "x", "1"),
        put(2, 0, 100, "x", "2"),
        get(3, 10, 20, "x", "1"),
        get(3, 30, 40, "x", "2"),
        get(4, 10, 20, "x", "1"),
        get(4, 30, 40, "x", "2"));
  }

  @Test
  void readOfAValueNeverWrittenIsNotLinearizable() {
    Operation phantom = get(2, 20, 30, "x", "7");
    Result result = assertViolation(put(1, 0, 10, "x", "1"), put(1, 15, 35, "x", "2"), phantom);
    assertTrue(
        result.explanation().contains("no operation on \"x\" writes \"7\", yet " + phantom),
        result.explanation());
  }

  @Test
  void pendingWriteWhoseEffectIsObservedIsLinearizable() {
    // c1: |PUT 1| |PUT 2 ... (no answer)
    // c2:                  |GET -> 2|
    assertLinearizable(
        put(1, 0, 10, "x", "1"), put(1, 20, PENDING, "x", "2"), get(2, 30, 40, "x", "2"));
  }

  @Test
  void pendingWriteWhoseEffectIsNotObservedIsLinearizable() {
    assertLinearizable(
        put(1, 0, 10, "x", "1"), put(1, 20, PENDING, "x", "2"), get(2, 30, 40, "x", "1"));
  }

  @Test
  void pendingWriteMayTakeEffectLongAfterItsClientGaveUp() {
    // The old value is read twice, then the new one: the pending write took effect in between.
    assertLinearizable(
        put(1, 0, 10, "x", "1"),
        put(1, 20, PENDING, "x", "2"),
        get(2, 30, 40, "x", "1"),
        get(2, 50, 60, "x", "1"),
        get(3, 70, 80, "x", "2"));
  }

  @Test
  void pendingWriteOnceObservedCannotBeUndone() {
    assertViolation(
        put(1, 0, 10, "x", "1"),
        put(1, 20, PENDING, "x", "2"),
        get(2, 30, 40, "x", "2"),
        get(2, 50, 60, "x", "1"));
  }

  @Test
  void pendingWriteCannotTakeEffectBeforeItIsInvoked() {
    assertViolation(get(2, 0, 10, "x", "2"), put(1, 20, PENDING, "x", "2"));
  }

  @Test
  void unansweredReadsConstrainNothing() {
    assertLinearizable(put(1, 0, 10, "x", "1"), get(2, 20, PENDING, "x", null));
  }

  @Test
  void operationsTouchingAtOneInstantCountAsConcurrent() {
    // A coarse clock cannot tell which came first, so either order is allowed.
    assertLinearizable(put(1, 0, 5, "x", "1"), get(2, 5, 6, "x", null));
    assertViolation(put(1, 0, 5, "x", "1"), get(2, 6, 7, "x", null));
  }

  @Test
  void keysAreIndependentRegisters() {
    Result result =
        assertViolation(
            put(1, 0, 10, "x", "1"),
            put(1, 20, 30, "y", "1"),
            get(2, 40, 50, "x", "1"),
            get(2, 60, 70, "y", null),
            get(2, 80, 90, "x", "1"));
    assertTrue(result.explanation().contains("Not linearizable ("), result.explanation());
    assertTrue(result.explanation().contains("): key \"y\"."), result.explanation());
    assertFalse(result.explanation().contains("key \"x\" is not"), result.explanation());
  }

  @Test
  void everyViolatingKeyIsReported() {
    Result result =
        assertViolation(
            put(1, 0, 10, "a", "1"),
            get(2, 20, 30, "a", null),
            put(1, 0, 10, "b", "1"),
            get(2, 20, 30, "b", "2"));
    assertTrue(result.explanation().contains("keys \"a\", \"b\"."), result.explanation());
  }

  @Test
  void deleteMakesTheKeyAbsent() {
    assertLinearizable(put(1, 0, 1, "x", "1"), delete(1, 2, 3, "x"), get(2, 4, 5, "x", null));
    assertViolation(put(1, 0, 1, "x", "1"), delete(1, 2, 3, "x"), get(2, 4, 5, "x", "1"));
  }

  @Test
  void casSwapsExactlyWhenTheRegisterHoldsTheExpectedValue() {
    assertLinearizable(
        put(1, 0, 1, "x", "1"),
        cas(1, 2, 3, "x", "1", "2", true),
        cas(2, 4, 5, "x", "1", "3", false),
        get(2, 6, 7, "x", "2"));
    assertLinearizable(cas(1, 0, 1, "x", null, "1", true), get(2, 2, 3, "x", "1"));

    Result result = assertViolation(put(1, 0, 1, "x", "1"), cas(2, 2, 3, "x", "7", "2", true));
    assertTrue(
        result.explanation().contains("the register holds \"1\", not the expected \"7\""),
        result.explanation());
    assertViolation(put(1, 0, 1, "x", "1"), cas(2, 2, 3, "x", "1", "2", false));
  }

  @Test
  void pendingCasSwapsOnlyIfTheRegisterHoldsTheExpectedValue() {
    assertLinearizable(
        put(1, 0, 1, "x", "1"), cas(1, 2, PENDING, "x", "1", "2", false), get(2, 4, 5, "x", "2"));
    assertLinearizable(
        put(1, 0, 1, "x", "1"), cas(1, 2, PENDING, "x", "1", "2", false), get(2, 4, 5, "x", "1"));
    assertViolation(
        put(1, 0, 1, "x", "1"), cas(1, 2, PENDING, "x", "9", "2", false), get(2, 4, 5, "x", "2"));
  }

  @Test
  void concurrentAppendsApplyInSomeOrderBothReadersAgreeOn() {
    assertLinearizable(
        append(1, 0, 10, "x", "a"), append(2, 0, 10, "x", "b"), get(3, 20, 30, "x", "ba"));
    assertViolation(
        append(1, 0, 10, "x", "a"), append(2, 0, 10, "x", "b"), get(3, 20, 30, "x", "a"));
  }

  @Test
  void explanationShowsOnlyTheLatestStepsOfALongOrder() {
    List<Operation> history = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      history.add(put(1, 10 * i, 10 * i + 5, "x", "v" + i));
    }
    history.add(get(2, 400, 410, "x", "v3"));
    Result result = LinearizabilityChecker.check(history);
    assertTrue(result.violation(), result.explanation());
    assertTrue(result.explanation().contains("... 20 earlier operations"), result.explanation());
    assertTrue(result.explanation().contains("30. c1 PUT x := \"v29\""), result.explanation());
  }

  /** Many writers racing with many readers: lots of orders to try before a late stale read. */
  private static List<Operation> racingWriters(String key) {
    List<Operation> history = new ArrayList<>();
    for (int writer = 0; writer < 8; writer++) {
      history.add(put(writer, 0, 1_000, key, "w" + writer));
      history.add(get(100 + writer, 10, 990, key, "w" + (7 - writer)));
    }
    history.add(get(200, 2_000, 2_001, key, null));
    return history;
  }

  @Test
  void exhaustedSearchBudgetMakesTheResultInconclusive() {
    Result result = LinearizabilityChecker.check(racingWriters("x"), 50);

    assertFalse(result.conclusive(), result.explanation());
    assertFalse(result.linearizable());
    assertFalse(result.violation());
    assertTrue(result.explanation().contains("key \"x\": inconclusive"), result.explanation());
    assertTrue(LinearizabilityChecker.check(racingWriters("x")).violation());
  }

  @Test
  void violationOnOneKeyIsConclusiveEvenIfTheSearchGaveUpOnAnother() {
    List<Operation> history = new ArrayList<>(racingWriters("slow"));
    history.add(get(1, 0, 1, "fast", "never written"));

    Result result = LinearizabilityChecker.check(history, 50);

    assertTrue(result.violation(), result.explanation());
    assertTrue(
        result.explanation().contains("The search also gave up on key \"slow\"."),
        result.explanation());
  }

  @Test
  void historyOrderDoesNotMatter() {
    List<Operation> history =
        List.of(get(2, 30, 40, "x", "2"), put(1, 20, PENDING, "x", "2"), put(1, 0, 10, "x", "1"));
    assertTrue(LinearizabilityChecker.check(history).linearizable());
  }

  @Test
  void nonsenseIsRejectedWithTheReason() {
    IllegalArgumentException putNull =
        assertThrows(IllegalArgumentException.class, () -> put(1, 0, 1, "x", null));
    assertEquals("PUT of key 'x' needs a value: use DELETE to remove a key", putNull.getMessage());
    assertThrows(IllegalArgumentException.class, () -> get(1, 5, 4, "x", null));
    assertThrows(
        IllegalArgumentException.class,
        () -> new Operation(1, 0, 1, Operation.Kind.CAS, "x", "2", "yes", "1"));
    assertThrows(
        IllegalArgumentException.class,
        () -> new Operation(1, 0, 1, Operation.Kind.GET, "x", "1", null));
    assertThrows(IllegalArgumentException.class, () -> LinearizabilityChecker.check(List.of(), 0));
  }

  @Test
  void operationsReadWellInExplanations() {
    assertEquals("c2 GET x -> \"1\" [4, 9]", get(2, 4, 9, "x", "1").toString());
    assertEquals("c2 GET x -> absent [4, 9]", get(2, 4, 9, "x", null).toString());
    assertEquals("c1 PUT x := \"7\" [3, pending]", put(1, 3, PENDING, "x", "7").toString());
    assertEquals(
        "c3 CAS x from absent to \"1\" -> true [0, 2]",
        cas(3, 0, 2, "x", null, "1", true).toString());
    assertEquals("c4 DELETE x [0, 2]", delete(4, 0, 2, "x").toString());
    assertEquals("c5 APPEND x += \"a\" [0, 2]", append(5, 0, 2, "x", "a").toString());
  }
}
