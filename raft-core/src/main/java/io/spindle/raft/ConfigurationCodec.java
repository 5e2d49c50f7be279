package io.spindle.raft;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Encodes a {@link Configuration} into the bytes of a CONFIG entry and a snapshot's metadata.
 * Format: version byte, then voters and learners, each a count followed by (id, address) strings as
 * int length + UTF-8.
 */
public final class ConfigurationCodec {
  private static final byte VERSION = 1;

  private ConfigurationCodec() {}

  public static byte[] encode(Configuration config) {
    List<byte[]> parts = new ArrayList<>();
    int size = 1 + 8;
    for (Member m : config.all()) {
      byte[] id = m.id().value().getBytes(StandardCharsets.UTF_8);
      byte[] address = m.address().getBytes(StandardCharsets.UTF_8);
      parts.add(id);
      parts.add(address);
      size += 8 + id.length + address.length;
    }
    ByteBuffer buf = ByteBuffer.allocate(size);
    buf.put(VERSION);
    buf.putInt(config.voters().size());
    int i = 0;
    for (; i < config.voters().size() * 2; i++) {
      putBytes(buf, parts.get(i));
    }
    buf.putInt(config.learners().size());
    for (; i < parts.size(); i++) {
      putBytes(buf, parts.get(i));
    }
    return buf.array();
  }

  public static Configuration decode(byte[] bytes) {
    try {
      ByteBuffer buf = ByteBuffer.wrap(bytes);
      byte version = buf.get();
      if (version != VERSION) {
        throw new IllegalArgumentException("unknown configuration encoding version " + version);
      }
      List<Member> voters = readMembers(buf);
      List<Member> learners = readMembers(buf);
      return new Configuration(voters, learners);
    } catch (BufferUnderflowException | NegativeArraySizeException e) {
      throw new IllegalArgumentException(
          "truncated configuration of " + bytes.length + " bytes", e);
    }
  }

  private static List<Member> readMembers(ByteBuffer buf) {
    int count = buf.getInt();
    if (count < 0 || count > buf.remaining()) {
      throw new IllegalArgumentException("bad member count " + count);
    }
    List<Member> members = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      String id = getString(buf);
      String address = getString(buf);
      members.add(new Member(NodeId.of(id), address));
    }
    return members;
  }

  private static void putBytes(ByteBuffer buf, byte[] bytes) {
    buf.putInt(bytes.length);
    buf.put(bytes);
  }

  private static String getString(ByteBuffer buf) {
    int len = buf.getInt();
    if (len < 0 || len > buf.remaining()) {
      throw new IllegalArgumentException("bad string length " + len);
    }
    byte[] bytes = new byte[len];
    buf.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
