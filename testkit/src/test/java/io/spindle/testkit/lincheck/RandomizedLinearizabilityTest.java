package io.spindle.testkit.lincheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.testkit.lincheck.LinearizabilityChecker.Result;
import io.spindle.testkit.lincheck.Operation.Kind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Histories generated from a real register must pass, and fail once a read is corrupted. The
 * checker's reductions are held to a brute force over every order on tiny histories, and to the
 * plain Wing-Gong search on medium ones. Each case names its seed, so a failure replays.
 */
class RandomizedLinearizabilityTest {

  @Test
  void historiesOfARealRegisterAreLinearizableUntilAReadIsCorrupted() {
    for (long seed = 0; seed < 300; seed++) {
      Random random = new Random(seed);
      List<Operation> history = RandomRegisterHistories.generate(random, 4, 3, 80, 0.05);

      Result result = LinearizabilityChecker.check(history);
      assertTrue(
          result.linearizable() && result.conclusive(),
          "seed " + seed + ": " + result.explanation());

      String impossible = "never-written-" + seed;
      RandomRegisterHistories.Corrupted corrupted =
          RandomRegisterHistories.withCorruptedRead(history, random, impossible);
      Result broken = LinearizabilityChecker.check(corrupted.history());
      assertTrue(broken.violation(), "seed " + seed + ": " + broken.explanation());
      assertTrue(
          broken.explanation().contains("key \"" + corrupted.read().key() + "\" is not"),
          "seed " + seed + ": " + broken.explanation());
      assertTrue(
          broken.explanation().contains(corrupted.read().toString()),
          "seed " + seed + ": " + broken.explanation());
    }
  }

  @Test
  void checkerAgreesWithBruteForceOnTinyHistories() {
    int violations = 0;
    for (long seed = 0; seed < 5_000; seed++) {
      List<Operation> history = tinyRandomHistory(new Random(seed), false);
      boolean expected = BruteForce.linearizable(history, Long.MAX_VALUE);
      Result result = LinearizabilityChecker.check(history);
      assertTrue(result.conclusive(), "seed " + seed + ": " + result.explanation());
      assertEquals(
          expected,
          result.linearizable(),
          "seed " + seed + ": " + history + "\n" + result.explanation());
      violations += expected ? 0 : 1;
    }
    assertTrue(
        violations > 500 && violations < 4_500, "both verdicts are exercised: " + violations);
  }

  @Test
  void smallestFailingPrefixIsExactlyWhereTheExplanationCutsTheHistory() {
    Pattern cutAt = Pattern.compile("at t=(\\d+), where");
    int checked = 0;
    for (long seed = 0; seed < 3_000; seed++) {
      List<Operation> history = tinyRandomHistory(new Random(seed), true);
      Result result = LinearizabilityChecker.check(history);
      if (!result.violation()) {
        continue;
      }
      Matcher cut = cutAt.matcher(result.explanation());
      assertTrue(cut.find(), "seed " + seed + ": " + result.explanation());
      long t = Long.parseLong(cut.group(1));
      List<Operation> invokedBefore = new ArrayList<>();
      for (Operation operation : history) {
        if (operation.call() < t) {
          invokedBefore.add(operation);
        }
      }
      // Timestamps are distinct, so "just before the cut" is t - 1.
      String context = "seed " + seed + ": " + history + "\n" + result.explanation();
      assertFalse(BruteForce.linearizable(invokedBefore, t), context);
      assertTrue(BruteForce.linearizable(invokedBefore, t - 1), context);
      checked++;
    }
    assertTrue(checked > 500, "violations checked: " + checked);
  }

  @Test
  void reductionsAgreeWithThePlainSearchOnMediumHistories() {
    for (long seed = 0; seed < 600; seed++) {
      Random random = new Random(seed);
      List<Operation> history =
          RandomRegisterHistories.generate(
              random, 2 + random.nextInt(4), 1, 5 + random.nextInt(30), random.nextDouble() * 0.4);
      if (random.nextBoolean()) {
        history = withOneAnswerFlipped(history, random);
      }
      Boolean expected = PlainWingGong.linearizable(history, 2_000_000);
      Result result = LinearizabilityChecker.check(history);
      String context = "seed " + seed + ": " + history + "\n" + result.explanation();
      assertTrue(expected != null && result.conclusive(), context);
      assertEquals(expected, result.linearizable(), context);
    }
  }

