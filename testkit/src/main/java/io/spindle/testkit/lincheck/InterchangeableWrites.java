package io.spindle.testkit.lincheck;

import io.spindle.testkit.lincheck.Operation.Kind;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The symmetry reduction of the search on one key: pending blind writes with the same effect are
 * interchangeable, so the search linearizes those of a class in call order only. The classes are
 * writes of the same value, and anonymous writes (PUTs of a value nothing else mentions, on a key
 * without APPEND, where appending to different values would tell them apart). Without this, each
 * CAS that answered false could be explained by any of them in turn.
 */
final class InterchangeableWrites {

  private static final int NONE = -1;

  private final int answered;
  private final int[] symmetryClass;
  private final int[] rankInClass;
  private final int[] usedInClass;

  /** Classifies the pending ones among {@code operations}: those from index {@code answered} on. */
  InterchangeableWrites(Operation[] operations, int answered) {
    this.answered = answered;
    this.symmetryClass = new int[operations.length - answered];
    this.rankInClass = new int[operations.length - answered];
    this.usedInClass = new int[classify(operations)];
  }

  /**
   * Sorts the pending blind writes into classes of interchangeable ones, ranked by call. Fills
   * {@code symmetryClass} and {@code rankInClass}; returns the number of classes.
   */
  private int classify(Operation[] operations) {
    record Effect(boolean anonymous, String value) {}
    Map<String, Integer> mentions = new HashMap<>();
    boolean appends = false;
    for (Operation operation : operations) {
      appends |= operation.kind() == Kind.APPEND;
      for (String mentioned :
          List.of(
              String.valueOf(operation.value()),
              String.valueOf(operation.expected()),
              String.valueOf(operation.output()))) {
        mentions.merge(mentioned, 1, Integer::sum);
      }
    }
    Map<Effect, Integer> classes = new HashMap<>();
    Map<Integer, Integer> sizes = new HashMap<>();
    for (int i = answered; i < operations.length; i++) {
      Operation operation = operations[i];
      symmetryClass[i - answered] = NONE;
      if (!blindWrite(operation)) {
        continue;
      }
      boolean anonymous =
          !appends && operation.kind() == Kind.PUT && mentions.get(operation.value()) == 1;
      Effect effect = new Effect(anonymous, anonymous ? null : operation.value());
      int symmetry = classes.computeIfAbsent(effect, e -> classes.size());
      symmetryClass[i - answered] = symmetry;
      rankInClass[i - answered] = sizes.merge(symmetry, 1, Integer::sum) - 1;
    }
    return classes.size();
  }

  /** A write whose effect does not depend on the state: it erases any pending step before it. */
  private static boolean blindWrite(Operation operation) {
    return operation.kind() == Kind.PUT || operation.kind() == Kind.DELETE;
  }

  /** An interchangeable write may only be linearized after those of its class invoked before it. */
  boolean inTurn(int pending) {
    int symmetry = symmetryClass[pending - answered];
    return symmetry == NONE || rankInClass[pending - answered] == usedInClass[symmetry];
  }

  /** Counts {@code operation}, answered or pending, as linearized. */
  void linearized(int operation) {
    count(operation, 1);
  }

  /** Counts {@code operation}, answered or pending, as no longer linearized. */
  void undone(int operation) {
    count(operation, -1);
  }

  private void count(int operation, int change) {
    if (operation >= answered && symmetryClass[operation - answered] != NONE) {
      usedInClass[symmetryClass[operation - answered]] += change;
    }
  }
}
