package io.spindle.queue.spool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.queue.spool.ChunkSpool.ChunkOutcome;
import io.spindle.queue.spool.ChunkSpool.Completion;
import io.spindle.testkit.ManualClock;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Chunk assembly: out of order, duplicates, missing, corrupt, abandoned, and a restart. */
class ChunkSpoolTest {
  private static final int CHUNK = UploadSpec.MIN_CHUNK_SIZE;
  private static final Duration IDLE = Duration.ofMinutes(10);

  @TempDir Path dir;
  private final ManualClock clock = new ManualClock();
  private ChunkSpool spool;
  private byte[] content;
  private UploadSpec spec;

  @BeforeEach
  void open() throws Exception {
    spool = ChunkSpool.open(dir, new SpoolSettings(1_000_000, 10, IDLE), clock);
    content = new byte[3 * CHUNK + 500]; // 4 chunks, the last of 500 bytes
    new Random(42).nextBytes(content);
    spec = new UploadSpec("req-1", "docs/a.bin", content.length, CHUNK, 4, sha256(content));
  }

  private ChunkOutcome put(String uploadId, int index) throws Exception {
    byte[] chunk = chunk(index);
    return spool.putChunk(uploadId, index, sha256(chunk), ByteBuffer.wrap(chunk));
  }

  private byte[] chunk(int index) {
    return Arrays.copyOfRange(
        content, index * CHUNK, Math.min(content.length, (index + 1) * CHUNK));
  }

  private String begin() throws Exception {
    ChunkSpool.Begin b = spool.begin(spec);
    assertEquals(List.of(0, 1, 2, 3), b.missing());
    assertFalse(b.resumed());
    return b.uploadId();
  }

  @Test
  void chunksArrivingOutOfOrderAssembleToTheFile() throws Exception {
    String id = begin();
    for (int i : new int[] {3, 1, 0, 2}) {
      assertEquals(ChunkOutcome.STORED, put(id, i));
    }
    assertEquals(Completion.Status.COMPLETE, spool.complete(id).status());
    byte[] assembled = new byte[0];
    for (int i = 0; i < 4; i++) {
      byte[] c = spool.readChunk(id, i);
      byte[] next = Arrays.copyOf(assembled, assembled.length + c.length);
      System.arraycopy(c, 0, next, assembled.length, c.length);
      assembled = next;
    }
    assertArrayEquals(content, assembled);
  }

  @Test
  void aDuplicateChunkIsIgnored() throws Exception {
    String id = begin();
    assertEquals(ChunkOutcome.STORED, put(id, 1));
    assertEquals(ChunkOutcome.DUPLICATE, put(id, 1));
    assertEquals(List.of(0, 2, 3), spool.missing(id));
  }

  @Test
  void completingWithChunksMissingNamesThem() throws Exception {
    String id = begin();
    put(id, 0);
    put(id, 2);
    Completion c = spool.complete(id);
    assertEquals(Completion.Status.MISSING, c.status());
    assertEquals(List.of(1, 3), c.missing());
  }

  @Test
  void aCorruptChunkIsDroppedAndStaysMissing() throws Exception {
    String id = begin();
    byte[] good = chunk(1);
    byte[] bad = good.clone();
    bad[17] ^= 1;
    assertEquals(ChunkOutcome.CORRUPT, spool.putChunk(id, 1, sha256(good), ByteBuffer.wrap(bad)));
    assertEquals(List.of(0, 1, 2, 3), spool.missing(id));
    assertEquals(ChunkOutcome.STORED, spool.putChunk(id, 1, sha256(good), ByteBuffer.wrap(good)));
  }

  @Test
  void aChunkOfTheWrongSizeOrIndexIsRefused() throws Exception {
    String id = begin();
    byte[] shortChunk = Arrays.copyOf(chunk(0), 999);
    assertEquals(
        ChunkOutcome.WRONG_SIZE,
        spool.putChunk(id, 0, sha256(shortChunk), ByteBuffer.wrap(shortChunk)));
    byte[] one = {1};
    assertEquals(
        ChunkOutcome.OUT_OF_RANGE, spool.putChunk(id, 4, sha256(one), ByteBuffer.wrap(one)));
    assertEquals(
        ChunkOutcome.UNKNOWN_UPLOAD,
        spool.putChunk(
            "u00000000000000000000000000000000", 0, new byte[32], ByteBuffer.allocate(1)));
  }

