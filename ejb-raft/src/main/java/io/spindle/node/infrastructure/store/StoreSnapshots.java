package io.spindle.node.infrastructure.store;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.UnsafeByteOperations;
import io.spindle.node.domain.Sha256;
import io.spindle.protocol.node.AppliedRequestRecord;
import io.spindle.protocol.node.ChunkRecord;
import io.spindle.protocol.node.FileRecord;
import io.spindle.protocol.node.SnapshotHeader;
import io.spindle.protocol.node.SnapshotRecord;
import io.spindle.protocol.node.SnapshotTrailer;
import io.spindle.protocol.node.StagedUploadRecord;
import jakarta.persistence.EntityManager;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;

/**
 * The store's snapshot format (see {@code node.proto}): varint32-length-delimited {@link
 * SnapshotRecord}s — a header, then every file, chunk, staged upload and applied request in key
 * order, then every group, member and group event ({@link GroupTables}) in key order, then a
 * trailer with the record count and the SHA-256 of every byte before it. Key order makes the
 * snapshot of equal stores byte-identical.
 */
final class StoreSnapshots {
  static final int FORMAT_VERSION = 2;

  /** Format 1 (before groups) is read too: it has no group records. */
  static final int OLDEST_FORMAT_VERSION = 1;

  /** Larger than a chunk record of the biggest chunk the transport carries. */
  private static final int MAX_RECORD_BYTES = 64 << 20;

  /**
   * Rows read, or persisted, between two clears of the persistence context: what a snapshot holds
   * in memory at once, whatever the number of files.
   */
  static final int PAGE_ROWS = 1_000;

  private StoreSnapshots() {}

  /**
   * Reads a row of every table, so that the transaction's view of all of them is fixed now: InnoDB
   * fixes a REPEATABLE READ view for the whole database at the first read, but H2 fixes it per
   * table, at the table's first read.
   */
  static void fixReadView(EntityManager em) {
    for (String table :
        new String[] {
          "FileRow f",
          "ChunkRow f",
          "StagedUploadRow f",
          "AppliedRequestRow f",
          "GroupRow f",
          "GroupMemberRow f",
          "GroupEventRow f"
        }) {
      em.createQuery("SELECT 1 FROM " + table).setMaxResults(1).getResultList();
    }
  }

