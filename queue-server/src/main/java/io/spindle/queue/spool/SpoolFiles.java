package io.spindle.queue.spool;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Properties;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The spool's on-disk layout ({@code <dir>/<uploadId>/upload.properties} and {@code <index>-<sha256
 * hex>.chunk}, see {@link ChunkSpool}) and the file operations on it.
 *
 * <p><b>Threading:</b> static and stateless; every method that touches a file blocks on disk on the
 * caller's thread and takes no lock.
 */
final class SpoolFiles {
  static final String SPEC_FILE = "upload.properties";
  static final Pattern CHUNK_FILE = Pattern.compile("(\\d{1,10})-([0-9a-f]{64})\\.chunk");
  static final Pattern UPLOAD_ID = Pattern.compile("u[0-9a-f]{32}");
  static final HexFormat HEX = HexFormat.of();

  private SpoolFiles() {}

  static void writeSpec(Path uploadDir, UploadSpec spec) throws IOException {
    Properties p = new Properties();
    p.setProperty("requestId", spec.requestId());
    p.setProperty("name", spec.name());
    p.setProperty("size", Long.toString(spec.size()));
    p.setProperty("chunkSize", Integer.toString(spec.chunkSize()));
    p.setProperty("chunkCount", Integer.toString(spec.chunkCount()));
    p.setProperty("sha256", HEX.formatHex(spec.sha256()));
    Path temp = uploadDir.resolve(SPEC_FILE + ".tmp");
    try (OutputStream out = Files.newOutputStream(temp)) {
      p.store(out, "spindle queue server upload");
    }
    Files.move(
        temp,
        uploadDir.resolve(SPEC_FILE),
        StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
  }

  static UploadSpec readSpec(Path uploadDir) throws IOException {
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(uploadDir.resolve(SPEC_FILE))) {
      p.load(in);
    }
    UploadSpec spec =
        new UploadSpec(
            required(p, "requestId"),
            required(p, "name"),
            Long.parseLong(required(p, "size")),
            Integer.parseInt(required(p, "chunkSize")),
            Integer.parseInt(required(p, "chunkCount")),
            HEX.parseHex(required(p, "sha256")));
    String problem = spec.problem(Integer.MAX_VALUE, Long.MAX_VALUE);
    if (problem != null) {
      throw new IOException(problem);
    }
    return spec;
  }

  private static String required(Properties p, String key) throws IOException {
    String v = p.getProperty(key);
    if (v == null) {
      throw new IOException("missing " + key);
    }
    return v;
  }

  static String chunkFileName(int index, byte[] sha256) {
    return index + "-" + HEX.formatHex(sha256) + ".chunk";
  }

  /** Reads up to {@code length} bytes; whether the file had exactly that many. */
  static boolean readFully(Path file, ByteBuffer into, int length) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      if (ch.size() != length) {
        return false;
      }
      into.limit(length);
      while (into.hasRemaining()) {
        if (ch.read(into) < 0) {
          return false;
        }
      }
      return true;
    } catch (NoSuchFileException e) {
      return false;
    }
  }

  static void deleteTree(Path root) throws IOException {
    for (int attempt = 0; ; attempt++) {
      if (!Files.exists(root)) {
        return;
      }
      try (Stream<Path> walk = Files.walk(root)) {
        walk.sorted((a, b) -> b.getNameCount() - a.getNameCount())
            .forEach(
                p -> {
                  try {
                    Files.deleteIfExists(p);
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                });
        return;
      } catch (UncheckedIOException e) {
        // A chunk write raced with the delete (it removes its own file): try again.
        if (attempt >= 2) {
          throw e.getCause();
        }
      } catch (NoSuchFileException e) {
        // Deleted meanwhile: the next round sees it gone.
      }
    }
  }

  static byte[] sha256(ByteBuffer data) {
    MessageDigest md = newSha256();
    md.update(data);
    return md.digest();
  }

  static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }

  /** rwx------ where the file system has POSIX permissions; none elsewhere. */
  static FileAttribute<?>[] privateDirectory(Path dir) {
    Path existing = dir.toAbsolutePath();
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    boolean posix =
        existing != null
            && Files.getFileAttributeView(existing, PosixFileAttributeView.class) != null;
    return posix
        ? new FileAttribute<?>[] {
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))
        }
        : new FileAttribute<?>[0];
  }
}