  @Test
  void contentThatDoesNotHashToTheAnnouncedSha256IsDiscarded() throws Exception {
    spec = new UploadSpec("req-1", "docs/a.bin", content.length, CHUNK, 4, new byte[32]);
    String id = spool.begin(spec).uploadId();
    for (int i = 0; i < 4; i++) {
      put(id, i);
    }
    Completion c = spool.complete(id);
    assertEquals(Completion.Status.CONTENT_MISMATCH, c.status());
    assertTrue(c.problem().contains("not to the SHA-256 announced"), c.problem());
    assertEquals(0, spool.uploads());
    assertFalse(Files.exists(dir.resolve(id)));
  }

  @Test
  void aChunkDamagedOnDiskIsAskedForAgainAtCompletion() throws Exception {
    String id = begin();
    for (int i = 0; i < 4; i++) {
      put(id, i);
    }
    try (Stream<Path> files = Files.list(dir.resolve(id))) {
      Path chunk2 =
          files.filter(p -> p.getFileName().toString().startsWith("2-")).findFirst().get();
      byte[] b = Files.readAllBytes(chunk2);
      b[0] ^= 1;
      Files.write(chunk2, b);
    }
    Completion c = spool.complete(id);
    assertEquals(Completion.Status.MISSING, c.status());
    assertEquals(List.of(2), c.missing());
    put(id, 2);
    assertEquals(Completion.Status.COMPLETE, spool.complete(id).status());
  }

  @Test
  void anAbandonedUploadExpiresAndItsFilesAreDeleted() throws Exception {
    String id = begin();
    put(id, 0);
    clock.advance(IDLE.minusSeconds(1));
    assertEquals(List.of(), spool.expireIdle());
    put(id, 1); // activity restarts the idle time
    clock.advance(IDLE.minusSeconds(1));
    assertEquals(List.of(), spool.expireIdle());
    clock.advance(Duration.ofSeconds(1));
    assertEquals(List.of(id), spool.expireIdle());
    assertFalse(Files.exists(dir.resolve(id)));
    assertEquals(0, spool.reservedBytes());
    assertTrue(spool.uploadFor("req-1").isEmpty());
  }

  @Test
  void aPinnedUploadDoesNotExpire() throws Exception {
    String id = begin();
    spool.pin(id);
    clock.advance(IDLE.multipliedBy(3));
    assertEquals(List.of(), spool.expireIdle());
    spool.unpin(id);
    clock.advance(IDLE);
    assertEquals(List.of(id), spool.expireIdle());
  }

  @Test
  void aRestartedSpoolResumesItsUploadsUnderTheSameIds() throws Exception {
    String id = begin();
    put(id, 0);
    put(id, 3);
    Files.writeString(dir.resolve(id).resolve("1.deadbeef.tmp"), "half a chunk");

    ChunkSpool reopened = ChunkSpool.open(dir, new SpoolSettings(1_000_000, 10, IDLE), clock);

    assertEquals(List.of(1, 2), reopened.missing(id));
    ChunkSpool.Begin again = reopened.begin(spec);
    assertTrue(again.resumed());
    assertEquals(id, again.uploadId());
    assertEquals(List.of(1, 2), again.missing());
    assertFalse(Files.exists(dir.resolve(id).resolve("1.deadbeef.tmp")), "temp files are swept");
    assertEquals(reopened.diskBytes(spec), reopened.reservedBytes());
  }

  @Test
  void aRetriedBeginResumesAndAReusedRequestIdForOtherContentIsRefused() throws Exception {
    String id = begin();
    put(id, 2);
    ChunkSpool.Begin again = spool.begin(spec);
    assertEquals(id, again.uploadId());
    assertEquals(List.of(0, 1, 3), again.missing());
    UploadSpec other = new UploadSpec("req-1", "docs/other.bin", 10, 10, 1, new byte[32]);
    assertThrows(ConflictingUploadException.class, () -> spool.begin(other));
  }

  @Test
  void aFullSpoolRefusesNewUploads() throws Exception {
    UploadSpec tiny = new UploadSpec("req-3", "c", 100, CHUNK, 1, new byte[32]);
    long room = spool.diskBytes(spec) + spool.diskBytes(tiny);
    ChunkSpool small =
        ChunkSpool.open(dir.resolve("small"), new SpoolSettings(room, 2, IDLE), clock);
    small.begin(spec);
    SpoolFullException bytes =
        assertThrows(
            SpoolFullException.class,
            () ->
                small.begin(new UploadSpec("req-2", "b", content.length, CHUNK, 4, new byte[32])));
    assertTrue(
        bytes.getMessage().contains("room for " + small.diskBytes(tiny) + " more bytes"),
        bytes.getMessage());
    small.begin(tiny);
    assertThrows(
        SpoolFullException.class,
        () -> small.begin(new UploadSpec("req-4", "d", 1, CHUNK, 1, new byte[32])));
  }

