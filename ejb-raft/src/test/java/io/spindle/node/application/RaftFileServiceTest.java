package io.spindle.node.application;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.node.domain.FileInfo;
import io.spindle.node.domain.FileName;
import io.spindle.node.domain.Sha256;
import io.spindle.node.infrastructure.store.FileStoreStateMachine;
import io.spindle.node.infrastructure.store.StoreSettings;
import io.spindle.node.infrastructure.store.TestDatabase;
import io.spindle.raft.SnapshotMeta;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Three Raft drivers in one JVM behind {@link RaftFileService}, each node on its own database:
 * writes through the leader, reads on every node, errors, and replicas that end identical.
 * Subclasses pick the database.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class RaftFileServiceTest {
  private static final int MIB = 1 << 20;
  private FileCluster cluster;

  abstract TestDatabase.Kind kind();

  @BeforeAll
  void startCluster() {
    cluster = new FileCluster(kind(), 3);
  }

  @AfterAll
  void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void filesOfEverySizeReadBackIdenticallyOnEveryNode() throws IOException {
    int[] sizes = {0, 1, MIB - 1, MIB, MIB + 1, 5 * MIB};
    for (int size : sizes) {
      FileName name = FileName.of("sizes/" + size + ".bin");
      byte[] content = bytes(size, size);
      String sha = Sha256.hex(Sha256.of(content));
      FileInfo stored = cluster.put(name, content);
      assertEquals(size, stored.size());
      assertEquals(sha, stored.sha256());
      assertEquals((size + MIB - 1) / MIB, stored.chunkCount());
      for (FileCluster.Node node : cluster.nodes()) {
        DigestingStream out = new DigestingStream();
        FileInfo read = node.service.read(name, false, out).orElseThrow();
        assertEquals(sha, out.hex(), node.id + " reads " + name);
        assertEquals(size, out.count);
        assertEquals(stored, read, node.id + " has the same metadata");
      }
    }
    cluster.awaitConverged();
    for (FileCluster.Node node : cluster.nodes()) {
      DigestingStream out = new DigestingStream();
      assertTrue(
          node.service.read(FileName.of("sizes/" + (5 * MIB) + ".bin"), true, out).isPresent());
      assertEquals(Sha256.hex(Sha256.of(bytes(5 * MIB, 5 * MIB))), out.hex());
    }
  }

  @Test
  void aWriteThroughAFollowerNamesTheLeadersUrl() {
    FileCluster.Node leader = cluster.leader();
    for (FileCluster.Node follower : cluster.followers()) {
      NotLeaderException e =
          assertThrows(
              NotLeaderException.class,
              () ->
                  follower.service.put(
                      FileName.of("nope"), new ByteArrayInputStream(new byte[1]), 1, null));
      assertEquals(Optional.of(leader.httpUrl), e.leaderHttpUrl());
      assertTrue(e.getMessage().contains(leader.httpUrl.toString()));
      assertThrows(
          NotLeaderException.class, () -> follower.service.delete(FileName.of("nope"), null));
    }
    assertTrue(leader.service.stat(FileName.of("nope"), false).isEmpty());
  }

  @Test
  void anUploadCutOffMidwayStoresNothing() {
    FileName name = FileName.of("broken/stream.bin");
    FileCluster.Node leader = cluster.leader();
    InputStream failing =
        new InputStream() {
          private int left = 3 * MIB / 2;

          @Override
          public int read() throws IOException {
            if (left-- <= 0) {
              throw new IOException("connection reset by the test");
            }
            return 7;
          }
        };
    IOException e =
        assertThrows(IOException.class, () -> leader.service.put(name, failing, 4 * MIB, null));
    assertEquals("connection reset by the test", e.getMessage());
    IOException shortStream =
        assertThrows(
            IOException.class,
            () ->
                leader.service.put(
                    name, new ByteArrayInputStream(bytes(MIB + 3, 9)), 2 * MIB, "r"));
    assertTrue(shortStream.getMessage().contains("nothing stored"), shortStream.getMessage());
    for (FileCluster.Node node : cluster.nodes()) {
      assertTrue(node.service.stat(name, false).isEmpty(), node.id + " shows no half upload");
    }
  }

  @Test
  void contentOfAnotherSizeThanAnnouncedStoresNothingAndAnUnannouncedSizeIsTaken()
      throws IOException {
    FileCluster.Node leader = cluster.leader();
    long[][] announcedAndSent = {
      {0, 1},
      {4096, 4095},
      {4096, 4097},
      {4096, MIB + 1},
      {MIB - 1, MIB},
      {MIB, MIB + 1},
      {MIB + 5, MIB + 4},
      {2 * MIB, 2 * MIB + 1},
      {2 * MIB, MIB}
    };
    for (long[] c : announcedAndSent) {
      FileName name = FileName.of("announced/" + c[0] + "-" + c[1] + ".bin");
      IOException e =
          assertThrows(
              IOException.class,
              () ->
                  leader.service.put(
                      name, new ByteArrayInputStream(bytes((int) c[1], 3)), c[0], null),
              c[1] + " bytes announced as " + c[0]);
      assertTrue(e.getMessage().contains("nothing stored"), e.getMessage());
      assertTrue(e.getMessage().contains(Long.toString(c[0])), e.getMessage());
      for (FileCluster.Node node : cluster.nodes()) {
        assertTrue(node.service.stat(name, false).isEmpty(), node.id + " stores nothing");
      }
    }
    for (int size : new int[] {4096, MIB + 1}) {
      byte[] content = bytes(size, 5);
      FileInfo stored =
          leader.service.put(
              FileName.of("unannounced/" + size), new ByteArrayInputStream(content), -1, null);
      assertEquals(size, stored.size());
      assertEquals(Sha256.hex(Sha256.of(content)), stored.sha256());
    }
  }

  @Test
  void verifiedChunksAreStoredAsHandedOverAndAChunkNotMatchingItsHashStoresNothing()
      throws IOException {
    byte[] content = bytes(2 * MIB + 5, 21);
    FileCluster.Node leader = cluster.leader();
    FileName name = FileName.of("verified/chunks.bin");
    FileInfo stored =
        leader.service.put(name, new HandedChunks(content, MIB, false), content.length, null);
    assertEquals(Sha256.hex(Sha256.of(content)), stored.sha256());
    assertEquals(3, stored.chunkCount());
    cluster.awaitConverged();
    for (FileCluster.Node node : cluster.nodes()) {
      DigestingStream out = new DigestingStream();
      node.service.read(name, false, out).orElseThrow();
      assertEquals(stored.sha256(), out.hex(), node.id + " reads the handed-over chunks");
    }
    // Chunks of another size are read as a stream and cut again: the same file.
    FileName recut = FileName.of("verified/recut.bin");
    FileInfo again =
        leader.service.put(recut, new HandedChunks(content, MIB / 2, false), content.length, null);
    assertEquals(stored.sha256(), again.sha256());
    assertEquals(3, again.chunkCount());
    // A source whose hash does not match its chunk: every replica's apply refuses the chunk.
    FileName lying = FileName.of("verified/lying.bin");
    IllegalStateException refused =
        assertThrows(
            IllegalStateException.class,
            () ->
                leader.service.put(
                    lying, new HandedChunks(content, MIB, true), content.length, null));
    assertTrue(refused.getMessage().contains("does not match its SHA-256"), refused.getMessage());
    for (FileCluster.Node node : cluster.nodes()) {
      assertTrue(node.service.stat(lying, false).isEmpty(), node.id + " stored nothing");
    }
  }

  /**
   * {@code content} in chunks of {@code chunkSize} with their SHA-256, as a queue job's upload
   * hands them over; with {@code lie}, the second chunk's hash is of other bytes.
   */
  private static final class HandedChunks extends ByteArrayInputStream implements VerifiedChunks {
    private final byte[] content;
    private final int chunkSize;
    private final boolean lie;
    private int next;

    HandedChunks(byte[] content, int chunkSize, boolean lie) {
      super(content);
      this.content = content;
      this.chunkSize = chunkSize;
      this.lie = lie;
    }

    @Override
    public int chunkSize() {
      return chunkSize;
    }

    @Override
    public Chunk nextChunk() {
      int from = next * chunkSize;
      if (from >= content.length) {
        return null;
      }
      byte[] data =
          java.util.Arrays.copyOfRange(content, from, Math.min(content.length, from + chunkSize));
      byte[] sha = Sha256.of(lie && next == 1 ? new byte[] {1} : data);
      next++;
      return new Chunk(data, sha);
    }
  }

  @Test
  void aRetriedPutHasOneEffectAndItsRequestIdNamesThatPutOnly() throws IOException {
    FileName name = FileName.of("retry/once.txt");
    byte[] first = bytes(1000, 1);
    FileInfo stored = cluster.put(name, first, "put-once");
    FileInfo retried = cluster.put(name, first, "put-once");
    assertEquals(stored, retried);
    RequestIdConflictException other =
        assertThrows(
            RequestIdConflictException.class,
            () -> cluster.put(name, bytes(1000, 2), "put-once"),
            "the same request id with other content is another request");
    assertTrue(other.getMessage().contains("'put-once' was already used"), other.getMessage());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertTrue(cluster.nodes().get(2).service.read(name, false, out).isPresent());
    assertEquals(Sha256.hex(Sha256.of(first)), Sha256.hex(Sha256.of(out.toByteArray())));
  }

  @Test
  void deleteAndList() throws IOException {
    FileName a = FileName.of("list/a.txt");
    FileName b = FileName.of("list/b/ü.txt");
    cluster.put(a, bytes(10, 3));
    cluster.put(b, bytes(20, 4));
    FileCluster.Node leader = cluster.leader();
    for (FileCluster.Node node : cluster.nodes()) {
      List<FileName> names = node.service.list(false).stream().map(FileInfo::name).toList();
      assertTrue(names.containsAll(List.of(a, b)), node.id + " lists " + names);
      assertTrue(names.indexOf(a) < names.indexOf(b), "sorted by name");
    }
    assertTrue(leader.service.delete(a, "del-a"));
    assertTrue(leader.service.delete(a, "del-a"), "a retried delete repeats its first answer");
    assertFalse(leader.service.delete(a, "del-a-again"));
    for (FileCluster.Node node : cluster.nodes()) {
      assertTrue(node.service.stat(a, false).isEmpty());
      assertFalse(node.service.list(false).stream().anyMatch(f -> f.name().equals(a)));
      assertTrue(node.service.stat(b, false).isPresent());
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertTrue(leader.service.read(a, false, out).isEmpty());
    assertEquals(0, out.size());
  }

  @Test
  void replicasAreIdenticalAndASnapshotRebuildsAWipedNode() throws Exception {
    cluster.put(FileName.of("snapshot/x.bin"), bytes(2 * MIB + 17, 11));
    String digest = cluster.awaitIdentical();

    FileCluster.Node follower = cluster.followers().get(0);
    // Snapshot the follower while nothing changes it (a leadership change appends a no-op).
    ByteArrayOutputStream snapshot = new ByteArrayOutputStream();
    long[] applied = new long[2];
    String[] quiet = new String[1];
    FileCluster.await(
        Duration.ofSeconds(15),
        "a snapshot taken while the follower's rows stood still",
        () -> {
          try {
            snapshot.reset();
            String before = follower.database.digest();
            long[] at = follower.database.applied();
            follower.stateMachine.takeSnapshot(snapshot);
            System.arraycopy(at, 0, applied, 0, 2);
            quiet[0] = before;
            return before.equals(follower.database.digest());
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
    try (TestDatabase wiped = TestDatabase.create(kind())) {
      FileStoreStateMachine rebuilt = wiped.stateMachine(StoreSettings.defaults());
      rebuilt.installSnapshot(
          new ByteArrayInputStream(snapshot.toByteArray()),
          new SnapshotMeta(
              applied[0], applied[1], follower.status().configuration(), snapshot.size()));
      assertEquals(quiet[0], wiped.digest(), "the rebuilt schema equals the live one row by row");
    }
  }

  private static byte[] bytes(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** Hashes what is written, keeping nothing. */
  private static final class DigestingStream extends OutputStream {
    private final MessageDigest digest = Sha256.newDigest();
    private long count;

    @Override
    public void write(int b) {
      digest.update((byte) b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      digest.update(b, off, len);
      count += len;
    }

    String hex() {
      return Sha256.hex(digest.digest());
    }
  }
}
