package io.spindle.raft.server.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.raft.Configuration;
import io.spindle.raft.Member;
import io.spindle.raft.SnapshotMeta;
import io.spindle.raft.StorageException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSnapshotStoreTest {
  private static final Configuration CONFIGURATION =
      Configuration.ofVoters(
          Member.of("n1", "a:1"), Member.of("n2", "b:2"), Member.of("n3", "c:3"));

  @TempDir Path dir;

  @Test
  void anEmptyStoreHasNoSnapshot() {
    try (FileSnapshotStore store = new FileSnapshotStore(dir)) {
      assertEquals(Optional.empty(), store.latest());
      assertThrows(StorageException.class, () -> store.read(meta(1, 1, 0), 0, 10));
    }
  }

  @Test
  void aSavedSnapshotReadsBackInChunksAndAsAStreamAfterReopen() throws IOException {
    byte[] data = bytes(100_000, 1);
    SnapshotMeta saved;
    try (FileSnapshotStore store = new FileSnapshotStore(dir)) {
      try (SnapshotWriter writer = store.beginSave(50, 3, CONFIGURATION)) {
        writer.write(data, 0, 10);
        writer.write(data[10]);
        writer.write(data, 11, data.length - 11);
        saved = writer.commit();
      }
      assertEquals(new SnapshotMeta(50, 3, CONFIGURATION, data.length), saved);
      assertEquals(Optional.of(saved), store.latest());
      assertArrayEquals(data, readInChunks(store, saved, 7_000));
    }
    try (FileSnapshotStore store = new FileSnapshotStore(dir)) {
      assertEquals(Optional.of(saved), store.latest());
      assertArrayEquals(data, readInChunks(store, saved, 4096));
      try (InputStream in = store.open(saved)) {
        assertArrayEquals(data, in.readAllBytes());
      }
    }
  }

  @Test
  void saveFromAStreamChecksTheSize() {
    byte[] data = bytes(5000, 2);
    try (FileSnapshotStore store = new FileSnapshotStore(dir)) {
      SnapshotMeta meta = meta(10, 1, data.length);
      assertEquals(meta, store.save(meta, new ByteArrayInputStream(data)));
      assertThrows(
          IllegalArgumentException.class,
          () -> store.save(meta(20, 1, 4999), new ByteArrayInputStream(data)));
      assertEquals(Optional.of(meta), store.latest());
    }
    assertEquals(1, snapshotFiles().size());
  }

  @Test
  void aWriterClosedWithoutCommitLeavesNothing() throws IOException {
    try (FileSnapshotStore store = new FileSnapshotStore(dir)) {
      try (SnapshotWriter writer = store.beginSave(5, 1, CONFIGURATION)) {
        writer.write(bytes(1000, 3));
      }
      assertEquals(Optional.empty(), store.latest());
    }
    assertEquals(List.of(), allFiles());
  }

  @Test
  void aReceivedSnapshotIsStoredAndSurvivesReopen() {
    byte[] data = bytes(30_000, 4);
    SnapshotMeta meta = meta(200, 7, data.length);
    try (FileSnapshotStore store = new FileSnapshotStore(dir)) {
      store.beginReceive(meta);
      for (int offset = 0; offset < data.length; offset += 8192) {
        byte[] chunk = Arrays.copyOfRange(data, offset, Math.min(data.length, offset + 8192));
        store.writeChunk(meta, offset, chunk);
      }
      store.completeReceive(meta);
      assertEquals(Optional.of(meta), store.latest());
    }
    try (FileSnapshotStore store = new FileSnapshotStore(dir)) {
      assertEquals(Optional.of(meta), store.latest());
      assertArrayEquals(data, readInChunks(store, meta, 1000));
    }
  }

  @Test
  void aNewerSnapshotReplacesTheOlderOne() {
    try (FileSnapshotStore store = new FileSnapshotStore(dir)) {
      SnapshotMeta older = store.save(meta(10, 1, 100), new ByteArrayInputStream(bytes(100, 5)));
      SnapshotMeta newer = store.save(meta(20, 2, 200), new ByteArrayInputStream(bytes(200, 6)));
      assertEquals(Optional.of(newer), store.latest());
      assertThrows(StorageException.class, () -> store.read(older, 0, 10));
      assertEquals(1, snapshotFiles().size());
    }
  }

  @Test
  void aPartialReceiveDoesNotSurviveReopen() {
    SnapshotMeta kept = meta(10, 1, 100);
    SnapshotMeta partial = meta(90, 2, 10_000);
    try (FileSnapshotStore store = new FileSnapshotStore(dir)) {
      store.save(kept, new ByteArrayInputStream(bytes(100, 7)));
      store.beginReceive(partial);
      store.writeChunk(partial, 0, bytes(4000, 8));
      // A crash now: the store is never closed, the partial file stays on disk.
      assertEquals(2, allFiles().size());
      try (FileSnapshotStore reopened = new FileSnapshotStore(dir)) {
        assertEquals(Optional.of(kept), reopened.latest());
        assertEquals(1, allFiles().size());
        assertThrows(StorageException.class, () -> reopened.writeChunk(partial, 4000, new byte[1]));
      }
    }
  }

  @Test
  void aReceiveMustContinueWhereItStoppedAndBeComplete() {
    SnapshotMeta meta = meta(30, 2, 100);
    try (FileSnapshotStore store = new FileSnapshotStore(dir)) {
      assertThrows(StorageException.class, () -> store.writeChunk(meta, 0, new byte[10]));
      store.beginReceive(meta);
      store.writeChunk(meta, 0, new byte[40]);
      assertThrows(StorageException.class, () -> store.writeChunk(meta, 50, new byte[10]));
      assertThrows(StorageException.class, () -> store.writeChunk(meta, 40, new byte[61]));
      assertThrows(StorageException.class, () -> store.completeReceive(meta));
      store.writeChunk(meta, 40, new byte[60]);
      store.completeReceive(meta);
      assertEquals(Optional.of(meta), store.latest());
    }
  }

  @Test
  void beginReceiveAgainDropsThePartialSnapshot() {
    SnapshotMeta first = meta(30, 2, 100);
    SnapshotMeta second = meta(40, 3, 50);
    try (FileSnapshotStore store = new FileSnapshotStore(dir)) {
      store.beginReceive(first);
      store.writeChunk(first, 0, new byte[40]);
      store.beginReceive(second);
      assertThrows(StorageException.class, () -> store.writeChunk(first, 40, new byte[10]));
      store.writeChunk(second, 0, bytes(50, 9));
      store.completeReceive(second);
      assertEquals(Optional.of(second), store.latest());
    }
    assertEquals(1, allFiles().size());
  }

  @Test
  void damagedDataIsCaughtBeforeAnyOfItIsSentOrInstalled() throws IOException {
    byte[] data = bytes(10_000, 10);
    SnapshotMeta meta = meta(10, 1, data.length);
    try (FileSnapshotStore store = new FileSnapshotStore(dir)) {
      store.save(meta, new ByteArrayInputStream(data));
    }
    Path file = snapshotFiles().get(0);
    LogFiles.flipBit(file, LogFiles.size(file) - 5000, 2);
    try (FileSnapshotStore store = new FileSnapshotStore(dir)) {
      assertThrows(StorageException.class, () -> store.read(meta, 0, 100));
      try (InputStream in = store.open(meta)) {
        StorageException e = assertThrows(StorageException.class, in::readAllBytes);
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
      }
    }
  }

  @Test
  void aDamagedHeaderFailsTheOpen() {
    try (FileSnapshotStore store = new FileSnapshotStore(dir)) {
      store.save(meta(10, 1, 100), new ByteArrayInputStream(bytes(100, 11)));
    }
    Path file = snapshotFiles().get(0);
    LogFiles.flipBit(file, 14, 0);
    StorageException e = assertThrows(StorageException.class, () -> new FileSnapshotStore(dir));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
  }

  /** A crash between renaming a new snapshot into place and deleting the old one. */
  @Test
  void ofTwoCompleteSnapshotsTheNewestWins() throws IOException {
    try (FileSnapshotStore store = new FileSnapshotStore(dir)) {
      store.save(meta(10, 1, 100), new ByteArrayInputStream(bytes(100, 12)));
    }
    Path older = snapshotFiles().get(0);
    Path kept = dir.resolve("kept");
    Files.copy(older, kept);
    try (FileSnapshotStore store = new FileSnapshotStore(dir)) {
      store.save(meta(20, 2, 100), new ByteArrayInputStream(bytes(100, 13)));
    }
    Files.move(kept, older);
    try (FileSnapshotStore store = new FileSnapshotStore(dir)) {
      assertEquals(20, store.latest().orElseThrow().index());
    }
    assertEquals(1, snapshotFiles().size());
  }

  private static byte[] readInChunks(FileSnapshotStore store, SnapshotMeta meta, int chunkBytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (long offset = 0; ; ) {
      byte[] chunk = store.read(meta, offset, chunkBytes);
      if (chunk.length == 0) {
        return out.toByteArray();
      }
      out.write(chunk, 0, chunk.length);
      offset += chunk.length;
    }
  }

  private static SnapshotMeta meta(long index, long term, long size) {
    return new SnapshotMeta(index, term, CONFIGURATION, size);
  }

  private static byte[] bytes(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  private List<Path> snapshotFiles() {
    return allFiles().stream().filter(f -> f.toString().endsWith(".snap")).toList();
  }

  private List<Path> allFiles() {
    try (Stream<Path> files = Files.list(dir)) {
      return files.sorted().toList();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
