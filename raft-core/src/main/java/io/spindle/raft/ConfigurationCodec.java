package io.spindle.raft;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Encodes a {@link Configuration} into the bytes of a CONFIG entry and a snapshot's metadata.
 * Format: version byte, then voters and learners, each a count followed by members. A member is
 * (id, address) strings as int length + UTF-8, and from version 2 on its storage id as a long.
 * Version 1 (written before storage ids existed) still decodes, with every storage unknown.
 */
public final class ConfigurationCodec {
  private static final byte VERSION_1 = 1;
  private static final byte VERSION = 2;

  private ConfigurationCodec() {}

  public static byte[] encode(Configuration config) {
    List<byte[]> parts = new ArrayList<>();
    int size = 1 + 8;
    for (Member m : config.all()) {
      byte[] id = m.id().value().getBytes(StandardCharsets.UTF_8);
      byte[] address = m.address().getBytes(StandardCharsets.UTF_8);
      parts.add(id);
      parts.add(address);
      size += 8 + id.length + address.length + 8;
    }
    ByteBuffer buf = ByteBuffer.allocate(size);
    buf.put(VERSION);
    List<Member> all = config.all();
    buf.putInt(config.voters().size());
    for (int i = 0; i < all.size(); i++) {
      if (i == config.voters().size()) {
        buf.putInt(config.learners().size());
      }
      putBytes(buf, parts.get(2 * i));
      putBytes(buf, parts.get(2 * i + 1));
      buf.putLong(all.get(i).storage().value());
    }
    if (config.learners().isEmpty()) {
      buf.putInt(0);
    }
    return buf.array();
  }

  public static Configuration decode(byte[] bytes) {
    try {
      ByteBuffer buf = ByteBuffer.wrap(bytes);
      byte version = buf.get();
      if (version != VERSION && version != VERSION_1) {
        throw new IllegalArgumentException("unknown configuration encoding version " + version);
      }
      boolean withStorage = version >= VERSION;
      List<Member> voters = readMembers(buf, withStorage);
      List<Member> learners = readMembers(buf, withStorage);
      return new Configuration(voters, learners);
    } catch (BufferUnderflowException | NegativeArraySizeException e) {
      throw new IllegalArgumentException(
          "truncated configuration of " + bytes.length + " bytes", e);
    }
  }

  private static List<Member> readMembers(ByteBuffer buf, boolean withStorage) {
    int count = buf.getInt();
    if (count < 0 || count > buf.remaining()) {
      throw new IllegalArgumentException("bad member count " + count);
    }
    List<Member> members = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      String id = getString(buf);
      String address = getString(buf);
      StorageId storage = withStorage ? StorageId.of(buf.getLong()) : StorageId.UNKNOWN;
      members.add(new Member(NodeId.of(id), address, storage));
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
