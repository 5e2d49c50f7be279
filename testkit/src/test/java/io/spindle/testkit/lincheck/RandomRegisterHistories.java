package io.spindle.testkit.lincheck;

import io.spindle.testkit.lincheck.Operation.Kind;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;

/**
 * Seeded histories that are linearizable by construction: clients issue overlapping operations
 * against a real sequential map, and each operation takes effect at a random instant inside its
 * interval. A pending operation takes effect at some instant after its call, or never.
 */
final class RandomRegisterHistories {

  private RandomRegisterHistories() {}

  private record Draft(
      int sequence,
      int client,
      long call,
      long ret,
      long effect,
      boolean takesEffect,
      Kind kind,
      String key,
      String value,
      String expected) {}

  /**
   * {@code operations} operations by {@code clients} concurrent clients on {@code keys} keys; a
   * fraction {@code pendingRate} of them never answered, after which their client is retired and a
   * new one takes its place (as in Jepsen).
   */
  static List<Operation> generate(
      Random random, int clients, int keys, int operations, double pendingRate) {
    long[] freeAt = new long[clients];
    int[] clientInSlot = new int[clients];
    for (int slot = 0; slot < clients; slot++) {
      clientInSlot[slot] = slot;
    }
    int nextClient = clients;
    Map<String, List<String>> written = new HashMap<>();
    List<Draft> drafts = new ArrayList<>(operations);
    for (int sequence = 0; sequence < operations; sequence++) {
      int slot = 0;
      for (int other = 1; other < clients; other++) {
        slot = freeAt[other] < freeAt[slot] ? other : slot;
      }
      long call = freeAt[slot] + random.nextInt(3);
      int duration = random.nextInt(12);
      boolean pending = random.nextDouble() < pendingRate;
      // A lost answer does not bound the effect: a delayed request may apply much later.
      long effect = call + random.nextInt(duration + 1 + (pending ? 40 : 0));
      String key = "k" + random.nextInt(keys);
      List<String> values = written.computeIfAbsent(key, k -> new ArrayList<>());
      int roll = random.nextInt(100);
      Kind kind = roll < 45 ? Kind.GET : roll < 75 ? Kind.PUT : roll < 82 ? Kind.DELETE : Kind.CAS;
      String value = kind == Kind.PUT || kind == Kind.CAS ? "v" + sequence : null;
      String expected = null;
      if (kind == Kind.CAS && !values.isEmpty() && random.nextInt(4) > 0) {
        expected = values.get(Math.max(0, values.size() - 1 - random.nextInt(2)));
      }
      if (value != null) {
        values.add(value);
      }
      drafts.add(
          new Draft(
              sequence,
              clientInSlot[slot],
              call,
              pending ? Operation.PENDING : call + duration,
              effect,
              !pending || random.nextBoolean(),
              kind,
              key,
              value,
              expected));
      freeAt[slot] = call + duration + 1;
      if (pending) {
        clientInSlot[slot] = nextClient++;
      }
    }
    return run(drafts);
  }

  /** Applies the drafts that take effect in effect order and records what each one answered. */
  private static List<Operation> run(List<Draft> drafts) {
    List<Draft> byEffect = new ArrayList<>();
    for (Draft draft : drafts) {
      if (draft.takesEffect()) {
        byEffect.add(draft);
      }
    }
    byEffect.sort(Comparator.comparingLong(Draft::effect).thenComparingInt(Draft::sequence));
    Map<String, String> store = new HashMap<>();
    String[] outputs = new String[drafts.size()];
    for (Draft draft : byEffect) {
      String current = store.get(draft.key());
      switch (draft.kind()) {
        case GET:
          outputs[draft.sequence()] = current;
          break;
        case PUT:
          store.put(draft.key(), draft.value());
          break;
        case DELETE:
          store.remove(draft.key());
          break;
        case CAS:
          {
            boolean swap = Objects.equals(current, draft.expected());
            if (swap) {
              store.put(draft.key(), draft.value());
            }
            outputs[draft.sequence()] = Boolean.toString(swap);
            break;
          }
        case APPEND:
          store.put(draft.key(), (current == null ? "" : current) + draft.value());
          break;
      }
    }
    List<Operation> history = new ArrayList<>(drafts.size());
    for (Draft draft : drafts) {
      boolean answered = draft.ret() != Operation.PENDING;
      history.add(
          new Operation(
              draft.client(),
              draft.call(),
              draft.ret(),
              draft.kind(),
              draft.key(),
              draft.value(),
              answered ? outputs[draft.sequence()] : null,
              draft.expected()));
    }
    return history;
  }

  /** A history with one read made impossible, and that read. */
  record Corrupted(List<Operation> history, Operation read) {}

  /**
   * {@code history} with one answered GET, chosen at random, reading {@code impossible} instead.
   */
  static Corrupted withCorruptedRead(List<Operation> history, Random random, String impossible) {
    List<Integer> reads = new ArrayList<>();
    for (int i = 0; i < history.size(); i++) {
      if (history.get(i).kind() == Kind.GET && !history.get(i).pending()) {
        reads.add(i);
      }
    }
    if (reads.isEmpty()) {
      throw new IllegalArgumentException("the history has no answered read to corrupt");
    }
    int index = reads.get(random.nextInt(reads.size()));
    Operation read = history.get(index);
    Operation corruptedRead =
        Operation.get(read.client(), read.call(), read.ret(), read.key(), impossible);
    List<Operation> corrupted = new ArrayList<>(history);
    corrupted.set(index, corruptedRead);
    return new Corrupted(List.copyOf(corrupted), corruptedRead);
  }
}
