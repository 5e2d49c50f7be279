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
import com.google.protobuf.CodedInputStream;
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
import jakarta.persistence.EntityManager;
import jakarta.persistence.FlushModeType;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Applies one {@link NodeCommand} of a batch inside the batch's transaction, for {@link
 * FileStoreStateMachine}: a chunk staged ({@link PutChunk}), staged chunks made a file ({@link
 * CommitFile}), a small file in one entry ({@link StoreFile}), a file deleted ({@link DeleteFile}),
 * and group membership ({@link GroupApplier}). Holds what the batch changed so far, so that a
 * command need not flush the batch to see it.
 *
 * <p>Small files are the common write: {@link #startBatch} asks the database once which of the
 * batch's names and request ids it holds, and a small file whose name and request id are new has
 * its rows written as JDBC batches ({@link SmallFileInserts}) with no look-up and no entity; every
 * other command first writes those pending rows, then goes through the persistence context.
 *
 * <p><b>Threading:</b> the Raft apply thread only; {@link #startBatch} begins every batch and
 * {@link #flushSmallFiles} ends it.
 */
final class CommandApplier {
  /** Small files' chunks held unflushed in one batch before they are written out and dropped. */
  private static final long MAX_UNFLUSHED_BYTES = 8L << 20;

  /** Request ids and name hashes asked of the database in one query each, at most this many. */
  private static final int IN_LIST_SIZE = 500;

  // Apply thread only, reset for every batch: upload ids whose committed state the batch changed
  // (true: a file now has it; false: a file had it and was replaced or deleted), so that asking
  // whether an upload is committed needs neither a flush nor the batch's rows in the database.
  private final Map<String, Boolean> committedInBatch = new HashMap<>();
  // Apply thread only: chunks of StoreFile commands persisted in this batch but not yet flushed.
  private final List<ChunkRow> unflushedChunks = new ArrayList<>();
  private long unflushedBytes;
  // Apply thread only, for every batch: its commands, parsed once (by parse), until applied.
  private final Map<Long, NodeCommand> commands = new HashMap<>();
  // Apply thread only, for every batch: the request ids and name hashes of the batch's StoreFile
  // commands that the database did not hold when the batch began and that no command of the
  // batch has used since (each is removed when a command remembers the id or puts the name). A
  // StoreFile whose id and name are both here needs no look-up: its rows go to smallFiles.
  private final Set<String> newRequestIds = new HashSet<>();
  private final Set<String> newNameHashes = new HashSet<>();
  private final SmallFileInserts smallFiles = new SmallFileInserts();
  private final GroupApplier groups = new GroupApplier();
  // Apply thread only, across batches: the running digests of staged uploads.
  private final UploadDigests uploadDigests = new UploadDigests();

  /**
   * Forgets the previous batch's state and learns, in a query or two, which of this batch's small
   * files are new (no file of that name, no request of that id): called first in every batch's
   * transaction, with its entries.
   */
  void startBatch(EntityManager em, List<Entry> entries) {
    SmallFileInserts.begin(em);
    groups.startBatch();
    committedInBatch.clear();
    unflushedChunks.clear();
    unflushedBytes = 0;
    commands.clear();
    newRequestIds.clear();
    newNameHashes.clear();
    smallFiles.clear();
    for (Entry entry : entries) {
      if (entry.type() != EntryType.COMMAND) {
        continue;
      }
      NodeCommand command;
      try {
        command = parse(entry.data());
      } catch (InvalidProtocolBufferException e) {
        continue; // rejected when its turn comes
      }
      commands.put(entry.index(), command);
      if (command.hasStoreFile()) {
        StoreFile store = command.getStoreFile();
        String requestId = store.getRequestId();
        if (!requestId.isEmpty() && requestIdProblem(requestId) == null) {
          newRequestIds.add(requestId);
        }
        byte[] name = store.getName().toByteArray();
        if (nameProblem(name) == null) {
          newNameHashes.add(nameHash(name));
        }
      }
    }
    newRequestIds.removeAll(
        existing(
            em,
            "SELECT r.requestId FROM AppliedRequestRow r WHERE r.requestId IN :keys",
            newRequestIds));
    newNameHashes.removeAll(
        existing(em, "SELECT f.nameHash FROM FileRow f WHERE f.nameHash IN :keys", newNameHashes));
  }

  /** Which of {@code keys} the database holds, asked {@value #IN_LIST_SIZE} at a time. */
  private static Set<String> existing(EntityManager em, String jpql, Set<String> keys) {
    Set<String> found = new HashSet<>();
    List<String> all = new ArrayList<>(keys);
    for (int from = 0; from < all.size(); from += IN_LIST_SIZE) {
      found.addAll(
          em.createQuery(jpql, String.class)
              .setParameter("keys", all.subList(from, Math.min(all.size(), from + IN_LIST_SIZE)))
              .setFlushMode(FlushModeType.COMMIT)
              .getResultList());
    }
    return found;
  }

  /**
   * Writes the small files' rows still pending: called before the garbage collection and at the end
   * of every batch, so that nothing else in the transaction misses them.
   */
  void flushSmallFiles(EntityManager em) {
    smallFiles.flush(em);
  }

  /** The group membership the batch changed, once its transaction committed. */
  List<GroupChangeListener.Change> takeGroupChanges() {
    return groups.takeChanges();
  }

  /**
   * An entry's command, its {@code bytes} fields views of the entry's array rather than copies
   * (entries do not change once in the log): a chunk's megabyte is copied once, into its row,
   * instead of also into a parsed command. Nothing keeps such a field past the apply, so no entry
   * outlives its batch through one.
   */
  private static NodeCommand parse(byte[] data) throws InvalidProtocolBufferException {
    CodedInputStream in = CodedInputStream.newInstance(data);
    in.enableAliasing(true);
    return NodeCommand.parser().parseFrom(in);
  }

  /** Applies the command that {@code entry} carries; returns its {@code CommandResult}. */
  byte[] apply(EntityManager em, Entry entry) {
    NodeCommand command = commands.remove(entry.index());
    if (command == null) {
      try {
        command = parse(entry.data());
      } catch (InvalidProtocolBufferException e) {
        return rejected("entry " + entry.index() + " is not a node command: " + e.getMessage());
      }
    }
    if (!command.hasStoreFile()) {
      smallFiles.flush(em); // its queries, bulk deletes and flushes must see the pending rows
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
      case JOIN_GROUP:
        return groups.join(em, command.getJoinGroup(), entry.index());
      case LEAVE_GROUP:
        return groups.leave(em, command.getLeaveGroup(), entry.index());
      case RENEW_MEMBERS:
        return groups.renew(em, command.getRenewMembers());
      case EXPIRE_MEMBERS:
        return groups.expire(em, command.getExpireMembers(), entry.index());
      case MARK_MEMBERS:
        return groups.mark(em, command.getMarkMembers(), entry.index());
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
    uploadDigests.put(uploadId, put.getIndex(), index, data);
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
    newRequestIds.remove(requestId);
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
    String nameHash = nameHash(store.getName().toByteArray());
    if ((requestId.isEmpty() || newRequestIds.contains(requestId))
        && newNameHashes.contains(nameHash)) {
      return storeNewFile(em, store, index, fingerprint, nameHash);
    }
    smallFiles.flush(em);
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
    newRequestIds.remove(requestId);
    return result;
  }

  /**
   * {@link #storeFile} for a file whose name and request id the database does not hold and this
   * batch has not used (so there is no earlier result, and no file to replace): the same checks,
   * result and rows, the rows written by {@link SmallFileInserts}.
   */
  private byte[] storeNewFile(
      EntityManager em, StoreFile store, long index, byte[] fingerprint, String nameHash) {
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
    String uploadId = ENTRY_UPLOAD_PREFIX + index;
    FileRecord file =
        FileRecord.newBuilder()
            .setName(store.getName())
            .setSize(data.length)
            .setSha256(store.getSha256())
            .setChunkCount(data.length == 0 ? 0 : 1)
            .setUploadId(uploadId)
            .setStoredAtMillis(store.getStoredAtMillis())
            .setCommitIndex(index)
            .build();
    byte[] result = ok(fingerprint).setFile(file).build().toByteArray();
    smallFiles.add(
        new SmallFileInserts.Row(
            nameHash,
            store.getName().toByteArray(),
            data,
            Sha256.hex(actual),
            uploadId,
            store.getStoredAtMillis(),
            index,
            store.getRequestId(),
            result));
    newRequestIds.remove(store.getRequestId());
    newNameHashes.remove(nameHash);
    committedInBatch.put(uploadId, true);
    if (smallFiles.pendingBytes() >= MAX_UNFLUSHED_BYTES) {
      smallFiles.flush(em);
    }
    return result;
  }

  private static String nameHash(byte[] name) {
    return Sha256.hex(Sha256.of(name));
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
    String nameHash = nameHash(name);
    newNameHashes.remove(nameHash);
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
    byte[] actual =
        uploadDigests
            .take(commit.getUploadId(), commit.getChunkCount())
            .orElseGet(() -> readBackDigest(em, commit.getUploadId(), chunks.size()));
    if (!Arrays.equals(actual, commit.getSha256().toByteArray())) {
      return "the content's SHA-256 is "
          + Sha256.hex(actual)
          + ", the commit announces "
          + Sha256.hex(commit.getSha256().toByteArray());
    }
    return null;
  }

  /** The SHA-256 of an upload's staged chunks, read back from the database. */
  private static byte[] readBackDigest(EntityManager em, String uploadId, int chunkCount) {
    MessageDigest digest = Sha256.newDigest();
    for (int i = 0; i < chunkCount; i++) {
      digest.update(chunkData(em, uploadId, i));
    }
    return digest.digest();
  }

  /** The database was replaced (a snapshot installed): no staged upload is followed any more. */
  void forgetUploads() {
    uploadDigests.clear();
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
    newRequestIds.remove(requestId);
    return result;
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

  private void dropStaged(EntityManager em, String uploadId) {
    uploadDigests.forget(uploadId);
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
