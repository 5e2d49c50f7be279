package io.spindle.raft.server.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.raft.HardState;
import io.spindle.raft.NodeId;
import io.spindle.raft.StorageException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileHardStateStoreTest {
  @TempDir Path dir;

  @Test
  void aNewDirectoryHoldsTheInitialState() {
    try (FileHardStateStore store = new FileHardStateStore(dir.resolve("new"))) {
      assertEquals(HardState.INITIAL, store.load());
    }
  }

  @Test
  void returnsTheLastSavedStateAfterReopen() {
    HardState last = null;
    try (FileHardStateStore store = new FileHardStateStore(dir)) {
      for (long term = 1; term <= 7; term++) {
        last = new HardState(term, term % 3 == 0 ? null : NodeId.of("n" + term));
        store.save(last);
        assertEquals(last, store.load());
      }
    }
    try (FileHardStateStore store = new FileHardStateStore(dir)) {
      assertEquals(last, store.load());
    }
  }

  @Test
  void keepsALongNonAsciiNodeId() {
    HardState state = new HardState(42, NodeId.of("nœud-é".repeat(40)));
    try (FileHardStateStore store = new FileHardStateStore(dir)) {
      store.save(state);
    }
    try (FileHardStateStore store = new FileHardStateStore(dir)) {
      assertEquals(state, store.load());
    }
  }

  /** A save torn by a crash damages only the slot it writes, which held the older state. */
  @Test
  void aDamagedNewestCopyFallsBackToThePreviousSave() {
    HardState older = new HardState(3, NodeId.of("n1"));
    HardState newer = new HardState(4, NodeId.of("n2"));
    try (FileHardStateStore store = new FileHardStateStore(dir)) {
      store.save(older);
      store.save(newer);
    }
    Path file = dir.resolve(FileHardStateStore.FILE_NAME);
    // Saves alternate slots by sequence number: the second save went to the first slot.
    LogFiles.flipBit(file, 17, 0);
    try (FileHardStateStore store = new FileHardStateStore(dir)) {
      assertEquals(older, store.load());
      HardState next = new HardState(5, null);
      store.save(next);
      assertEquals(next, store.load());
    }
    try (FileHardStateStore store = new FileHardStateStore(dir)) {
      assertEquals(new HardState(5, null), store.load());
    }
  }

  @Test
  void bothCopiesDamagedFailsWithAClearMessage() {
    try (FileHardStateStore store = new FileHardStateStore(dir)) {
      store.save(new HardState(1, NodeId.of("n1")));
      store.save(new HardState(2, NodeId.of("n1")));
    }
    Path file = dir.resolve(FileHardStateStore.FILE_NAME);
    LogFiles.flipBit(file, 20, 1);
    LogFiles.flipBit(file, FileHardStateStore.SLOT_BYTES + 20, 1);
    try (FileHardStateStore store = new FileHardStateStore(dir)) {
      StorageException e = assertThrows(StorageException.class, store::load);
      assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
      assertTrue(e.getMessage().contains("checksum"), e.getMessage());
      assertThrows(StorageException.class, () -> store.save(HardState.INITIAL));
    }
  }

  @Test
  void aTruncatedFileFailsTheLoad() {
    try (FileHardStateStore store = new FileHardStateStore(dir)) {
      store.save(new HardState(1, NodeId.of("n1")));
    }
    LogFiles.truncate(dir.resolve(FileHardStateStore.FILE_NAME), 10);
    try (FileHardStateStore store = new FileHardStateStore(dir)) {
      assertThrows(StorageException.class, store::load);
    }
  }

  @Test
  void aTemporaryFileLeftByACrashedFirstSaveIsIgnored() throws Exception {
    Files.write(dir.resolve(FileHardStateStore.FILE_NAME + ".tmp"), new byte[] {1, 2, 3});
    try (FileHardStateStore store = new FileHardStateStore(dir)) {
      assertEquals(HardState.INITIAL, store.load());
    }
    assertTrue(Files.notExists(dir.resolve(FileHardStateStore.FILE_NAME + ".tmp")));
  }
}
