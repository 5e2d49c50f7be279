package io.spindle.testkit.lincheck;

import io.spindle.testkit.lincheck.Operation.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Records what clients did, as they saw it, for {@link LinearizabilityChecker#check(List)}: a
 * client {@link #invoke}s an operation, then learns that it happened ({@link #ok}), that it
 * certainly did not ({@link #fail}: the operation is dropped), or nothing ({@link #info}: it may or
 * may not have taken effect). An operation never answered at all counts as {@link #info}.
 *
 * <p>Not thread-safe: one thread records, typically the simulator's; {@code now} comes from its
 * clock. A late answer after {@link #info} may still be recorded with {@link #ok} or {@link #fail}.
 */
public final class History {

  /** Names one invoked operation of one history; hand it back to answer the operation. */
  public static final class Handle {
    private final History owner;
    private final int index;

    private Handle(History owner, int index) {
      this.owner = owner;
      this.index = index;
    }

    @Override
    public String toString() {
      return "operation #" + index;
    }
  }

  private enum Outcome {
    OPEN,
    OK,
    FAILED,
    INFO
  }

  private static final class Recorded {
    private Operation operation;
    private Outcome outcome = Outcome.OPEN;

    private Recorded(Operation invoked) {
      this.operation = invoked;
    }
  }

  private final List<Recorded> recorded = new ArrayList<>();

  /**
   * Records that {@code client} invoked an operation at {@code now}: {@code value} is what a PUT or
   * APPEND writes, {@code null} for GET and DELETE. A CAS also needs its expected value: use {@link
   * #invokeCas}.
   */
  public Handle invoke(int client, Kind kind, String key, String value, long now) {
    if (kind == Kind.CAS) {
      throw new IllegalArgumentException(
          "a CAS of key '" + key + "' needs its expected value: record it with invokeCas");
    }
    return record(new Operation(client, now, Operation.PENDING, kind, key, value, null, null));
  }

  /** Records that {@code client} invoked a compare-and-set at {@code now}. */
  public Handle invokeCas(int client, String key, String expected, String newValue, long now) {
    return record(
        new Operation(client, now, Operation.PENDING, Kind.CAS, key, newValue, null, expected));
  }

  /**
   * Records that the operation took effect and answered {@code output} at {@code now}: the value
   * read by a GET ({@code null}: absent), {@code "true"}/{@code "false"} for a CAS, ignored for the
   * other kinds.
   */
  public void ok(Handle handle, String output, long now) {
    Recorded answered = answerable(handle, now);
    Operation invoked = answered.operation;
    answered.operation =
        new Operation(
            invoked.client(),
            invoked.call(),
            now,
            invoked.kind(),
            invoked.key(),
            invoked.value(),
            output,
            invoked.expected());
    answered.outcome = Outcome.OK;
  }

  /** Records that a write (PUT, DELETE, APPEND) took effect, answered at {@code now}. */
  public void ok(Handle handle, long now) {
    ok(handle, null, now);
  }

  /** Records that the operation certainly did not take effect: the checker never sees it. */
  public void fail(Handle handle, long now) {
    answerable(handle, now).outcome = Outcome.FAILED;
  }

  /** Records that the outcome is unknown: the checker may linearize it anywhere after its call. */
  public void info(Handle handle) {
    Recorded unknown = answerable(handle, Long.MAX_VALUE);
    unknown.outcome = Outcome.INFO;
  }

  /**
   * The operations that may have happened, in invocation order: answered ones with their answer,
   * {@link #info} and unanswered ones as {@link Operation#pending() pending}.
   */
  public List<Operation> operations() {
    List<Operation> operations = new ArrayList<>(recorded.size());
    for (Recorded each : recorded) {
      if (each.outcome != Outcome.FAILED) {
        operations.add(each.operation);
      }
    }
    return List.copyOf(operations);
  }

  private Handle record(Operation invoked) {
    recorded.add(new Recorded(invoked));
    return new Handle(this, recorded.size() - 1);
  }

  private Recorded answerable(Handle handle, long now) {
    Objects.requireNonNull(handle, "operation handle");
    if (handle.owner != this) {
      throw new IllegalArgumentException(handle + " was invoked in another history");
    }
    Recorded answered = recorded.get(handle.index);
    if (answered.outcome == Outcome.OK || answered.outcome == Outcome.FAILED) {
      throw new IllegalStateException(
          handle
              + " ("
              + answered.operation
              + ") was already answered "
              + answered.outcome
              + ": an operation is answered once");
    }
    if (now < answered.operation.call()) {
      throw new IllegalArgumentException(
          handle
              + " ("
              + answered.operation
              + ") cannot be answered at t="
              + now
              + ", before it was invoked");
    }
    return answered;
  }
}
