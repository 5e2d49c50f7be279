package io.spindle.testkit.lincheck;

import java.util.Objects;

/**
 * The sequential specification of one key: a register holding a string, {@code null} when absent.
 * An operation whose outcome is unknown fits any state; its effect still depends on the state (a
 * pending CAS swaps exactly when the register holds its expected value).
 */
final class Register {

  private Register() {}

  /**
   * Whether {@code operation}, taking effect while the register holds {@code state}, answers what
   * it did.
   */
  static boolean fits(String state, Operation operation) {
    if (operation.pending()) {
      return true;
    }
    switch (operation.kind()) {
      case GET:
        return Objects.equals(state, operation.output());
      case CAS:
        return Objects.equals(state, operation.expected()) == swapped(operation);
      case PUT:
      case DELETE:
      case APPEND:
        return true;
    }
    throw new AssertionError(operation.kind());
  }

  /** What the register holds after {@code operation} takes effect in {@code state}. */
  static String apply(String state, Operation operation) {
    switch (operation.kind()) {
      case GET:
        return state;
      case PUT:
        return operation.value();
      case DELETE:
        return null;
      case APPEND:
        return (state == null ? "" : state) + operation.value();
      case CAS:
        return Objects.equals(state, operation.expected()) ? operation.value() : state;
    }
    throw new AssertionError(operation.kind());
  }

  /**
   * Whether {@code operation} leaves the register as it was in every state it fits: a read, or an
   * answered CAS that did not swap (or swapped a value for itself).
   */
  static boolean readOnly(Operation operation) {
    switch (operation.kind()) {
      case GET:
        return true;
      case CAS:
        return (!operation.pending() && !swapped(operation))
            || operation.value().equals(operation.expected());
      case PUT:
      case DELETE:
      case APPEND:
        return false;
    }
    throw new AssertionError(operation.kind());
  }

  /** Why {@code operation} does not fit {@code state}, for an operation that does not. */
  static String misfit(String state, Operation operation) {
    String holds = "the register holds " + Operation.quote(state);
    if (operation.kind() == Operation.Kind.CAS) {
      return swapped(operation)
          ? holds + ", not the expected " + Operation.quote(operation.expected())
          : holds + ", the expected value, so the CAS would have swapped";
    }
    return holds;
  }

  private static boolean swapped(Operation cas) {
    return "true".equals(cas.output());
  }
}
