package io.spindle.node.infrastructure.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.spindle.node.application.ChunkRun;
import io.spindle.node.domain.Sha256;
import io.spindle.protocol.node.CommandResult;
import io.spindle.protocol.node.CommitFile;
import io.spindle.protocol.node.DeleteFile;
import io.spindle.protocol.node.FileRecord;
import io.spindle.protocol.node.NodeCommand;
import io.spindle.protocol.node.PutChunk;
import io.spindle.protocol.node.StoreFile;
import io.spindle.raft.Configuration;
import io.spindle.raft.Entry;
import io.spindle.raft.SnapshotMeta;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The file store's apply, dedup, crash, GC and snapshot rules, on H2 and on real MariaDB. */
class FileStoreStateMachineTest {
  private static final long STORED_AT = 1_700_000_000_123L;
  private final List<TestDatabase> databases = new ArrayList<>();
  private long nextIndex = 1;

  @AfterEach
  void dropSchemas() {
    databases.forEach(TestDatabase::close);
  }

  private TestDatabase database(TestDatabase.Kind kind) {
    TestDatabase db = TestDatabase.create(kind);
    databases.add(db);
    return db;
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.Kind.class)
  void aFileBecomesVisibleOnlyWhenItsCommitApplies(TestDatabase.Kind kind) throws Exception {
    TestDatabase db = database(kind);
    FileStoreStateMachine sm = db.stateMachine(StoreSettings.defaults());
    byte[] content = bytes(3000, 1);
    List<Entry> chunks = putChunks("u1", content, 1024);
    assertOk(sm.apply(chunks));
    assertTrue(sm.findFile(utf8("docs/a.txt")).isEmpty(), "staged chunks are not a file");
    assertTrue(sm.listFiles().isEmpty());

    CommandResult result = single(sm.apply(List.of(commit("u1", "docs/a.txt", content, 3, "r1"))));
    assertEquals(CommandResult.Status.OK, result.getStatus(), result.getMessage());
    FileRecord file = sm.findFile(utf8("docs/a.txt")).orElseThrow();
    assertEquals(3000, file.getSize());
    assertEquals(3, file.getChunkCount());
    assertEquals(STORED_AT, file.getStoredAtMillis(), "milliseconds round-trip");
    assertArrayEquals(Sha256.of(content), file.getSha256().toByteArray());
    assertArrayEquals(content, read(sm, "docs/a.txt"));
    assertEquals(nextIndex - 1, sm.appliedIndex());
    assertEquals(0, db.count("staged_uploads"));
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.Kind.class)
  void aRetriedRequestIdHasOneEffect(TestDatabase.Kind kind) throws Exception {
    TestDatabase db = database(kind);
    FileStoreStateMachine sm = db.stateMachine(StoreSettings.defaults());
    byte[] content = bytes(100, 2);
    sm.apply(putChunks("u1", content, 64));
    CommandResult first = single(sm.apply(List.of(commit("u1", "a", content, 2, "put-1"))));
    assertEquals(CommandResult.Status.OK, first.getStatus());
    assertEquals(
        CommandResult.Status.OK, single(sm.apply(List.of(delete("a", "del-1")))).getStatus());

    // The client retries the put (its own new upload) after the delete: no second effect.
    sm.apply(putChunks("u2", content, 64));
    CommandResult retry = single(sm.apply(List.of(commit("u2", "a", content, 2, "put-1"))));
    assertTrue(retry.getDuplicate());
    assertEquals(first.getFile(), retry.getFile());
    assertTrue(sm.findFile(utf8("a")).isEmpty(), "the retried put did not re-create the file");
    assertEquals(0, db.count("chunks"), "the retry's staged chunks were dropped");
    CommandResult retriedDelete = single(sm.apply(List.of(delete("a", "del-1"))));
    assertTrue(retriedDelete.getDuplicate());
    assertEquals(CommandResult.Status.OK, retriedDelete.getStatus());
  }

