package io.spindle.node.domain;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 helpers; hashes are lower-case hex in the database and 32 raw bytes on the wire. */
public final class Sha256 {
  private static final HexFormat HEX = HexFormat.of();

  private Sha256() {}

  public static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  public static byte[] of(byte[] data) {
    return newDigest().digest(data);
  }

  public static String hex(byte[] hash) {
    return HEX.formatHex(hash);
  }

  public static byte[] unhex(String hex) {
    return HEX.parseHex(hex);
  }
}
