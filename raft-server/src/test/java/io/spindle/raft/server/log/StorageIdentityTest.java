package io.spindle.raft.server.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.raft.Entry;
import io.spindle.raft.HardState;
import io.spindle.raft.StorageException;
import io.spindle.raft.StorageId;
import io.spindle.raft.server.DurableRaftStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data directory's storage identity: drawn when it first holds Raft state, kept with it, and new
 * whenever the Raft state is gone, so that a wiped node never answers as the disk it had.
 */
class StorageIdentityTest {
  @TempDir Path temp;

  @Test
  void aDataDirectoryKeepsTheIdentityItWasCreatedWith() {
    Path dir = temp.resolve("n1");
    StorageId first;
    try (DurableRaftStorage storage = DurableRaftStorage.open(dir)) {
      first = storage.storageId();
      storage.saveHardState(new HardState(1, null));
      storage.log().append(List.of(Entry.noop(1, 1)));
      storage.log().sync();
    }
    assertTrue(first.isKnown());

    try (DurableRaftStorage storage = DurableRaftStorage.open(dir)) {
      assertEquals(first, storage.storageId(), "the same disk, the same identity");
    }
  }

  @Test
  void aWipedDataDirectoryGetsANewIdentity() throws IOException {
    Path dir = temp.resolve("n1");
    StorageId before;
    try (DurableRaftStorage storage = DurableRaftStorage.open(dir)) {
      before = storage.storageId();
      storage.saveHardState(new HardState(3, null));
    }
    deleteRecursively(dir);

    try (DurableRaftStorage storage = DurableRaftStorage.open(dir)) {
      assertNotEquals(before, storage.storageId());
    }
  }

  // An operator who deletes the Raft state but not the identity file (the log and hard state, say)
  // must not get the old identity back with an empty log.
  @Test
  void raftStateThatIsGoneTakesTheIdentityWithItEvenIfTheFileSurvived() throws IOException {
    Path dir = temp.resolve("n1");
    StorageId before;
    try (DurableRaftStorage storage = DurableRaftStorage.open(dir)) {
      before = storage.storageId();
      storage.saveHardState(new HardState(3, null));
      storage.log().append(List.of(Entry.noop(1, 1)));
      storage.log().sync();
    }
    deleteRecursively(dir.resolve("log"));
    Files.delete(dir.resolve("hard-state"));

    try (DurableRaftStorage storage = DurableRaftStorage.open(dir)) {
      assertNotEquals(before, storage.storageId());
    }
  }

  // A data directory written before storage identities existed holds Raft state and no file: it is
  // the same disk, so it gets an identity once, then keeps it.
  @Test
  void raftStateFromBeforeStorageIdentitiesGetsOneOnceAndKeepsIt() throws IOException {
    Path dir = temp.resolve("n1");
    try (DurableRaftStorage storage = DurableRaftStorage.open(dir)) {
      storage.saveHardState(new HardState(2, null));
    }
    Files.delete(dir.resolve(StorageIdentity.FILE_NAME));

    StorageId recorded;
    try (DurableRaftStorage storage = DurableRaftStorage.open(dir)) {
      recorded = storage.storageId();
      assertEquals(new HardState(2, null), storage.loadHardState(), "the state is kept");
    }
    try (DurableRaftStorage storage = DurableRaftStorage.open(dir)) {
      assertEquals(recorded, storage.storageId());
    }
  }

  @Test
  void aDamagedIdentityFileFailsTheOpenWithWhatToDo() throws IOException {
    Path dir = temp.resolve("n1");
    try (DurableRaftStorage storage = DurableRaftStorage.open(dir)) {
      storage.saveHardState(new HardState(2, null));
    }
    Files.writeString(dir.resolve(StorageIdentity.FILE_NAME), "not-hex\n");

    StorageException e = assertThrows(StorageException.class, () -> DurableRaftStorage.open(dir));
    assertTrue(e.getMessage().contains("not a storage identity"), e.getMessage());
    assertTrue(e.getMessage().contains("start it with an empty one"), e.getMessage());
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