  // Issue 13: PUT b.txt with an Idempotency-Key already used for a.txt answered 201 with a.txt's
  // metadata, and b.txt was never stored. A request id is bound to its operation, name and
  // content: reused for another request it is a CONFLICT that stores nothing, never the other
  // request's result.
  @ParameterizedTest
  @EnumSource(TestDatabase.Kind.class)
  void aRequestIdReusedForAnotherRequestIsAConflictThatDoesNothing(TestDatabase.Kind kind)
      throws Exception {
    TestDatabase db = database(kind);
    FileStoreStateMachine sm = db.stateMachine(StoreSettings.defaults());
    byte[] a = utf8("content of a");
    assertOk(sm.apply(List.of(store("m1/a.txt", a, "key-1"))));

    CommandResult otherName = single(sm.apply(List.of(store("m1/b.txt", a, "key-1"))));
    assertEquals(CommandResult.Status.CONFLICT, otherName.getStatus());
    assertTrue(otherName.getMessage().contains("'key-1' was already used"), otherName.getMessage());
    assertTrue(otherName.getMessage().contains("m1/a.txt"), otherName.getMessage());
    assertFalse(otherName.hasFile(), "not the other request's file");
    assertTrue(sm.findFile(utf8("m1/b.txt")).isEmpty(), "nothing stored under the other name");

    CommandResult otherContent =
        single(sm.apply(List.of(store("m1/a.txt", utf8("other content"), "key-1"))));
    assertEquals(CommandResult.Status.CONFLICT, otherContent.getStatus());
    assertArrayEquals(a, read(sm, "m1/a.txt"), "the first content stays");

    CommandResult otherOperation = single(sm.apply(List.of(delete("m1/a.txt", "key-1"))));
    assertEquals(CommandResult.Status.CONFLICT, otherOperation.getStatus());
    assertTrue(sm.findFile(utf8("m1/a.txt")).isPresent(), "not deleted");

    byte[] big = bytes(200, 9);
    sm.apply(putChunks("u9", big, 64));
    CommandResult chunked = single(sm.apply(List.of(commit("u9", "m1/c.txt", big, 4, "key-1"))));
    assertEquals(CommandResult.Status.CONFLICT, chunked.getStatus());
    assertEquals(0, db.count("staged_uploads"), "its staged chunks were dropped");

    CommandResult retry = single(sm.apply(List.of(store("m1/a.txt", a, "key-1"))));
    assertEquals(CommandResult.Status.OK, retry.getStatus(), "a true retry still gets its answer");
    assertTrue(retry.getDuplicate());
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.Kind.class)
  void entriesAppliedBeforeACrashAreNotAppliedAgain(TestDatabase.Kind kind) throws Exception {
    TestDatabase db = database(kind);
    FileStoreStateMachine sm = db.stateMachine(StoreSettings.defaults());
    byte[] content = bytes(10, 3);
    List<Entry> log = new ArrayList<>(putChunks("u1", content, 10));
    log.add(commit("u1", "f", content, 1, "")); // no request id: only raft_applied protects it
    log.add(delete("f", ""));
    sm.apply(log);
    String before = db.digest();

    db.closeFactory(); // the node crashes and restarts on its database
    FileStoreStateMachine restarted = db.stateMachine(StoreSettings.defaults());
    assertEquals(3, restarted.appliedIndex());
    List<byte[]> results = restarted.apply(log.subList(0, 2)); // replayed from the log
    results.forEach(r -> assertEquals(0, r.length));
    assertTrue(restarted.findFile(utf8("f")).isEmpty(), "the commit did not apply twice");
    assertEquals(before, db.digest());
    restarted.apply(List.of(Entry.noop(nextIndex++, 2)));
    assertEquals(4, restarted.appliedIndex());
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.Kind.class)
  void abandonedUploadsAreCollectedAtFixedLogIndexes(TestDatabase.Kind kind) throws Exception {
    TestDatabase db = database(kind);
    FileStoreStateMachine sm = db.stateMachine(new StoreSettings(4, 8, 6));
    byte[] content = bytes(50, 4);
    sm.apply(putChunks("u1", content, 20)); // indexes 1..3
    sm.apply(noops(5)); // up to 8: cut 0, nothing goes
    assertEquals(3, db.count("chunks"));
    assertEquals(1, db.count("staged_uploads"));
    sm.apply(noops(4)); // index 12: cut 4 ≥ last chunk at 3
    assertEquals(0, db.count("chunks"));
    assertEquals(0, db.count("staged_uploads"));
    CommandResult late = single(sm.apply(List.of(commit("u1", "late", content, 3, "r"))));
    assertEquals(CommandResult.Status.REJECTED, late.getStatus());
    assertTrue(sm.findFile(utf8("late")).isEmpty());

    // Request ids are remembered for 6 entries: the rejected one was not remembered at all, and
    // an applied one disappears at the first GC point at least 6 entries later.
    sm.apply(putChunks("u2", content, 64)); // 14
    sm.apply(List.of(commit("u2", "kept", content, 1, "req"))); // 15
    assertEquals(1, db.count("applied_requests"));
    sm.apply(noops(5)); // 20: cut 14
    assertEquals(1, db.count("applied_requests"));
    sm.apply(noops(4)); // 24: cut 18
    assertEquals(0, db.count("applied_requests"));
    assertTrue(sm.findFile(utf8("kept")).isPresent());
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.Kind.class)
  void badHashesSizesAndCountsAreRejectedAndStoreNothing(TestDatabase.Kind kind) throws Exception {
    TestDatabase db = database(kind);
    FileStoreStateMachine sm = db.stateMachine(StoreSettings.defaults());
    byte[] content = bytes(30, 5);
    PutChunk badChunk =
        PutChunk.newBuilder()
            .setUploadId("u0")
            .setIndex(0)
            .setSha256(ByteString.copyFrom(Sha256.of(new byte[] {1})))
            .setData(ByteString.copyFrom(content))
            .build();
    CommandResult rejected =
        single(sm.apply(List.of(command(NodeCommand.newBuilder().setPutChunk(badChunk).build()))));
    assertEquals(CommandResult.Status.REJECTED, rejected.getStatus());
    assertEquals(0, db.count("chunks"));

    byte[] other = content.clone();
    other[7] ^= 1;
    String[] cases = {"sha", "size", "count", "name"};
    for (String bad : cases) {
      String upload = "u-" + bad;
      sm.apply(putChunks(upload, content, 16));
      CommitFile.Builder commit = commitOf(upload, "f", content, 2, "r-" + bad).toBuilder();
      switch (bad) {
        case "sha" -> commit.setSha256(ByteString.copyFrom(Sha256.of(other)));
        case "size" -> commit.setSize(31);
        case "count" -> commit.setChunkCount(1);
        default -> commit.setName(ByteString.copyFromUtf8("../etc"));
      }
      CommandResult r =
          single(
              sm.apply(List.of(command(NodeCommand.newBuilder().setCommitFile(commit).build()))));
      assertEquals(CommandResult.Status.REJECTED, r.getStatus(), bad);
      assertFalse(r.getMessage().isEmpty());
      assertTrue(sm.listFiles().isEmpty(), bad);
      assertEquals(0, db.count("chunks"), "a rejected commit drops its staged chunks: " + bad);
      assertEquals(0, db.count("applied_requests"), "rejections are not remembered: " + bad);
    }
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.Kind.class)
  void aCommitJudgesTheChunksStagedLastWhateverOrderTheyCameIn(TestDatabase.Kind kind)
      throws Exception {
    TestDatabase db = database(kind);
    FileStoreStateMachine sm = db.stateMachine(StoreSettings.defaults());
    byte[] first = bytes(48, 11);
    byte[] second = first.clone();
    second[20] ^= 1; // chunk 1 of 16-byte chunks differs

    List<Entry> outOfOrder = putChunks("u-order", first, 16);
    sm.apply(List.of(outOfOrder.get(2), outOfOrder.get(0), outOfOrder.get(1)));
    assertEquals(
        CommandResult.Status.OK,
        single(sm.apply(List.of(commit("u-order", "order", first, 3, "r-order")))).getStatus());
    assertArrayEquals(first, read(sm, "order"));

    // Chunk 1 put again with other bytes: the commit must see the bytes staged last.
    sm.apply(putChunks("u-stale", first, 16));
    sm.apply(List.of(putChunks("u-stale", second, 16).get(1)));
    CommandResult stale = single(sm.apply(List.of(commit("u-stale", "stale", first, 3, "r-s"))));
    assertEquals(CommandResult.Status.REJECTED, stale.getStatus(), stale.getMessage());
    sm.apply(putChunks("u-fresh", first, 16));
    sm.apply(List.of(putChunks("u-fresh", second, 16).get(1)));
    assertEquals(
        CommandResult.Status.OK,
        single(sm.apply(List.of(commit("u-fresh", "fresh", second, 3, "r-f")))).getStatus());
    assertArrayEquals(second, read(sm, "fresh"));

    // The whole upload put again from chunk 0, in one batch with its commit.
    List<Entry> again = new ArrayList<>(putChunks("u-again", first, 16));
    again.addAll(putChunks("u-again", second, 16));
    again.add(commit("u-again", "again", second, 3, "r-a"));
    List<byte[]> results = sm.apply(again);
    assertEquals(
        CommandResult.Status.OK,
        CommandResult.parseFrom(results.get(results.size() - 1)).getStatus());
    assertArrayEquals(second, read(sm, "again"));

    // Chunks staged before a restart: the new instance reads them back to judge the commit.
    sm.apply(putChunks("u-restart", first, 16));
    FileStoreStateMachine restarted = db.stateMachine(StoreSettings.defaults());
    CommandResult wrong =
        single(restarted.apply(List.of(commit("u-restart", "restart", second, 3, "r-r1"))));
    assertEquals(CommandResult.Status.REJECTED, wrong.getStatus(), wrong.getMessage());
    restarted.apply(putChunks("u-restart2", first, 16));
    FileStoreStateMachine again2 = db.stateMachine(StoreSettings.defaults());
    assertEquals(
        CommandResult.Status.OK,
        single(again2.apply(List.of(commit("u-restart2", "restart", first, 3, "r-r2"))))
            .getStatus());
    assertArrayEquals(first, read(again2, "restart"));
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.Kind.class)
  void aSnapshotRebuildsAnIdenticalStore(TestDatabase.Kind kind) throws Exception {
    TestDatabase source = database(kind);
    FileStoreStateMachine sm = source.stateMachine(StoreSettings.defaults());
    byte[] big = bytes(3 * 1024 * 1024 + 5, 6);
    sm.apply(putChunks("big", big, 1 << 20));
    sm.apply(List.of(commit("big", "docs/big.bin", big, 4, "r1")));
    byte[] small = bytes(5, 7);
    sm.apply(putChunks("small", small, 1024));
    sm.apply(List.of(commit("small", "ünïcode/ファイル", small, 1, "r2")));
    sm.apply(putChunks("staged", small, 2)); // an upload in progress travels too
    byte[] empty = new byte[0];
    sm.apply(List.of(commit("empty", "empty", empty, 0, "r3")));
    // More files, chunks and request ids than two pages of the snapshot's reads and writes; one
    // request id is a space only (not above '' under MySQL's PAD SPACE collations).
    int many = 2 * StoreSnapshots.PAGE_ROWS + 345;
    List<Entry> smallFiles = new ArrayList<>();
    for (int i = 0; i < many; i++) {
      smallFiles.add(store("many/" + i, bytes(8, i), i == 0 ? " " : "many-" + i));
    }
    assertOk(sm.apply(smallFiles));

    ByteArrayOutputStream snapshot = new ByteArrayOutputStream();
    sm.takeSnapshot(snapshot);
    SnapshotMeta meta =
        new SnapshotMeta(sm.appliedIndex(), 1, Configuration.empty(), snapshot.size());

    TestDatabase target = database(kind);
    FileStoreStateMachine rebuilt = target.stateMachine(StoreSettings.defaults());
    rebuilt.apply(putChunks("junk", small, 2)); // whatever was there is replaced
    rebuilt.installSnapshot(new ByteArrayInputStream(snapshot.toByteArray()), meta);
    assertEquals(sm.appliedIndex(), rebuilt.appliedIndex());
    assertEquals(source.digest(), target.digest());
    assertEquals(many + 3, target.count("files"));
    assertEquals(many + 3, target.count("applied_requests"));
    assertArrayEquals(big, read(rebuilt, "docs/big.bin"));
    assertArrayEquals(bytes(8, many - 1), read(rebuilt, "many/" + (many - 1)));
    ByteArrayOutputStream again = new ByteArrayOutputStream();
    rebuilt.takeSnapshot(again);
    assertArrayEquals(snapshot.toByteArray(), again.toByteArray(), "snapshots are deterministic");

    // A corrupt or truncated snapshot is refused and leaves the store as it was.
    byte[] corrupt = snapshot.toByteArray();
    corrupt[corrupt.length / 2] ^= 0x40;
    TestDatabase third = database(kind);
    FileStoreStateMachine untouched = third.stateMachine(StoreSettings.defaults());
    String before = third.digest();
    assertThrows(
        IOException.class,
        () -> untouched.installSnapshot(new ByteArrayInputStream(corrupt), meta));
    assertThrows(
        IOException.class,
        () ->
            untouched.installSnapshot(
                new ByteArrayInputStream(Arrays.copyOf(snapshot.toByteArray(), 1000)), meta));
    assertEquals(before, third.digest());
    assertEquals(0, untouched.appliedIndex());
  }