  /**
   * Writes the whole store as {@code em}'s transaction sees it; {@code readViewFixed} runs after
   * the transaction's first read, which fixes what it sees.
   */
  static void write(EntityManager em, OutputStream out, Runnable readViewFixed) throws IOException {
    Writer writer = new Writer(out);
    AppliedRow applied = em.find(AppliedRow.class, AppliedRow.ID);
    fixReadView(em);
    readViewFixed.run();
    writer.write(
        SnapshotRecord.newBuilder()
            .setHeader(
                SnapshotHeader.newBuilder()
                    .setFormatVersion(FORMAT_VERSION)
                    .setAppliedIndex(applied.appliedIndex())
                    .setAppliedTerm(applied.appliedTerm()))
            .build());
    // Every table is read a page at a time after the last key of the page before (the order is
    // the key's), and the persistence context cleared after each page: nothing is written here,
    // and a node snapshotting a store of a million files holds one page of them, not all.
    // The first page has no lower bound: under MySQL's PAD SPACE collations '' is not below a key
    // of spaces only.
    for (List<FileRow> page = null; ; ) {
      page =
          (page == null
                  ? em.createQuery("SELECT f FROM FileRow f ORDER BY f.nameHash", FileRow.class)
                  : em.createQuery(
                          "SELECT f FROM FileRow f WHERE f.nameHash > :after ORDER BY f.nameHash",
                          FileRow.class)
                      .setParameter("after", page.get(page.size() - 1).nameHash()))
              .setMaxResults(PAGE_ROWS)
              .getResultList();
      for (FileRow file : page) {
        writer.write(SnapshotRecord.newBuilder().setFile(StoreRows.record(file)).build());
      }
      em.clear();
      if (page.size() < PAGE_ROWS) {
        break;
      }
    }
    String uploadAfter = null;
    int indexAfter = -1;
    while (true) {
      List<Object[]> chunkKeys =
          (uploadAfter == null
                  ? em.createQuery(
                      "SELECT c.uploadId, c.chunkIndex, c.sha256 FROM ChunkRow c"
                          + " ORDER BY c.uploadId, c.chunkIndex",
                      Object[].class)
                  : em.createQuery(
                          "SELECT c.uploadId, c.chunkIndex, c.sha256 FROM ChunkRow c"
                              + " WHERE c.uploadId > :u OR (c.uploadId = :u AND c.chunkIndex > :i)"
                              + " ORDER BY c.uploadId, c.chunkIndex",
                          Object[].class)
                      .setParameter("u", uploadAfter)
                      .setParameter("i", indexAfter))
              .setMaxResults(PAGE_ROWS)
              .getResultList();
      for (Object[] key : chunkKeys) {
        uploadAfter = (String) key[0];
        indexAfter = ((Number) key[1]).intValue();
        byte[] data =
            em.createQuery(
                    "SELECT c.data FROM ChunkRow c WHERE c.uploadId = :u AND c.chunkIndex = :i",
                    byte[].class)
                .setParameter("u", uploadAfter)
                .setParameter("i", indexAfter)
                .getSingleResult();
        writer.write(
            SnapshotRecord.newBuilder()
                .setChunk(
                    ChunkRecord.newBuilder()
                        .setUploadId(uploadAfter)
                        .setIndex(indexAfter)
                        .setSha256(ByteString.copyFrom(Sha256.unhex((String) key[2])))
                        .setData(UnsafeByteOperations.unsafeWrap(data)))
                .build());
      }
      if (chunkKeys.size() < PAGE_ROWS) {
        break;
      }
    }
    for (StagedUploadRow staged :
        em.createQuery("SELECT s FROM StagedUploadRow s ORDER BY s.uploadId", StagedUploadRow.class)
            .getResultList()) {
      writer.write(
          SnapshotRecord.newBuilder()
              .setStagedUpload(
                  StagedUploadRecord.newBuilder()
                      .setUploadId(staged.uploadId())
                      .setFirstIndex(staged.firstIndex())
                      .setLastIndex(staged.lastIndex()))
              .build());
    }
    for (List<AppliedRequestRow> page = null; ; ) {
      page =
          (page == null
                  ? em.createQuery(
                      "SELECT r FROM AppliedRequestRow r ORDER BY r.requestId",
                      AppliedRequestRow.class)
                  : em.createQuery(
                          "SELECT r FROM AppliedRequestRow r WHERE r.requestId > :after"
                              + " ORDER BY r.requestId",
                          AppliedRequestRow.class)
                      .setParameter("after", page.get(page.size() - 1).requestId()))
              .setMaxResults(PAGE_ROWS)
              .getResultList();
      for (AppliedRequestRow request : page) {
        writer.write(
            SnapshotRecord.newBuilder()
                .setAppliedRequest(
                    AppliedRequestRecord.newBuilder()
                        .setRequestId(request.requestId())
                        .setLogIndex(request.logIndex())
                        .setResult(ByteString.copyFrom(request.result())))
                .build());
      }
      em.clear();
      if (page.size() < PAGE_ROWS) {
        break;
      }
    }
    GroupTables.writeSnapshot(em, writer::write);
    writer.finish();
  }

