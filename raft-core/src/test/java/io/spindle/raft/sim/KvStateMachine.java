package io.spindle.raft.sim;

import io.spindle.raft.Entry;
import io.spindle.raft.EntryType;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * The simulated replicated service: a string map. A command is {@code key=value}. It keeps the
 * chained hash of every entry it applied ({@link SimDisk#mix}), carried in its snapshots, so that
 * what a replica applied is checked against what was committed, not assumed.
 */
final class KvStateMachine {
  private TreeMap<String, String> data = new TreeMap<>();
  private long appliedIndex;
  private long chain;

  static byte[] put(String key, String value) {
    return (key + "=" + value).getBytes(StandardCharsets.UTF_8);
  }

  void apply(Entry e) {
    if (e.index() != appliedIndex + 1) {
      throw new AssertionError("apply out of order: " + e.index() + " after " + appliedIndex);
    }
    appliedIndex = e.index();
    chain = SimDisk.mix(chain, e);
    if (e.type() == EntryType.COMMAND) {
      String command = new String(e.data(), StandardCharsets.UTF_8);
      int eq = command.indexOf('=');
      data.put(command.substring(0, eq), command.substring(eq + 1));
    }
  }

  String get(String key) {
    return data.get(key);
  }

  long appliedIndex() {
    return appliedIndex;
  }

  /** The chained hash of entries 1..appliedIndex as this replica applied them. */
  long chain() {
    return chain;
  }

  Map<String, String> data() {
    return data;
  }

  byte[] snapshot() {
    StringBuilder sb = new StringBuilder();
    data.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
    byte[] body = sb.toString().getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(16 + body.length)
        .putLong(appliedIndex)
        .putLong(chain)
        .put(body)
        .array();
  }

  /** The chained hash a snapshot taken by {@link #snapshot()} carries. */
  static long chainOf(byte[] snapshot) {
    return ByteBuffer.wrap(snapshot).getLong(8);
  }

  void restore(byte[] snapshot) {
    ByteBuffer buf = ByteBuffer.wrap(snapshot);
    appliedIndex = buf.getLong();
    chain = buf.getLong();
    String body = StandardCharsets.UTF_8.decode(buf).toString();
    data = new TreeMap<>();
    for (String line : body.split("\n")) {
      if (!line.isEmpty()) {
        int eq = line.indexOf('=');
        data.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
  }
}