  @Test
  void anUploadReservesWholeBlocksForEachChunkFile() {
    long block = spool.diskBytes(new UploadSpec("r", "n", 1, 1, 1, new byte[32])) / 3;
    assertTrue(block >= 512, "a block: " + block);
    // 3 full chunks, a last one of 500 bytes in a block, a spec file and a directory.
    assertEquals(0, CHUNK % block);
    assertEquals(3L * CHUNK + 3 * block, spool.diskBytes(spec));
  }

  @Test
  void oneClientCannotTakeTheWholeSpool() throws Exception {
    long one = spool.diskBytes(spec);
    ChunkSpool shared =
        ChunkSpool.open(
            dir.resolve("shared"), new SpoolSettings(100 * one, 10, IDLE, 0, 2 * one, 2), clock);
    String first = shared.begin(spec, "token:alice").uploadId();
    shared.begin(spec.withRequestId("req-2"), "token:alice");
    SpoolFullException uploads =
        assertThrows(
            SpoolFullException.class,
            () -> shared.begin(spec.withRequestId("req-3"), "token:alice"));
    assertTrue(uploads.getMessage().contains("this client has 2 uploads"), uploads.getMessage());
    shared.begin(spec.withRequestId("req-4"), "token:bob"); // another client has its own share

    shared.delete(first);
    shared.begin(spec.withRequestId("req-5"), "token:alice");

    ChunkSpool bytes =
        ChunkSpool.open(
            dir.resolve("bytes"), new SpoolSettings(100 * one, 10, IDLE, 0, one, 10), clock);
    bytes.begin(spec, "token:alice");
    SpoolFullException quota =
        assertThrows(
            SpoolFullException.class,
            () -> bytes.begin(spec.withRequestId("req-2"), "token:alice"));
    assertTrue(quota.getMessage().contains("this client's uploads take"), quota.getMessage());
  }

  @Test
  void onlyAStoredChunkKeepsAnUploadAlive() throws Exception {
    String id = begin();
    put(id, 0);
    clock.advance(IDLE.minusSeconds(1));
    put(id, 0); // a duplicate
    byte[] wrong = new byte[10];
    spool.putChunk(id, 1, sha256(wrong), ByteBuffer.wrap(wrong)); // the wrong size
    byte[] corrupt = chunk(1).clone();
    corrupt[0] ^= 1;
    spool.putChunk(id, 1, sha256(chunk(1)), ByteBuffer.wrap(corrupt));
    spool.begin(spec); // a retried WriteBegin
    spool.complete(id); // a WriteEnd with chunks missing
    clock.advance(Duration.ofSeconds(1));
    assertEquals(List.of(id), spool.expireIdle(), "none of that counted as activity");
  }

  @Test
  void specsWhoseNumbersDoNotAddUpAreNamed() {
    int min = UploadSpec.MIN_CHUNK_SIZE;
    assertTrue(
        new UploadSpec("r", "n", 3L * min + 500, min, 3, new byte[32])
            .problem(1 << 20, 1 << 30)
            .contains("make 4 chunks"));
    assertTrue(
        new UploadSpec("r", "n", 3500, 8192, 1, new byte[32])
            .problem(4096, 1 << 20)
            .contains("chunk_size"));
    assertTrue(
        new UploadSpec("r", "n", 3L * min + 500, min, 4, new byte[5])
            .problem(1 << 20, 1 << 30)
            .contains("32 bytes"));
    assertTrue(
        new UploadSpec("r", "n", 3500, 1000, 4, new byte[32])
            .problem(1 << 20, 1 << 30)
            .contains("too small"),
        "chunks under the minimum make too many files");
    assertEquals(
        null,
        new UploadSpec("r", "n", 3L * min + 500, min, 4, new byte[32]).problem(1 << 20, 1 << 30));
    assertEquals(
        null,
        new UploadSpec("r", "n", 100, 100, 1, new byte[32]).problem(1 << 20, 1 << 30),
        "one small chunk is the whole file");
  }

  static byte[] sha256(byte[] data) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(data);
  }
}