  /**
   * Deletes every row of the store and inserts the snapshot's, in {@code em}'s transaction; throws
   * (so that the caller rolls back) if the snapshot is truncated, corrupt or of another format.
   * Leaves {@code raft_applied} to the caller.
   */
  static void replaceAll(EntityManager em, InputStream in) throws IOException {
    em.createQuery("DELETE FROM ChunkRow c").executeUpdate();
    em.createQuery("DELETE FROM FileRow f").executeUpdate();
    em.createQuery("DELETE FROM StagedUploadRow s").executeUpdate();
    em.createQuery("DELETE FROM AppliedRequestRow r").executeUpdate();
    GroupTables.deleteAll(em);
    em.clear();
    Reader reader = new Reader(in);
    SnapshotRecord first = reader.next();
    if (!first.hasHeader()
        || first.getHeader().getFormatVersion() < OLDEST_FORMAT_VERSION
        || first.getHeader().getFormatVersion() > FORMAT_VERSION) {
      throw new IOException(
          "not a file-store snapshot of format "
              + OLDEST_FORMAT_VERSION
              + " to "
              + FORMAT_VERSION
              + " (first record: "
              + first.getRecordCase()
              + ")");
    }
    for (long records = 1; ; records++) {
      if (records % PAGE_ROWS == 0) {
        // Written with everything before it, then dropped from the persistence context: a
        // snapshot of any number of rows is installed in the memory of a page of them.
        em.flush();
        em.clear();
      }
      SnapshotRecord record = reader.next();
      switch (record.getRecordCase()) {
        case FILE:
          FileRecord f = record.getFile();
          byte[] name = f.getName().toByteArray();
          em.persist(
              new FileRow(
                  Sha256.hex(Sha256.of(name)),
                  name,
                  f.getSize(),
                  Sha256.hex(f.getSha256().toByteArray()),
                  f.getChunkCount(),
                  f.getUploadId(),
                  f.getStoredAtMillis(),
                  f.getCommitIndex()));
          break;
        case CHUNK:
          ChunkRecord c = record.getChunk();
          byte[] data = c.getData().toByteArray();
          if (!Arrays.equals(Sha256.of(data), c.getSha256().toByteArray())) {
            throw new IOException(
                "snapshot chunk "
                    + c.getIndex()
                    + " of upload "
                    + c.getUploadId()
                    + " does not match its SHA-256");
          }
          ChunkRow chunk =
              new ChunkRow(
                  c.getUploadId(), c.getIndex(), Sha256.hex(c.getSha256().toByteArray()), data);
          em.persist(chunk);
          em.flush();
          // Written with everything before it. Only clear() lets the persistence context drop
          // what the flush wrote (detach() keeps the chunk's data in the transaction's change
          // set): without it a node needs heap in proportion to the snapshot.
          em.clear();
          break;
        case STAGED_UPLOAD:
          StagedUploadRecord s = record.getStagedUpload();
          em.persist(new StagedUploadRow(s.getUploadId(), s.getFirstIndex(), s.getLastIndex()));
          break;
        case APPLIED_REQUEST:
          AppliedRequestRecord r = record.getAppliedRequest();
          em.persist(
              new AppliedRequestRow(
                  r.getRequestId(), r.getLogIndex(), r.getResult().toByteArray()));
          break;
        case GROUP:
          GroupTables.insert(em, record.getGroup());
          break;
        case GROUP_MEMBER:
          GroupTables.insert(em, record.getGroupMember());
          break;
        case GROUP_EVENT:
          GroupTables.insert(em, record.getGroupEvent());
          break;
        case TRAILER:
          reader.verify(record.getTrailer());
          em.flush();
          return;
        default:
          throw new IOException("unexpected snapshot record " + record.getRecordCase());
      }
    }
  }

  private static final class Writer {
    private final OutputStream out;
    private final MessageDigest digest = Sha256.newDigest();
    private long count;

    Writer(OutputStream out) {
      this.out = out;
    }

    void write(SnapshotRecord record) throws IOException {
      byte[] frame = frame(record);
      digest.update(frame);
      out.write(frame);
      count++;
    }

    void finish() throws IOException {
      SnapshotRecord trailer =
          SnapshotRecord.newBuilder()
              .setTrailer(
                  SnapshotTrailer.newBuilder()
                      .setRecordCount(count)
                      .setSha256(ByteString.copyFrom(digest.digest())))
              .build();
      out.write(frame(trailer));
      out.flush();
    }

    private static byte[] frame(SnapshotRecord record) {
      byte[] body = record.toByteArray();
      byte[] prefix = varint(body.length);
      byte[] frame = Arrays.copyOf(prefix, prefix.length + body.length);
      System.arraycopy(body, 0, frame, prefix.length, body.length);
      return frame;
    }
  }

  private static final class Reader {
    private final InputStream in;
    private final MessageDigest digest = Sha256.newDigest();
    private long count;

    Reader(InputStream in) {
      this.in = in;
    }

    /** The next record; the digest covers it unless it is the trailer. */
    SnapshotRecord next() throws IOException {
      int firstByte = in.read();
      if (firstByte < 0) {
        throw new EOFException("the snapshot ends before its trailer (truncated)");
      }
      int length = CodedInputStream.readRawVarint32(firstByte, in);
      if (length < 0 || length > MAX_RECORD_BYTES) {
        throw new IOException("snapshot record of " + length + " bytes: corrupt");
      }
      byte[] body = in.readNBytes(length);
      if (body.length != length) {
        throw new EOFException("the snapshot ends inside a record (truncated)");
      }
      SnapshotRecord record = SnapshotRecord.parseFrom(body);
      if (!record.hasTrailer()) {
        digest.update(varint(length));
        digest.update(body);
        count++;
      }
      return record;
    }

    void verify(SnapshotTrailer trailer) throws IOException {
      if (trailer.getRecordCount() != count
          || !Arrays.equals(digest.digest(), trailer.getSha256().toByteArray())) {
        throw new IOException(
            "the snapshot's checksum does not match its content (corrupt): "
                + count
                + " records read, "
                + trailer.getRecordCount()
                + " announced");
      }
    }
  }

  private static byte[] varint(int value) {
    byte[] buffer = new byte[5];
    int n = 0;
    while ((value & ~0x7F) != 0) {
      buffer[n++] = (byte) ((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    buffer[n++] = (byte) value;
    return Arrays.copyOf(buffer, n);
  }
}
