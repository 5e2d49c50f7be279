package io.spindle.raft.server.log;

import io.spindle.raft.StorageException;
import io.spindle.raft.StorageId;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.logging.Logger;

/**
 * The identity of a node's data directory ({@link StorageId}), in the file {@code storage-id}: 16
 * hex digits, drawn when the directory first holds Raft state and kept with it. A directory that
 * holds no Raft state (new, or wiped) always gets a new one, even if an old {@code storage-id} file
 * survived, so that a node that lost its log and hard state never claims the disk it had: the
 * leader then takes it back as a learner instead of counting votes and acknowledgements it may have
 * forgotten.
 *
 * <p><b>Threading:</b> called once, at open, before the driver starts. <b>Errors:</b> {@link
 * StorageException} when the file cannot be read, written or parsed.
 */
public final class StorageIdentity {
  static final String FILE_NAME = "storage-id";

  private static final Logger LOG = Logger.getLogger(StorageIdentity.class.getName());
  private static final SecureRandom RANDOM = new SecureRandom();

  private StorageIdentity() {}

  /**
   * The storage identity of {@code dataDir}: the recorded one if the directory holds Raft state,
   * else a new one, recorded durably before it is returned.
   *
   * @param holdsRaftState whether the directory held a log or a hard state before this start
   */
  public static StorageId loadOrCreate(Path dataDir, boolean holdsRaftState) {
    Path file = dataDir.resolve(FILE_NAME);
    DurableFiles.deleteIfExists(DurableFiles.temporaryFor(file));
    if (holdsRaftState && Files.exists(file)) {
      return read(file);
    }
    StorageId created = draw();
    DurableFiles.createDirectories(dataDir);
    DurableFiles.replaceAtomically(
        file, ByteBuffer.wrap((created + "\n").getBytes(StandardCharsets.US_ASCII)));
    if (holdsRaftState) {
      LOG.warning(
          () ->
              "The data directory "
                  + dataDir
                  + " holds Raft state but no storage identity (it was written by an older"
                  + " version): recorded "
                  + created
                  + "; the leader records it in the configuration once this node answers.");
    } else {
      LOG.info(
          () ->
              "New storage "
                  + created
                  + " in "
                  + dataDir
                  + ". If this node was a member before with other data, the leader takes it back"
                  + " as a learner under this storage; it votes again once it has caught up.");
    }
    return created;
  }

  private static StorageId draw() {
    long value = 0;
    while (value == 0) {
      value = RANDOM.nextLong();
    }
    return StorageId.of(value);
  }

  private static StorageId read(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII).trim();
    } catch (IOException e) {
      throw DurableFiles.failure("cannot read " + file, e);
    }
    try {
      if (text.length() != 16) {
        throw new IllegalArgumentException("not 16 hex digits");
      }
      long value = HexFormat.fromHexDigitsToLong(text);
      if (value == 0) {
        throw new IllegalArgumentException("zero");
      }
      return StorageId.of(value);
    } catch (IllegalArgumentException e) {
      throw new StorageException(
          file
              + " holds '"
              + text
              + "', not a storage identity (16 hex digits, not all zero): it was damaged or edited"
              + " outside Spindle. Restore the data directory from a backup, or remove the node"
              + " from the cluster and start it with an empty one.");
    }
  }
}