  /** A plausible corruption: a read returns another value of the history, or a CAS flips. */
  private static List<Operation> withOneAnswerFlipped(List<Operation> history, Random random) {
    List<Operation> flipped = new ArrayList<>(history);
    int i = random.nextInt(history.size());
    Operation operation = history.get(i);
    if (operation.pending()) {
      return flipped;
    }
    if (operation.kind() == Kind.GET) {
      String other = history.get(random.nextInt(history.size())).value();
      flipped.set(
          i,
          Operation.get(
              operation.client(), operation.call(), operation.ret(), operation.key(), other));
    } else if (operation.kind() == Kind.CAS) {
      boolean swapped = "true".equals(operation.output());
      flipped.set(
          i,
          Operation.cas(
              operation.client(),
              operation.call(),
              operation.ret(),
              operation.key(),
              operation.expected(),
              operation.value(),
              !swapped));
    }
    return flipped;
  }

  /**
   * Up to seven operations on one key with a two-value domain, so that both verdicts are common;
   * with {@code distinctTimes}, no two events share a timestamp.
   */
  private static List<Operation> tinyRandomHistory(Random random, boolean distinctTimes) {
    String[] values = {null, "1", "2"};
    boolean withAppend = random.nextInt(5) == 0;
    int size = 1 + random.nextInt(7);
    List<Long> times = new ArrayList<>();
    for (long t = 0; t < 2 * size; t++) {
      times.add(distinctTimes ? t : random.nextInt(10));
    }
    Collections.shuffle(times, random);
    List<Operation> history = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      long call = Math.min(times.get(2 * i), times.get(2 * i + 1));
      long ret =
          random.nextInt(4) == 0
              ? Operation.PENDING
              : Math.max(times.get(2 * i), times.get(2 * i + 1));
      int roll = random.nextInt(10);
      String value = values[1 + random.nextInt(2)];
      String any = values[random.nextInt(3)];
      Operation operation;
      if (roll < 4) {
        operation = Operation.get(i, call, ret, "x", withAppend && any != null ? any + value : any);
      } else if (roll < 7) {
        operation =
            withAppend
                ? Operation.append(i, call, ret, "x", value)
                : Operation.put(i, call, ret, "x", value);
      } else if (roll < 8) {
        operation = Operation.delete(i, call, ret, "x");
      } else {
        operation = Operation.cas(i, call, ret, "x", any, value, random.nextBoolean());
      }
      history.add(operation);
    }
    return history;
  }

  /**
   * Tries every order that respects real time. Operations answered after {@code cut} are optional,
   * but keep their answers if ordered: the history cut at that instant.
   */
  private static final class BruteForce {

    static boolean linearizable(List<Operation> history, long cut) {
      return extend(history, new boolean[history.size()], null, cut);
    }

    private static boolean extend(List<Operation> history, boolean[] done, String state, long cut) {
      boolean requiredLeft = false;
      for (int i = 0; i < history.size(); i++) {
        requiredLeft |= !done[i] && history.get(i).ret() <= cut && !history.get(i).pending();
      }
      if (!requiredLeft) {
        return true;
      }
      for (int i = 0; i < history.size(); i++) {
        Operation next = history.get(i);
        if (done[i] || !mayGoNext(history, done, next) || !fits(state, next)) {
          continue;
        }
        done[i] = true;
        boolean found = extend(history, done, apply(state, next), cut);
        done[i] = false;
        if (found) {
          return true;
        }
      }
      return false;
    }

    /** No operation still to order returned before {@code next} was invoked. */
    private static boolean mayGoNext(List<Operation> history, boolean[] done, Operation next) {
      for (int j = 0; j < history.size(); j++) {
        if (!done[j] && history.get(j).ret() < next.call()) {
          return false;
        }
      }
      return true;
    }

    // Written out again, independently of Register, so that the two can disagree.
    private static boolean fits(String state, Operation operation) {
      if (operation.pending()) {
        return true;
      }
      if (operation.kind() == Kind.GET) {
        return Objects.equals(state, operation.output());
      }
      if (operation.kind() == Kind.CAS) {
        return Objects.equals(state, operation.expected()) == operation.output().equals("true");
      }
      return true;
    }

    private static String apply(String state, Operation operation) {
      if (operation.kind() == Kind.PUT) {
        return operation.value();
      }
      if (operation.kind() == Kind.DELETE) {
        return null;
      }
      if (operation.kind() == Kind.APPEND) {
        return Objects.requireNonNullElse(state, "") + operation.value();
      }
      if (operation.kind() == Kind.CAS && Objects.equals(state, operation.expected())) {
        return operation.value();
      }
      return state;
    }
  }
}
