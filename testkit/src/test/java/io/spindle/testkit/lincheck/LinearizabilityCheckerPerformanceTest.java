package io.spindle.testkit.lincheck;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.testkit.lincheck.LinearizabilityChecker.Result;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A history the size a simulated-cluster run produces must check quickly. Nothing is timed here
 * (timing asserts flake on busy machines); a slow checker shows up as a slow suite.
 */
class LinearizabilityCheckerPerformanceTest {

  @Test
  void twoThousandOperationsOnFiveKeysByFiveClientsCheckQuickly() {
    List<Operation> history =
        RandomRegisterHistories.generate(new Random(20_240_601L), 5, 5, 2_000, 0.01);

    Result result = LinearizabilityChecker.check(history);
    assertTrue(result.linearizable() && result.conclusive(), result.explanation());

    RandomRegisterHistories.Corrupted corrupted =
        RandomRegisterHistories.withCorruptedRead(history, new Random(7), "never written");
    assertTrue(LinearizabilityChecker.check(corrupted.history()).violation());
  }

  @Test
  void twoThousandOperationsOnOneKeyCheckQuickly() {
    List<Operation> history =
        RandomRegisterHistories.generate(new Random(20_240_602L), 5, 1, 2_000, 0.01);

    Result result = LinearizabilityChecker.check(history);
    assertTrue(result.linearizable() && result.conclusive(), result.explanation());
  }
}
