package io.spindle.protocol.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The bearer tokens clients prove who they are with, to the REST API, the page and the queue server
 * alike, and what each may do.
 *
 * <p>A tokens file holds one line per token: the SHA-256 of the token (hex), its rights
 * (comma-separated: {@code read}, {@code write}) and a name for the logs; {@code #} starts a
 * comment. Only hashes are kept, so the file reveals no token. {@code bin/spindle up} writes one
 * for the user ({@code run/tokens}, and the token itself to {@code run/client-token}). The file is
 * read again when it changes, so tokens can be added or revoked without a restart.
 *
 * <p>Nodes also accept the token {@link #nodeToken} derives from the cluster secret, with every
 * right: a node passing a request on to another (a follower forwarding a write to the leader, the
 * page asking the members for their status) proves it holds the secret.
 *
 * <p><b>Threading:</b> thread-safe.
 */
public final class ClientTokens {
  private static final Logger LOG = Logger.getLogger(ClientTokens.class.getName());
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String PREFIX = "spt_";
  private static final long RECHECK_MILLIS = 1000;

  /** What a token allows. */
  public enum Right {
    /** Read and list files, count, see the cluster's status, ping. */
    READ,
    /** Write and delete files. */
    WRITE
  }

  /** Who holds a token, for the logs, and what it may do. */
  public record Holder(String name, Set<Right> rights) {
    public Holder {
      rights = Set.copyOf(rights);
    }

    public boolean may(Right right) {
      return rights.contains(right);
    }
  }

  private final Path file;
  private final String nodeTokenHash;
  private volatile Map<String, Holder> byHash;
  private volatile FileTime loadedModified;
  private volatile long checkedAtMillis;

  private ClientTokens(Path file, String nodeTokenHash, Map<String, Holder> byHash) {
    this.file = file;
    this.nodeTokenHash = nodeTokenHash;
    this.byHash = byHash;
  }

  /**
   * The tokens of {@code file}, or none if it is null.
   *
   * @param clusterSecret if not null, the token {@link #nodeToken} derives from it is accepted too
   * @throws IllegalArgumentException if the file cannot be read or has a bad line (named)
   */
  public static ClientTokens load(Path file, byte[] clusterSecret) {
    String node = clusterSecret == null ? null : hash(nodeToken(clusterSecret));
    if (file == null) {
      return new ClientTokens(null, node, Map.of());
    }
    ClientTokens tokens = new ClientTokens(file, node, Map.of());
    tokens.loadNow();
    return tokens;
  }

  /** Whether any user token is configured (the node token aside). */
  public boolean isEmpty() {
    return byHash.isEmpty();
  }

  /** The tokens file, if any. */
  public Optional<Path> file() {
    return Optional.ofNullable(file);
  }

  /** Who holds {@code token}, if anyone. */
  public Optional<Holder> holder(String token) {
    if (token == null || token.isEmpty() || token.length() > 512) {
      return Optional.empty();
    }
    reloadIfChanged();
    String h = hash(token);
    if (nodeTokenHash != null && MessageDigest.isEqual(h.getBytes(), nodeTokenHash.getBytes())) {
      return Optional.of(new Holder("cluster node", EnumSet.allOf(Right.class)));
    }
    return Optional.ofNullable(byHash.get(h));
  }

  /**
   * Who holds the token whose {@link #hash} is {@code sha256Hex}: for a session that keeps the hash
   * rather than the token, and sees a revoked token stop working at once.
   */
  public Optional<Holder> holderOfHash(String sha256Hex) {
    if (sha256Hex == null) {
      return Optional.empty();
    }
    reloadIfChanged();
    if (nodeTokenHash != null && nodeTokenHash.equals(sha256Hex)) {
      return Optional.of(new Holder("cluster node", EnumSet.allOf(Right.class)));
    }
    return Optional.ofNullable(byHash.get(sha256Hex));
  }

  /** A new random token: "spt_" and 43 characters of base64url (32 random bytes). */
  public static String newToken() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** The line of a tokens file that grants {@code rights} to {@code token}, named {@code name}. */
  public static String line(String token, Set<Right> rights, String name) {
    StringBuilder r = new StringBuilder();
    for (Right right : rights) {
      r.append(r.length() == 0 ? "" : ",").append(right.name().toLowerCase(Locale.ROOT));
    }
    return hash(token) + " " + r + " " + name;
  }

  /** The token nodes use towards each other: HMAC-SHA256 of a label under the cluster secret. */
  public static String nodeToken(byte[] clusterSecret) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(clusterSecret, "HmacSHA256"));
      byte[] proof = mac.doFinal("spindle-node-to-node-http".getBytes(StandardCharsets.UTF_8));
      return "spn_" + Base64.getUrlEncoder().withoutPadding().encodeToString(proof);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM cannot compute HmacSHA256", e);
    }
  }

  /** SHA-256 of the token's UTF-8 bytes, hex. */
  public static String hash(String token) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }

  private void reloadIfChanged() {
    if (file == null) {
      return;
    }
    long now = System.currentTimeMillis();
    if (now - checkedAtMillis < RECHECK_MILLIS) {
      return;
    }
    checkedAtMillis = now;
    try {
      FileTime modified = Files.getLastModifiedTime(file);
      if (modified.equals(loadedModified)) {
        return;
      }
      loadNow();
      LOG.info(
          () -> "Read the client tokens again from " + file + ": " + byHash.size() + " tokens");
    } catch (IOException | IllegalArgumentException e) {
      LOG.warning(
          "Could not read the client tokens again from "
              + file
              + " ("
              + e.getMessage()
              + "); the tokens read before stay in force");
    }
  }

  private synchronized void loadNow() {
    List<String> lines;
    FileTime modified;
    try {
      modified = Files.getLastModifiedTime(file);
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read the client tokens file " + file + ": " + e.getMessage(), e);
    }
    Map<String, Holder> parsed = new HashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] parts = line.split("\\s+", 3);
      String where = file + " line " + (i + 1);
      if (parts.length < 2 || !parts[0].matches("[0-9a-f]{64}")) {
        throw new IllegalArgumentException(
            where
                + " is not '<SHA-256 of the token, 64 hex digits> <rights> [name]'; fix or remove"
                + " it");
      }
      Set<Right> rights = EnumSet.noneOf(Right.class);
      for (String r : parts[1].split(",")) {
        try {
          rights.add(Right.valueOf(r.strip().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              where + " grants '" + r + "'; the rights are read and write", e);
        }
      }
      parsed.put(parts[0], new Holder(parts.length > 2 ? parts[2] : "token " + (i + 1), rights));
    }
    byHash = Map.copyOf(parsed);
    loadedModified = modified;
  }
}
