package io.spindle.node.infrastructure.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Creates a node's data directory readable by the node's user only (rwx------ where the file system
 * has POSIX permissions): it holds the Raft log, the database and the storage identity. An existing
 * directory is left as it is.
 */
final class PrivateDirectories {
  private PrivateDirectories() {}

  static void create(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    Path existing = dir.toAbsolutePath();
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    boolean posix =
        existing != null
            && Files.getFileAttributeView(existing, PosixFileAttributeView.class) != null;
    FileAttribute<?>[] attributes =
        posix
            ? new FileAttribute<?>[] {
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))
            }
            : new FileAttribute<?>[0];
    Files.createDirectories(dir, attributes);
  }
}
