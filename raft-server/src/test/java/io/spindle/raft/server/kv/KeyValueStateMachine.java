package io.spindle.raft.server.kv;

import io.spindle.raft.Entry;
import io.spindle.raft.EntryType;
import io.spindle.raft.SnapshotMeta;
import io.spindle.raft.server.StateMachine;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A small in-memory key-value store as a replicated state machine: a command is {@link #put}, a
 * query is {@link #get}. Its applied index lives in its snapshots, so a restarted node resumes from
 * the latest snapshot and replays the log after it.
 *
 * <p>Mutated only on the driver's thread; the map is concurrent so that tests and status pages may
 * read {@link #contents()} from other threads.
 */
public final class KeyValueStateMachine implements StateMachine {
  private static final byte OP_PUT = 1;
  private static final int SNAPSHOT_MAGIC = 0x53504b56; // "SPKV"
  private static final int SNAPSHOT_VERSION = 1;
  private static final byte[] EMPTY = new byte[0];
  private static final byte[] BAD_COMMAND =
      "ERROR: not a put command".getBytes(StandardCharsets.UTF_8);

  private final Map<String, byte[]> data = new ConcurrentHashMap<>();
  private volatile long appliedIndex;

  /** The command that sets {@code key} to {@code value}. */
  public static byte[] put(String key, byte[] value) {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    if (k.length > 0xFFFF) {
      throw new IllegalArgumentException("key longer than 65535 bytes");
    }
    return ByteBuffer.allocate(3 + k.length + value.length)
        .put(OP_PUT)
        .putShort((short) k.length)
        .put(k)
        .put(value)
        .array();
  }

  /** The query that reads {@code key}; the answer is its value, empty when absent. */
  public static byte[] get(String key) {
    return key.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public List<byte[]> apply(List<Entry> committed) {
    List<byte[]> results = new ArrayList<>(committed.size());
    for (Entry entry : committed) {
      results.add(entry.type() == EntryType.COMMAND ? execute(entry.data()) : EMPTY);
      appliedIndex = entry.index();
    }
    return results;
  }

  private byte[] execute(byte[] command) {
    if (command.length < 3 || command[0] != OP_PUT) {
      return BAD_COMMAND;
    }
    int keyLength = ((command[1] & 0xFF) << 8) | (command[2] & 0xFF);
    if (3 + keyLength > command.length) {
      return BAD_COMMAND;
    }
    String key = new String(command, 3, keyLength, StandardCharsets.UTF_8);
    byte[] value = new byte[command.length - 3 - keyLength];
    System.arraycopy(command, 3 + keyLength, value, 0, value.length);
    data.put(key, value);
    return EMPTY;
  }

  @Override
  public long appliedIndex() {
    return appliedIndex;
  }

  @Override
  public void takeSnapshot(OutputStream out) throws IOException {
    DataOutputStream dos = new DataOutputStream(new BufferedOutputStream(out, 1 << 16));
    dos.writeInt(SNAPSHOT_MAGIC);
    dos.writeInt(SNAPSHOT_VERSION);
    dos.writeLong(appliedIndex);
    SortedMap<String, byte[]> sorted = new TreeMap<>(data);
    dos.writeInt(sorted.size());
    for (Map.Entry<String, byte[]> e : sorted.entrySet()) {
      dos.writeUTF(e.getKey());
      dos.writeInt(e.getValue().length);
      dos.write(e.getValue());
    }
    dos.flush();
  }

  @Override
  public void installSnapshot(InputStream in, SnapshotMeta meta) throws IOException {
    DataInputStream dis = new DataInputStream(new BufferedInputStream(in, 1 << 16));
    if (dis.readInt() != SNAPSHOT_MAGIC || dis.readInt() != SNAPSHOT_VERSION) {
      throw new IOException(
          "snapshot " + meta.index() + " is not a key-value snapshot (version 1)");
    }
    long index = dis.readLong();
    if (index != meta.index()) {
      throw new IOException(
          "snapshot " + meta.index() + " holds the state at index " + index + ", not at its own");
    }
    int count = dis.readInt();
    Map<String, byte[]> restored = new HashMap<>();
    for (int i = 0; i < count; i++) {
      String key = dis.readUTF();
      byte[] value = new byte[dis.readInt()];
      dis.readFully(value);
      restored.put(key, value);
    }
    data.clear();
    data.putAll(restored);
    appliedIndex = index;
  }

  @Override
  public byte[] query(byte[] request) {
    byte[] value = data.get(new String(request, StandardCharsets.UTF_8));
    return value == null ? EMPTY : value;
  }

  /** A sorted copy of the store, for tests. */
  public SortedMap<String, byte[]> contents() {
    return new TreeMap<>(data);
  }

  /** SHA-256 over the sorted contents: equal on two nodes iff their stores are identical. */
  public String digest() {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (Map.Entry<String, byte[]> e : contents().entrySet()) {
        byte[] key = e.getKey().getBytes(StandardCharsets.UTF_8);
        sha.update(ByteBuffer.allocate(8).putInt(key.length).putInt(e.getValue().length).array());
        sha.update(key);
        sha.update(e.getValue());
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks SHA-256", e);
    }
  }

  public int size() {
    return data.size();
  }
}