  // A snapshot is written from the read view it fixes first: entries applied while it streams
  // (a file replaced, another deleted, a new one) are not in it, and it rebuilds the store exactly
  // as it was at the snapshot's index.
  @ParameterizedTest
  @EnumSource(TestDatabase.Kind.class)
  void aSnapshotStreamsTheStoreAsItWasWhileApplyGoesOn(TestDatabase.Kind kind) throws Exception {
    TestDatabase source = database(kind);
    FileStoreStateMachine sm = source.stateMachine(StoreSettings.defaults());
    byte[] a = bytes(5000, 11);
    byte[] b = bytes(3000, 12);
    assertOk(sm.apply(putChunks("ua", a, 1024)));
    assertOk(sm.apply(List.of(commit("ua", "a", a, 5, "r1"))));
    assertOk(sm.apply(putChunks("ub", b, 1024)));
    assertOk(sm.apply(List.of(commit("ub", "b", b, 3, "r2"))));
    long snapshotIndex = sm.appliedIndex();
    String digestAtSnapshot = source.digest();

    java.util.concurrent.CountDownLatch viewFixed = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch appliedMore = new java.util.concurrent.CountDownLatch(1);
    ByteArrayOutputStream snapshot = new ByteArrayOutputStream();
    java.util.concurrent.CompletableFuture<Void> writing =
        java.util.concurrent.CompletableFuture.runAsync(
            () -> {
              try {
                sm.takeSnapshot(
                    snapshot,
                    () -> {
                      viewFixed.countDown();
                      try {
                        appliedMore.await();
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                    });
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    assertTrue(viewFixed.await(20, java.util.concurrent.TimeUnit.SECONDS));
    byte[] a2 = bytes(4000, 13);
    assertOk(sm.apply(putChunks("ua2", a2, 1024)));
    assertOk(sm.apply(List.of(commit("ua2", "a", a2, 4, "r3"), delete("b", "r4"))));
    assertOk(sm.apply(putChunks("uc", b, 1024)));
    assertOk(sm.apply(List.of(commit("uc", "c", b, 3, "r5"))));
    appliedMore.countDown();
    writing.get(20, java.util.concurrent.TimeUnit.SECONDS);

    TestDatabase target = database(kind);
    FileStoreStateMachine rebuilt = target.stateMachine(StoreSettings.defaults());
    rebuilt.installSnapshot(
        new ByteArrayInputStream(snapshot.toByteArray()),
        new SnapshotMeta(snapshotIndex, 1, Configuration.empty(), snapshot.size()));
    assertEquals(snapshotIndex, rebuilt.appliedIndex());
    assertEquals(digestAtSnapshot, target.digest(), "the store as it was at the snapshot");
    assertArrayEquals(a, read(rebuilt, "a"));
    assertArrayEquals(b, read(rebuilt, "b"));
    assertTrue(rebuilt.findFile(utf8("c")).isEmpty());
  }

  // What a client that fetches chunks from several nodes needs: the chunk list of a file, and each
  // chunk alone, refused once the file's content is not the one the client was told about.
  @ParameterizedTest
  @EnumSource(TestDatabase.Kind.class)
  void chunksAreListedAndServedOneByOne(TestDatabase.Kind kind) throws Exception {
    TestDatabase db = database(kind);
    FileStoreStateMachine sm = db.stateMachine(StoreSettings.defaults());
    byte[] content = bytes(3000, 8);
    assertOk(sm.apply(putChunks("u1", content, 1024)));
    assertOk(sm.apply(List.of(commit("u1", "d/a", content, 3, "r1"))));

    var found = sm.findChunks(utf8("d/a")).orElseThrow();
    assertEquals(3000, found.getKey().getSize());
    List<FileStoreStateMachine.ChunkSummary> chunks = found.getValue();
    assertEquals(List.of(0, 1, 2), chunks.stream().map(c -> c.index()).toList());
    assertEquals(List.of(1024, 1024, 952), chunks.stream().map(c -> c.size()).toList());
    byte[] middle = Arrays.copyOfRange(content, 1024, 2048);
    assertEquals(Sha256.hex(Sha256.of(middle)), chunks.get(1).sha256());

    byte[] fileSha = Sha256.of(content);
    assertArrayEquals(middle, sm.readChunk(utf8("d/a"), 1, fileSha).orElseThrow());
    assertArrayEquals(middle, sm.readChunk(utf8("d/a"), 1, null).orElseThrow());
    assertTrue(sm.readChunk(utf8("d/a"), 3, fileSha).isEmpty(), "no chunk 3");
    assertTrue(sm.readChunk(utf8("d/a"), -1, null).isEmpty());
    assertTrue(sm.readChunk(utf8("d/b"), 0, null).isEmpty(), "no such file");
    assertTrue(
        sm.readChunk(utf8("d/a"), 1, Sha256.of(middle)).isEmpty(), "the file is not that content");
    assertTrue(sm.findChunks(utf8("d/b")).isEmpty());
  }

  // A client reading a large file in a few long requests: a run of chunks is found only whole and
  // while the file is that content, and streams its chunks in order; once the file is replaced and
  // its old chunks deleted, streaming the run found before fails rather than sending less.
  @ParameterizedTest
  @EnumSource(TestDatabase.Kind.class)
  void aRunOfChunksStreamsInOrderOnlyWholeAndOnlyWhileTheFileIsThatContent(TestDatabase.Kind kind)
      throws Exception {
    TestDatabase db = database(kind);
    FileStoreStateMachine sm = db.stateMachine(StoreSettings.defaults());
    byte[] content = bytes(3000, 9);
    assertOk(sm.apply(putChunks("u1", content, 1024)));
    assertOk(sm.apply(List.of(commit("u1", "d/a", content, 3, "r1"))));
    byte[] fileSha = Sha256.of(content);

    ChunkRun tail = sm.findChunkRun(utf8("d/a"), 1, 2, fileSha).orElseThrow();
    assertEquals(new ChunkRun("u1", 1, 2, 1976), tail);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    sm.writeChunks(tail, out);
    assertArrayEquals(Arrays.copyOfRange(content, 1024, 3000), out.toByteArray());
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    sm.writeChunks(sm.findChunkRun(utf8("d/a"), 0, 3, null).orElseThrow(), all);
    assertArrayEquals(content, all.toByteArray());

    assertTrue(sm.findChunkRun(utf8("d/a"), 1, 3, fileSha).isEmpty(), "past the last chunk");
    assertTrue(sm.findChunkRun(utf8("d/a"), 0, 0, null).isEmpty(), "no chunks asked for");
    assertTrue(sm.findChunkRun(utf8("d/a"), -1, 2, null).isEmpty());
    assertTrue(sm.findChunkRun(utf8("d/b"), 0, 1, null).isEmpty(), "no such file");
    assertTrue(
        sm.findChunkRun(utf8("d/a"), 0, 1, Sha256.of(bytes(5, 1))).isEmpty(),
        "the file is not that content");

    byte[] replacement = bytes(100, 10);
    assertOk(sm.apply(List.of(store("d/a", replacement, "r2")))); // u1's chunks deleted with it
    IOException gone = assertThrows(IOException.class, () -> sm.writeChunks(tail, out));
    assertTrue(gone.getMessage().contains("chunk 1 is gone"), gone.getMessage());
  }

  // A read is one consistent snapshot: a file replaced (its old chunks deleted) while a reader is
  // half-way through it reads back whole, as it was when the read began.
  @ParameterizedTest
  @EnumSource(TestDatabase.Kind.class)
  void aFileReplacedWhileBeingReadReadsBackAsItWas(TestDatabase.Kind kind) throws Exception {
    TestDatabase db = database(kind);
    FileStoreStateMachine sm = db.stateMachine(StoreSettings.defaults());
    byte[] old = bytes(3000, 5);
    assertOk(sm.apply(putChunks("u1", old, 1024)));
    assertOk(sm.apply(List.of(commit("u1", "a", old, 3, "r1"))));

    java.util.concurrent.CountDownLatch firstChunk = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch replaced = new java.util.concurrent.CountDownLatch(1);
    ByteArrayOutputStream out =
        new ByteArrayOutputStream() {
          @Override
          public synchronized void write(byte[] b, int off, int len) {
            super.write(b, off, len);
            firstChunk.countDown();
            try {
              replaced.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        };
    java.util.concurrent.CompletableFuture<Optional<FileRecord>> reading =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> {
              try {
                return sm.readFile(utf8("a"), out);
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    assertTrue(firstChunk.await(20, java.util.concurrent.TimeUnit.SECONDS), "the read started");

    byte[] replacement = bytes(2000, 6);
    assertOk(sm.apply(putChunks("u2", replacement, 1024)));
    assertOk(sm.apply(List.of(commit("u2", "a", replacement, 2, "r2"))));
    replaced.countDown();

    assertTrue(reading.get(20, java.util.concurrent.TimeUnit.SECONDS).isPresent());
    assertArrayEquals(old, out.toByteArray(), "the reader saw the file as it was");
    assertArrayEquals(replacement, read(sm, "a"), "a new read sees the replacement");
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.Kind.class)
  void aSmallFileStoredInOneEntryIsLikeOneStagedAndCommitted(TestDatabase.Kind kind)
      throws Exception {
    TestDatabase db = database(kind);
    FileStoreStateMachine sm = db.stateMachine(StoreSettings.defaults());
    byte[] content = bytes(4096, 11);
    CommandResult stored = single(sm.apply(List.of(store("small", content, "w1"))));
    assertEquals(CommandResult.Status.OK, stored.getStatus(), stored.getMessage());
    assertEquals(1, stored.getFile().getChunkCount());
    assertArrayEquals(content, read(sm, "small"));
    assertEquals(0, db.count("staged_uploads"));

    CommandResult empty = single(sm.apply(List.of(store("empty", new byte[0], "w2"))));
    assertEquals(CommandResult.Status.OK, empty.getStatus(), empty.getMessage());
    assertEquals(0, empty.getFile().getChunkCount());
    assertArrayEquals(new byte[0], read(sm, "empty"));

    // It replaces a file written in chunks, whose chunks go.
    byte[] big = bytes(3000, 12);
    sm.apply(putChunks("u3", big, 1024));
    assertOk(sm.apply(List.of(commit("u3", "f", big, 3, "w3"))));
    assertOk(sm.apply(List.of(store("f", content, "w4"))));
    assertArrayEquals(content, read(sm, "f"));
    assertEquals(2, db.count("chunks"), "one each for small and the new f; none for empty");

    CommandResult retry = single(sm.apply(List.of(store("small", content, "w1"))));
    assertTrue(retry.getDuplicate());
    assertEquals(stored.getFile(), retry.getFile());
    assertArrayEquals(content, read(sm, "small"), "the retry had no effect");
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.Kind.class)
  void aSmallFileWithABadHashIsRejectedAndChunksCannotTakeItsUploadId(TestDatabase.Kind kind)
      throws Exception {
    TestDatabase db = database(kind);
    FileStoreStateMachine sm = db.stateMachine(StoreSettings.defaults());
    byte[] content = bytes(100, 14);
    NodeCommand forged =
        NodeCommand.newBuilder()
            .setStoreFile(
                storeOf("a", content, "w1").toBuilder()
                    .setSha256(ByteString.copyFrom(Sha256.of(bytes(100, 15)))))
            .build();
    assertEquals(
        CommandResult.Status.REJECTED, single(sm.apply(List.of(command(forged)))).getStatus());
    CommandResult stored = single(sm.apply(List.of(store("b", content, "w2"))));
    String uploadId = stored.getFile().getUploadId();
    assertTrue(uploadId.startsWith("@"), uploadId);

    // The store's own upload ids cannot be used by chunked uploads (they would meet b's chunk).
    CommandResult chunk =
        CommandResult.parseFrom(sm.apply(putChunks(uploadId, content, 100)).get(0));
    assertEquals(CommandResult.Status.REJECTED, chunk.getStatus());
    assertTrue(chunk.getMessage().contains("store's own"), chunk.getMessage());
    CommandResult commit = single(sm.apply(List.of(commit("@77", "c", content, 1, "w3"))));
    assertEquals(CommandResult.Status.REJECTED, commit.getStatus());
    assertTrue(sm.findFile(utf8("a")).isEmpty());
    assertTrue(sm.findFile(utf8("c")).isEmpty());
    assertArrayEquals(content, read(sm, "b"));
    assertEquals(1, db.count("chunks"), "only b's");
  }

  /**
   * New small files are written as JDBC batches, every other command through the persistence
   * context: within one batch, a new file, its replacement, a retry of its first request, its
   * delete, a garbage collection and its return must see each other as they would one batch each.
   */
  @ParameterizedTest
  @EnumSource(TestDatabase.Kind.class)
  void newSmallFilesAndTheCommandsAfterThemInOneBatchSeeEachOther(TestDatabase.Kind kind)
      throws Exception {
    byte[] one = bytes(4096, 31);
    byte[] two = bytes(4096, 32);
    List<Entry> log = new ArrayList<>();
    log.add(store("a", one, "w1")); // new: batched
    log.add(store("b", two, "w2")); // new: batched
    log.add(store("a", two, "w3")); // replaces a batched file
    log.add(store("c", one, "w1")); // w1 again, for another file: a conflict
    log.add(store("a", one, "w1")); // a retry of the first: its first result, no effect
    log.addAll(noops(3)); // the garbage collection runs at index 8
    log.add(delete("b", "w4")); // deletes a batched file
    log.add(store("b", one, "w5")); // b again: new to the batch's first look-up no more
    log.add(store("d", new byte[0], "")); // new, empty, no request id
    TestDatabase batched = database(kind);
    FileStoreStateMachine sm = batched.stateMachine(new StoreSettings(8, 10_000, 100_000));
    List<CommandResult> results = new ArrayList<>();
    for (byte[] r : sm.apply(log)) {
      results.add(CommandResult.parseFrom(r));
    }
    assertEquals(CommandResult.Status.OK, results.get(0).getStatus());
    assertEquals(CommandResult.Status.OK, results.get(2).getStatus());
    assertEquals(CommandResult.Status.CONFLICT, results.get(3).getStatus());
    assertTrue(results.get(4).getDuplicate());
    assertEquals(results.get(0).getFile(), results.get(4).getFile());
    assertEquals(CommandResult.Status.OK, results.get(8).getStatus(), "b was there to delete");
    assertArrayEquals(two, read(sm, "a"));
    assertArrayEquals(one, read(sm, "b"));
    assertArrayEquals(new byte[0], read(sm, "d"));
    assertTrue(sm.findFile(utf8("c")).isEmpty());
    assertEquals(2, batched.count("chunks"), "a's second, b's second; none for d");
    assertEquals(5, batched.count("applied_requests"), "w1 to w5; none for d");

    TestDatabase oneByOne = database(kind);
    FileStoreStateMachine each = oneByOne.stateMachine(new StoreSettings(8, 10_000, 100_000));
    for (int i = 0; i < log.size(); i++) {
      assertEquals(
          results.get(i), CommandResult.parseFrom(each.apply(log.subList(i, i + 1)).get(0)));
    }
    assertEquals(oneByOne.digest(), batched.digest());
    assertEquals(log.size(), batched.applied()[0]);
  }

  /**
   * A leader and its followers cut the same log into different apply batches: every result and
   * every row must be the same however the log is cut. A random log of small and chunked writes,
   * replacements, deletes, retries and reused upload ids is applied entry by entry, in one batch,
   * and in random cuts.
   */
  @ParameterizedTest
  @EnumSource(TestDatabase.Kind.class)
  void theEffectOfALogDoesNotDependOnHowItIsCutIntoBatches(TestDatabase.Kind kind)
      throws Exception {
    Random random = new Random(20261121);
    List<Entry> log = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      String name = "n" + random.nextInt(8);
      String request = random.nextInt(10) == 0 ? "r" + random.nextInt(i + 1) : "r" + i;
      String upload =
          switch (random.nextInt(12)) {
            case 0, 1, 2 -> "up" + random.nextInt(i + 1); // perhaps committed or staged already
            case 3 -> "@" + random.nextInt(log.size() + 1); // perhaps a small file's own id
            default -> "up" + i;
          };
      byte[] content = bytes(random.nextInt(3) == 0 ? 0 : random.nextInt(300), i);
      switch (random.nextInt(4)) {
        case 0, 1 -> log.add(store(name, content, request));
        case 2 -> {
          log.addAll(putChunks(upload, content, 128));
          int chunks = (content.length + 127) / 128;
          log.add(commit(upload, name, content, chunks, request));
        }
        default -> log.add(delete(name, request));
      }
    }
    List<List<Integer>> cuts = new ArrayList<>();
    cuts.add(List.of(1)); // entry by entry
    cuts.add(List.of(log.size())); // all at once
    cuts.add(List.of(1, 7, 2, 30, 5, 64)); // repeated over the log
    String expectedDigest = null;
    List<CommandResult> expectedResults = null;
    for (List<Integer> cut : cuts) {
      TestDatabase db = database(kind);
      FileStoreStateMachine sm = db.stateMachine(StoreSettings.defaults());
      List<CommandResult> results = new ArrayList<>();
      int at = 0;
      for (int k = 0; at < log.size(); k++) {
        int end = Math.min(log.size(), at + cut.get(k % cut.size()));
        for (byte[] r : sm.apply(log.subList(at, end))) {
          results.add(CommandResult.parseFrom(r));
        }
        at = end;
      }
      if (expectedDigest == null) {
        expectedDigest = db.digest();
        expectedResults = results;
        assertTrue(
            results.stream().anyMatch(r -> r.getStatus() == CommandResult.Status.REJECTED),
            "the log exercises rejections too");
      } else {
        assertEquals(expectedResults, results, "results with batches of " + cut);
        assertEquals(expectedDigest, db.digest(), "rows with batches of " + cut);
      }
    }
  }

  // ---------------------------------------------------------------- helpers

  private static byte[] read(FileStoreStateMachine sm, String name) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Optional<FileRecord> file = sm.readFile(utf8(name), out);
    assertTrue(file.isPresent(), name);
    return out.toByteArray();
  }

  private List<Entry> putChunks(String uploadId, byte[] content, int chunkSize) {
    List<Entry> entries = new ArrayList<>();
    for (int i = 0, offset = 0; offset < content.length; i++, offset += chunkSize) {
      byte[] data =
          Arrays.copyOfRange(content, offset, Math.min(content.length, offset + chunkSize));
      entries.add(
          command(
              NodeCommand.newBuilder()
                  .setPutChunk(
                      PutChunk.newBuilder()
                          .setUploadId(uploadId)
                          .setIndex(i)
                          .setSha256(ByteString.copyFrom(Sha256.of(data)))
                          .setData(ByteString.copyFrom(data)))
                  .build()));
    }
    return entries;
  }

  private static CommitFile commitOf(
      String uploadId, String name, byte[] content, int chunks, String requestId) {
    return CommitFile.newBuilder()
        .setUploadId(uploadId)
        .setName(ByteString.copyFrom(utf8(name)))
        .setSize(content.length)
        .setSha256(ByteString.copyFrom(Sha256.of(content)))
        .setChunkCount(chunks)
        .setRequestId(requestId)
        .setStoredAtMillis(STORED_AT)
        .build();
  }

  private Entry commit(String uploadId, String name, byte[] content, int chunks, String requestId) {
    return command(
        NodeCommand.newBuilder()
            .setCommitFile(commitOf(uploadId, name, content, chunks, requestId))
            .build());
  }

  private static StoreFile storeOf(String name, byte[] content, String requestId) {
    return StoreFile.newBuilder()
        .setName(ByteString.copyFrom(utf8(name)))
        .setSha256(ByteString.copyFrom(Sha256.of(content)))
        .setData(ByteString.copyFrom(content))
        .setRequestId(requestId)
        .setStoredAtMillis(STORED_AT)
        .build();
  }

  private Entry store(String name, byte[] content, String requestId) {
    return command(
        NodeCommand.newBuilder().setStoreFile(storeOf(name, content, requestId)).build());
  }

  private Entry delete(String name, String requestId) {
    return command(
        NodeCommand.newBuilder()
            .setDeleteFile(
                DeleteFile.newBuilder()
                    .setName(ByteString.copyFrom(utf8(name)))
                    .setRequestId(requestId))
            .build());
  }

  private List<Entry> noops(int count) {
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      entries.add(Entry.noop(nextIndex++, 1));
    }
    return entries;
  }

  private Entry command(NodeCommand command) {
    return Entry.command(nextIndex++, 1, command.toByteArray());
  }

  private static CommandResult single(List<byte[]> results) throws IOException {
    assertEquals(1, results.size());
    return CommandResult.parseFrom(results.get(0));
  }

  private static void assertOk(List<byte[]> results) throws IOException {
    for (byte[] r : results) {
      CommandResult result = CommandResult.parseFrom(r);
      assertEquals(CommandResult.Status.OK, result.getStatus(), result.getMessage());
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] bytes(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }
}
