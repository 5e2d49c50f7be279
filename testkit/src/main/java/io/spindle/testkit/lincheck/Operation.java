package io.spindle.testkit.lincheck;

import java.util.Objects;

/**
 * One client operation on the key-value store, as the client observed it: invoked at {@code call},
 * answered at {@code ret}. Times come from one clock shared by all clients (simulator ticks or
 * nanoseconds). Intervals are closed: an operation that returns at {@code t} and one invoked at
 * {@code t} count as concurrent, so coarse clocks can hide a bug but never raise a false alarm.
 *
 * <p>{@code ret == }{@link #PENDING} means the client never learned the outcome (it crashed, or
 * timed out): the operation may have taken effect at any moment after {@code call}, or never, and
 * its {@code output} is unknown and ignored.
 *
 * <p>Each key is an independent register, initially absent. What {@code value}, {@code output} and
 * {@code expected} mean depends on the {@link Kind}; the constructor rejects combinations that make
 * no sense, naming the operation.
 *
 * @param client the client (process) that issued the operation; only used in explanations
 * @param call when the client invoked the operation
 * @param ret when the client got the answer, or {@link #PENDING}
 * @param kind what the operation does
 * @param key the key it works on
 * @param value the value written by {@code PUT}, {@code APPEND} and {@code CAS}; {@code null} for
 *     {@code GET} and {@code DELETE}
 * @param output the value a {@code GET} read ({@code null}: the key was absent), or {@code "true"}
 *     / {@code "false"} for a {@code CAS}; ignored for the other kinds and for pending operations
 * @param expected the value a {@code CAS} expects ({@code null}: the key is absent); {@code null}
 *     for every other kind
 */
public record Operation(
    int client,
    long call,
    long ret,
    Kind kind,
    String key,
    String value,
    String output,
    String expected) {

  /** The {@code ret} of an operation whose outcome is unknown. */
  public static final long PENDING = Long.MAX_VALUE;

  /** What an operation does to the register of its key. */
  public enum Kind {
    /** Sets the key to {@code value} (never null: removing a key is a {@link #DELETE}). */
    PUT,
    /** Reads the key: {@code output} is its value, or {@code null} if it is absent. */
    GET,
    /** Removes the key. */
    DELETE,
    /** Appends {@code value} to the key's value (an absent key counts as the empty string). */
    APPEND,
    /**
     * Compare-and-set: if the key's value equals {@code expected} ({@code null}: absent) it becomes
     * {@code value} and {@code output} is {@code "true"}; otherwise nothing changes and {@code
     * output} is {@code "false"}.
     */
    CAS
  }

  public Operation {
    Objects.requireNonNull(kind, "operation kind");
    Objects.requireNonNull(key, "operation key");
    if (ret < call) {
      throw new IllegalArgumentException(
          "an operation cannot return (t=" + ret + ") before it is invoked (t=" + call + ")");
    }
    boolean writesValue = kind == Kind.PUT || kind == Kind.APPEND || kind == Kind.CAS;
    if (writesValue && value == null) {
      throw new IllegalArgumentException(
          kind
              + " of key '"
              + key
              + "' needs a value"
              + (kind == Kind.PUT ? ": use DELETE to remove a key" : ""));
    }
    if (!writesValue && value != null) {
      throw new IllegalArgumentException(
          kind + " of key '" + key + "' takes no value, got '" + value + "'");
    }
    if (kind != Kind.CAS && expected != null) {
      throw new IllegalArgumentException(
          "only a CAS has an expected value; " + kind + " of key '" + key + "' got one");
    }
    if (kind == Kind.CAS && ret != PENDING && !"true".equals(output) && !"false".equals(output)) {
      throw new IllegalArgumentException(
          "an answered CAS of key '" + key + "' outputs \"true\" or \"false\", got " + output);
    }
  }

  /** An operation of any kind but {@link Kind#CAS}, which also needs its expected value. */
  public Operation(
      int client, long call, long ret, Kind kind, String key, String value, String output) {
    this(client, call, ret, kind, key, value, output, null);
  }

  public static Operation put(int client, long call, long ret, String key, String value) {
    return new Operation(client, call, ret, Kind.PUT, key, value, null, null);
  }

  /** A read that returned {@code output}; {@code null} means the key was absent. */
  public static Operation get(int client, long call, long ret, String key, String output) {
    return new Operation(client, call, ret, Kind.GET, key, null, output, null);
  }

  public static Operation delete(int client, long call, long ret, String key) {
    return new Operation(client, call, ret, Kind.DELETE, key, null, null, null);
  }

  public static Operation append(int client, long call, long ret, String key, String value) {
    return new Operation(client, call, ret, Kind.APPEND, key, value, null, null);
  }

  /** A compare-and-set; {@code swapped} is what it answered, and is ignored when it is pending. */
  public static Operation cas(
      int client,
      long call,
      long ret,
      String key,
      String expected,
      String newValue,
      boolean swapped) {
    return new Operation(
        client, call, ret, Kind.CAS, key, newValue, Boolean.toString(swapped), expected);
  }

  /** Whether the client never learned the outcome: it may or may not have taken effect. */
  public boolean pending() {
    return ret == PENDING;
  }

  /** For example {@code c2 GET x -> "1" [4, 9]} or {@code c1 PUT x := "7" [3, pending]}. */
  @Override
  public String toString() {
    StringBuilder text = new StringBuilder().append('c').append(client).append(' ').append(kind);
    text.append(' ').append(key);
    switch (kind) {
      case PUT:
        text.append(" := ").append(quote(value));
        break;
      case APPEND:
        text.append(" += ").append(quote(value));
        break;
      case GET:
        text.append(" -> ").append(pending() ? "?" : quote(output));
        break;
      case CAS:
        text.append(" from ").append(quote(expected)).append(" to ").append(quote(value));
        text.append(" -> ").append(pending() ? "?" : output);
        break;
      case DELETE:
        break;
    }
    text.append(" [").append(call).append(", ");
    return text.append(pending() ? "pending" : Long.toString(ret)).append(']').toString();
  }

  /** A register value as explanations show it: quoted, or {@code absent}. */
  static String quote(String registerValue) {
    return registerValue == null ? "absent" : '"' + registerValue + '"';
  }
}
