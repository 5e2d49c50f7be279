package io.spindle.node.infrastructure.store;

import static io.spindle.node.infrastructure.store.CommandValidation.ENTRY_UPLOAD_PREFIX;
import static io.spindle.node.infrastructure.store.CommandValidation.nameProblem;
import static io.spindle.node.infrastructure.store.CommandValidation.requestIdProblem;
import static io.spindle.node.infrastructure.store.CommandValidation.uploadIdProblem;
import static io.spindle.node.infrastructure.store.RequestIdLedger.DELETE;
import static io.spindle.node.infrastructure.store.RequestIdLedger.WRITE;
import static io.spindle.node.infrastructure.store.RequestIdLedger.earlierResult;
import static io.spindle.node.infrastructure.store.RequestIdLedger.earlierUploadId;
import static io.spindle.node.infrastructure.store.RequestIdLedger.fingerprint;
import static io.spindle.node.infrastructure.store.RequestIdLedger.remember;
import static io.spindle.node.infrastructure.store.StoreRows.chunkData;
import static io.spindle.node.infrastructure.store.StoreRows.deleteChunks;
import static io.spindle.node.infrastructure.store.StoreRows.file;
import static io.spindle.node.infrastructure.store.StoreRows.record;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.spindle.node.domain.Sha256;
import io.spindle.protocol.node.CommandResult;
import io.spindle.protocol.node.CommitFile;
import io.spindle.protocol.node.DeleteFile;
import io.spindle.protocol.node.FileRecord;
import io.spindle.protocol.node.NodeCommand;
import io.spindle.protocol.node.PutChunk;
import io.spindle.protocol.node.StoreFile;
import io.spindle.raft.Entry;
import io.spindle.raft.EntryType;
import io.spindle.raft.SnapshotMeta;
import io.spindle.raft.server.StateMachine;
import jakarta.persistence.EntityManager;
import jakarta.persistence.FlushModeType;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * The replicated file store: applies {@code node.proto} {@link NodeCommand}s to the node's database
 * through JPA, one transaction per applied batch, which also advances {@code raft_applied} — so a
 * batch is applied exactly once even across crashes (entries at or below the recorded index are
 * skipped when the driver replays them).
 *
 * <p>Rules, all deterministic: a chunk is staged only if its SHA-256 matches; a commit makes the
 * staged chunks a file's content only if chunks {@code 0..n-1} are all there and their sizes and
 * concatenated SHA-256 match the commit, else it is rejected, stores nothing and drops the staged
 * chunks; a request id already applied gets its first result again without effect; garbage (staged
 * uploads idle for {@link StoreSettings#stagedUploadTtlEntries()} entries, request ids older than
 * {@link StoreSettings#requestTtlEntries()}) is collected while applying every entry whose index is
 * a multiple of {@link StoreSettings#gcEveryEntries()}: a function of the log alone.
 *
 * <p><b>Threading:</b> the {@link StateMachine} methods run on the Raft apply thread only; the read
 * methods ({@link #findFile}, {@link #listFiles}, {@link #readFile}) may be called from any thread,
 * each in its own read transaction.
 */
public final class FileStoreStateMachine implements StateMachine {
  private static final Logger LOG = Logger.getLogger(FileStoreStateMachine.class.getName());
  private static final byte[] EMPTY = new byte[0];

  /** Small files' chunks held unflushed in one batch before they are written out and dropped. */
  private static final long MAX_UNFLUSHED_BYTES = 8L << 20;

  private final StoreTransactions transactions;
  private final StoreSettings settings;
  private final StoreQueries queries;
  private volatile long appliedIndex;

  // Apply thread only, reset for every batch: upload ids whose committed state the batch changed
  // (true: a file now has it; false: a file had it and was replaced or deleted), so that asking
  // whether an upload is committed needs neither a flush nor the batch's rows in the database.
  private final Map<String, Boolean> committedInBatch = new HashMap<>();
  // Apply thread only: chunks of StoreFile commands persisted in this batch but not yet flushed.
  private final List<ChunkRow> unflushedChunks = new ArrayList<>();
  private long unflushedBytes;

  public FileStoreStateMachine(StoreTransactions transactions, StoreSettings settings) {
    this.transactions = Objects.requireNonNull(transactions, "transactions");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.queries = new StoreQueries(transactions);
    this.appliedIndex = transactions.read(em -> appliedRow(em).appliedIndex());
  }

  // ---------------------------------------------------------------- StateMachine

  @Override
  public List<byte[]> apply(List<Entry> committed) {
    List<byte[]> results = new ArrayList<>(committed.size());
    long applied =
        transactions.inTransaction(
            em -> {
              committedInBatch.clear();
              unflushedChunks.clear();
              unflushedBytes = 0;
              AppliedRow row = appliedRow(em);
              for (Entry entry : committed) {
                if (entry.index() <= row.appliedIndex()) {
                  results.add(EMPTY); // applied before a crash: no second effect
                  continue;
                }
                results.add(entry.type() == EntryType.COMMAND ? applyCommand(em, entry) : EMPTY);
                if (entry.index() % settings.gcEveryEntries() == 0) {
                  collectGarbage(em, entry.index());
                  row = appliedRow(em);
                }
                row.advanceTo(entry.index(), entry.term());
              }
              return row.appliedIndex();
            });
    appliedIndex = applied;
    return results;
  }

  @Override
  public long appliedIndex() {
    return appliedIndex;
  }

  @Override
  public void takeSnapshot(OutputStream out) throws IOException {
    takeSnapshot(out, () -> {});
  }

  /**
   * Streams the store from one read transaction: its first read (the applied index) fixes the
   * transaction's snapshot of the database (REPEATABLE READ), after which the apply thread goes on
   * while the rest is read from that snapshot.
   */
  @Override
  public void takeSnapshot(OutputStream out, Runnable readViewFixed) throws IOException {
    try {
      transactions.read(
          em -> {
            try {
              StoreSnapshots.write(em, out, readViewFixed);
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
            return null;
          });
    } catch (RuntimeException e) {
      throw ioCause(e);
    }
  }

  @Override
  public void installSnapshot(InputStream in, SnapshotMeta meta) throws IOException {
    try {
      transactions.inTransaction(
          em -> {
            try {
              StoreSnapshots.replaceAll(em, in);
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
            appliedRow(em).advanceTo(meta.index(), meta.term());
            return null;
          });
    } catch (RuntimeException e) {
      throw ioCause(e);
    }
    appliedIndex = meta.index();
    LOG.info(() -> "installed a snapshot at index " + meta.index() + ", term " + meta.term());
  }

  /** Reads are served from the database after the read index applied; the query is a barrier. */
  @Override
  public byte[] query(byte[] request) {
    return EMPTY;
  }

  // ---------------------------------------------------------------- reads, any thread

  /** The committed file of that name (UTF-8 bytes), as this replica has it now. */
  public Optional<FileRecord> findFile(byte[] name) {
    return queries.findFile(name);
  }

  /** Every committed file, ordered by name (unsigned bytes of UTF-8). */
  public List<FileRecord> listFiles() {
    return queries.listFiles();
  }

  /**
   * Writes the file's content to {@code out}, one chunk at a time in index order, all in one read
   * transaction; empty (nothing written) when there is no such file.
   */
  public Optional<FileRecord> readFile(byte[] name, OutputStream out) throws IOException {
    try {
      return queries.readFile(name, out);
    } catch (RuntimeException e) {
      throw ioCause(e);
    }
  }

  /** A chunk of a committed file: its index, size and SHA-256 (lower-case hex). */
  public record ChunkSummary(int index, int size, String sha256) {}

  /**
   * The file and its chunks (index order) as of one read transaction; empty when there is no such
   * file.
   */
  public Optional<Map.Entry<FileRecord, List<ChunkSummary>>> findChunks(byte[] name) {
    return queries.findChunks(name);
  }

  /**
   * One chunk of a file, if the file exists, has that chunk and (when {@code fileSha256} is given)
   * still has that content; empty otherwise.
   */
  public Optional<byte[]> readChunk(byte[] name, int index, byte[] fileSha256) {
    return queries.readChunk(name, index, fileSha256);
  }

  // ---------------------------------------------------------------- apply

  private byte[] applyCommand(EntityManager em, Entry entry) {
    NodeCommand command;
    try {
      command = NodeCommand.parseFrom(entry.data());
    } catch (InvalidProtocolBufferException e) {
      return rejected("entry " + entry.index() + " is not a node command: " + e.getMessage());
    }
    switch (command.getCommandCase()) {
      case PUT_CHUNK:
        return putChunk(em, command.getPutChunk(), entry.index());
      case COMMIT_FILE:
        return commitFile(em, command.getCommitFile(), entry.index());
      case DELETE_FILE:
        return deleteFile(em, command.getDeleteFile(), entry.index());
      case STORE_FILE:
        return storeFile(em, command.getStoreFile(), entry.index());
      default:
        return rejected("entry " + entry.index() + " carries no known command");
    }
  }

  private byte[] putChunk(EntityManager em, PutChunk put, long index) {
    String uploadId = put.getUploadId();
    String problem = uploadIdProblem(uploadId);
    if (problem != null) {
      return rejected(problem);
    }
    if (put.getIndex() < 0) {
      return rejected("chunk index " + put.getIndex() + " is negative");
    }
    byte[] data = put.getData().toByteArray();
    byte[] actual = Sha256.of(data);
    if (!Arrays.equals(actual, put.getSha256().toByteArray())) {
      return rejected(
          "chunk "
              + put.getIndex()
              + " of upload "
              + uploadId
              + " does not match its SHA-256 (got "
              + Sha256.hex(actual)
              + ")");
    }
    if (isCommittedUpload(em, uploadId)) {
      return rejected("upload " + uploadId + " is already committed; chunks cannot change");
    }
    StagedUploadRow staged = em.find(StagedUploadRow.class, uploadId);
    if (staged == null) {
      em.persist(new StagedUploadRow(uploadId, index, index));
    } else {
      staged.touch(index);
      em.createQuery("DELETE FROM ChunkRow c WHERE c.uploadId = :u AND c.chunkIndex = :i")
          .setParameter("u", uploadId)
          .setParameter("i", put.getIndex())
          .executeUpdate();
    }
    ChunkRow chunk = new ChunkRow(uploadId, put.getIndex(), Sha256.hex(actual), data);
    em.persist(chunk);
    em.flush();
    em.detach(chunk); // keep at most one chunk in memory per batch
    return CommandResult.newBuilder().setStatus(CommandResult.Status.OK).build().toByteArray();
  }

  private byte[] commitFile(EntityManager em, CommitFile commit, long index) {
    String requestId = commit.getRequestId();
    byte[] fingerprint =
        fingerprint(WRITE, commit.getName().toByteArray(), commit.getSha256().toByteArray());
    Optional<byte[]> earlier = earlierResult(em, requestId, fingerprint);
    if (earlier.isPresent()) {
      if (!commit.getUploadId().equals(earlierUploadId(earlier.get()))) {
        dropStaged(em, commit.getUploadId()); // the retry's own copy of the chunks is not needed
      }
      return earlier.get();
    }
    String problem = commitProblem(em, commit);
    if (problem != null) {
      dropStaged(em, commit.getUploadId());
      return rejected(problem);
    }
    FileRow file =
        putFile(
            em,
            commit.getName().toByteArray(),
            commit.getSize(),
            Sha256.hex(commit.getSha256().toByteArray()),
            commit.getChunkCount(),
            commit.getUploadId(),
            commit.getStoredAtMillis(),
            index);
    StagedUploadRow staged = em.find(StagedUploadRow.class, commit.getUploadId());
    if (staged != null) {
      em.remove(staged);
    }
    byte[] result = ok(fingerprint).setFile(record(file)).build().toByteArray();
    remember(em, requestId, index, result);
    return result;
  }

  /**
   * A small file in one entry: the same checks and effect as its chunk and its commit, but nothing
   * is staged, read back or flushed: the rows are written when the batch commits.
   */
  private byte[] storeFile(EntityManager em, StoreFile store, long index) {
    String requestId = store.getRequestId();
    byte[] fingerprint =
        fingerprint(WRITE, store.getName().toByteArray(), store.getSha256().toByteArray());
    Optional<byte[]> answer =
        earlierOrRejected(em, requestId, fingerprint, store.getName().toByteArray());
    if (answer.isPresent()) {
      return answer.get();
    }
    if (store.getSha256().size() != 32) {
      return rejected("the file's SHA-256 must be 32 bytes, got " + store.getSha256().size());
    }
    byte[] data = store.getData().toByteArray();
    byte[] actual = Sha256.of(data);
    if (!Arrays.equals(actual, store.getSha256().toByteArray())) {
      return rejected(
          "the content's SHA-256 is "
              + Sha256.hex(actual)
              + ", the command announces "
              + Sha256.hex(store.getSha256().toByteArray()));
    }
    // Unique by construction (no two entries share an index, and clients cannot use the prefix):
    // no need to ask whether it is staged or committed.
    String uploadId = ENTRY_UPLOAD_PREFIX + index;
    String sha = Sha256.hex(actual);
    int chunkCount = data.length == 0 ? 0 : 1;
    FileRow file =
        putFile(
            em,
            store.getName().toByteArray(),
            data.length,
            sha,
            chunkCount,
            uploadId,
            store.getStoredAtMillis(),
            index);
    if (chunkCount > 0) {
      ChunkRow chunk = new ChunkRow(uploadId, 0, sha, data);
      em.persist(chunk);
      unflushedChunks.add(chunk);
      unflushedBytes += data.length;
      if (unflushedBytes >= MAX_UNFLUSHED_BYTES) {
        em.flush();
        unflushedChunks.forEach(em::detach); // written: no need to hold their content any more
        unflushedChunks.clear();
        unflushedBytes = 0;
      }
    }
    byte[] result = ok(fingerprint).setFile(record(file)).build().toByteArray();
    remember(em, requestId, index, result);
    return result;
  }

  /**
   * The answer a command gets without effect: the earlier result of its request id, or why its
   * request id or name is rejected; empty when it may go on.
   */
  private static Optional<byte[]> earlierOrRejected(
      EntityManager em, String requestId, byte[] fingerprint, byte[] name) {
    Optional<byte[]> earlier = earlierResult(em, requestId, fingerprint);
    if (earlier.isPresent()) {
      return earlier;
    }
    String problem = requestIdProblem(requestId);
    if (problem == null) {
      problem = nameProblem(name);
    }
    return problem == null ? Optional.empty() : Optional.of(rejected(problem));
  }

  /** Makes {@code name} the given file, replacing (and dropping the chunks of) any before it. */
  private FileRow putFile(
      EntityManager em,
      byte[] name,
      long size,
      String sha256,
      int chunkCount,
      String uploadId,
      long storedAtMillis,
      long index) {
    String nameHash = Sha256.hex(Sha256.of(name));
    FileRow file = em.find(FileRow.class, nameHash);
    if (file == null) {
      file = new FileRow(nameHash, name, size, sha256, chunkCount, uploadId, storedAtMillis, index);
      em.persist(file);
    } else {
      committedInBatch.put(file.uploadId(), false);
      deleteChunks(em, file.uploadId());
      file.replace(size, sha256, chunkCount, uploadId, storedAtMillis, index);
    }
    committedInBatch.put(uploadId, true);
    return file;
  }

  /** Why the commit cannot be applied, or null. Reads the staged chunks back to hash them. */
  private String commitProblem(EntityManager em, CommitFile commit) {
    String uploadProblem = uploadIdProblem(commit.getUploadId());
    if (uploadProblem != null) {
      return uploadProblem;
    }
    String requestProblem = requestIdProblem(commit.getRequestId());
    if (requestProblem != null) {
      return requestProblem;
    }
    String nameProblem = nameProblem(commit.getName().toByteArray());
    if (nameProblem != null) {
      return nameProblem;
    }
    if (commit.getSize() < 0 || commit.getChunkCount() < 0) {
      return "size and chunk count must not be negative";
    }
    if (commit.getSha256().size() != 32) {
      return "the file's SHA-256 must be 32 bytes, got " + commit.getSha256().size();
    }
    if (isCommittedUpload(em, commit.getUploadId())) {
      return "upload " + commit.getUploadId() + " is already committed";
    }
    List<Object[]> chunks =
        em.createQuery(
                "SELECT c.chunkIndex, c.size FROM ChunkRow c WHERE c.uploadId = :u"
                    + " ORDER BY c.chunkIndex",
                Object[].class)
            .setParameter("u", commit.getUploadId())
            .getResultList();
    if (chunks.size() != commit.getChunkCount()) {
      return "upload "
          + commit.getUploadId()
          + " has "
          + chunks.size()
          + " staged chunks, the commit announces "
          + commit.getChunkCount()
          + " (an upload that was cut off or idle too long is discarded; upload it again)";
    }
    long total = 0;
    for (int i = 0; i < chunks.size(); i++) {
      int chunkIndex = ((Number) chunks.get(i)[0]).intValue();
      if (chunkIndex != i) {
        return "upload " + commit.getUploadId() + " lacks chunk " + i;
      }
      total += ((Number) chunks.get(i)[1]).longValue();
    }
    if (total != commit.getSize()) {
      return "the staged chunks hold " + total + " bytes, the commit announces " + commit.getSize();
    }
    MessageDigest digest = Sha256.newDigest();
    for (int i = 0; i < chunks.size(); i++) {
      digest.update(chunkData(em, commit.getUploadId(), i));
    }
    byte[] actual = digest.digest();
    if (!Arrays.equals(actual, commit.getSha256().toByteArray())) {
      return "the content's SHA-256 is "
          + Sha256.hex(actual)
          + ", the commit announces "
          + Sha256.hex(commit.getSha256().toByteArray());
    }
    return null;
  }

  private byte[] deleteFile(EntityManager em, DeleteFile delete, long index) {
    String requestId = delete.getRequestId();
    byte[] fingerprint = fingerprint(DELETE, delete.getName().toByteArray(), new byte[0]);
    Optional<byte[]> answer =
        earlierOrRejected(em, requestId, fingerprint, delete.getName().toByteArray());
    if (answer.isPresent()) {
      return answer.get();
    }
    FileRow file = file(em, delete.getName().toByteArray());
    byte[] result;
    if (file == null) {
      result =
          CommandResult.newBuilder()
              .setStatus(CommandResult.Status.NOT_FOUND)
              .setRequestFingerprint(ByteString.copyFrom(fingerprint))
              .build()
              .toByteArray();
    } else {
      committedInBatch.put(file.uploadId(), false);
      deleteChunks(em, file.uploadId());
      em.remove(file);
      // Written at once: the name may be stored again later in this batch, and a row persisted
      // under the same key would otherwise be inserted before this one is deleted.
      em.flush();
      result = ok(fingerprint).setFile(record(file)).build().toByteArray();
    }
    remember(em, requestId, index, result);
    return result;
  }

  /**
   * Deletes staged uploads idle for the TTL and request ids past theirs. Runs at fixed log indexes,
   * so every replica deletes the same rows at the same point of the log.
   */
  private void collectGarbage(EntityManager em, long index) {
    em.flush();
    long stagedCut = index - settings.stagedUploadTtlEntries();
    if (stagedCut > 0) {
      List<String> abandoned =
          em.createQuery(
                  "SELECT s.uploadId FROM StagedUploadRow s WHERE s.lastIndex <= :cut"
                      + " ORDER BY s.uploadId",
                  String.class)
              .setParameter("cut", stagedCut)
              .getResultList();
      for (String uploadId : abandoned) {
        deleteChunks(em, uploadId);
      }
      if (!abandoned.isEmpty()) {
        em.createQuery("DELETE FROM StagedUploadRow s WHERE s.lastIndex <= :cut")
            .setParameter("cut", stagedCut)
            .executeUpdate();
        LOG.fine(() -> "at index " + index + " dropped abandoned uploads " + abandoned);
      }
    }
    long requestCut = index - settings.requestTtlEntries();
    if (requestCut > 0) {
      em.createQuery("DELETE FROM AppliedRequestRow r WHERE r.logIndex <= :cut")
          .setParameter("cut", requestCut)
          .executeUpdate();
    }
    em.clear(); // bulk deletes bypass the persistence context: drop what it may still hold
  }

  // ---------------------------------------------------------------- helpers

  /**
   * The IOException that work inside a transaction carried out as an UncheckedIOException (the
   * container may have wrapped it in an EJBException on the way), else {@code e} itself.
   */
  private static RuntimeException ioCause(RuntimeException e) throws IOException {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof UncheckedIOException io) {
        throw io.getCause();
      }
    }
    return e;
  }

  private static AppliedRow appliedRow(EntityManager em) {
    AppliedRow row = em.find(AppliedRow.class, AppliedRow.ID);
    if (row == null) {
      throw new IllegalStateException(
          "raft_applied has no row: the schema was not migrated by Flyway (module sql)");
    }
    return row;
  }

  /**
   * Whether a committed file has this upload id: what this batch did to it, else what the database
   * held before the batch (asked without flushing the batch's pending rows first).
   */
  private boolean isCommittedUpload(EntityManager em, String uploadId) {
    Boolean changed = committedInBatch.get(uploadId);
    if (changed != null) {
      return changed;
    }
    return em.createQuery("SELECT COUNT(f) FROM FileRow f WHERE f.uploadId = :u", Long.class)
            .setParameter("u", uploadId)
            .setFlushMode(FlushModeType.COMMIT)
            .getSingleResult()
        > 0;
  }

  private static void dropStaged(EntityManager em, String uploadId) {
    StagedUploadRow staged = em.find(StagedUploadRow.class, uploadId);
    if (staged != null) {
      deleteChunks(em, uploadId);
      em.remove(staged);
    }
  }

  private static CommandResult.Builder ok(byte[] fingerprint) {
    return CommandResult.newBuilder()
        .setStatus(CommandResult.Status.OK)
        .setRequestFingerprint(ByteString.copyFrom(fingerprint));
  }

  private static byte[] rejected(String message) {
    return CommandResult.newBuilder()
        .setStatus(CommandResult.Status.REJECTED)
        .setMessage(message)
        .build()
        .toByteArray();
  }
}
