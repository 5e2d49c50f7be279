package io.spindle.node.infrastructure.store;

import io.spindle.node.application.ChunkRun;
import io.spindle.protocol.node.FileRecord;
import io.spindle.protocol.node.NodeCommand;
import io.spindle.raft.Entry;
import io.spindle.raft.EntryType;
import io.spindle.raft.SnapshotMeta;
import io.spindle.raft.server.StateMachine;
import jakarta.persistence.EntityManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
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
 * <p>This class owns the batch's transaction and the applied index; {@link CommandApplier} applies
 * each command (its input checked by {@link CommandValidation}, its request id looked up and
 * remembered by {@link RequestIdLedger}), {@link StoreGarbageCollector} collects the garbage,
 * {@link StoreQueries} serves the reads.
 *
 * <p><b>Threading:</b> the {@link StateMachine} methods run on the Raft apply thread only; the read
 * methods ({@link #findFile}, {@link #listFiles}, {@link #readFile}) may be called from any thread,
 * each in its own read transaction.
 */
public final class FileStoreStateMachine implements StateMachine {
  private static final Logger LOG = Logger.getLogger(FileStoreStateMachine.class.getName());
  private static final byte[] EMPTY = new byte[0];

  private final StoreTransactions transactions;
  private final StoreSettings settings;
  private final StoreQueries queries;
  private final CommandApplier applier = new CommandApplier();
  private final StoreGarbageCollector garbage;
  private volatile long appliedIndex;
  private volatile GroupChangeListener groupListener = GroupChangeListener.NONE;

  public FileStoreStateMachine(StoreTransactions transactions, StoreSettings settings) {
    this.transactions = Objects.requireNonNull(transactions, "transactions");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.queries = new StoreQueries(transactions);
    this.garbage = new StoreGarbageCollector(settings);
    this.appliedIndex = transactions.read(em -> appliedRow(em).appliedIndex());
  }

  // ---------------------------------------------------------------- StateMachine

  @Override
  public List<byte[]> apply(List<Entry> committed) {
    List<byte[]> results = new ArrayList<>(committed.size());
    long applied =
        transactions.inTransaction(
            em -> {
              long before = appliedRow(em).appliedIndex();
              long index = before;
              long term = 0;
              applier.startBatch(em, committed);
              for (Entry entry : committed) {
                if (entry.index() <= before) {
                  results.add(EMPTY); // applied before a crash: no second effect
                  continue;
                }
                results.add(entry.type() == EntryType.COMMAND ? applier.apply(em, entry) : EMPTY);
                if (entry.index() % settings.gcEveryEntries() == 0) {
                  applier.flushSmallFiles(em);
                  garbage.collect(em, entry.index());
                }
                index = entry.index();
                term = entry.term();
              }
              applier.flushSmallFiles(em);
              if (index > before) {
                recordApplied(em, index, term);
              }
              return index;
            });
    appliedIndex = applied;
    List<GroupChangeListener.Change> groupChanges = applier.takeGroupChanges();
    if (!groupChanges.isEmpty()) {
      groupListener.applied(groupChanges);
    }
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
    applier.forgetUploads();
    groupListener.reloaded();
    LOG.info(() -> "installed a snapshot at index " + meta.index() + ", term " + meta.term());
  }

  /** Reads are served from the database after the read index applied; the query is a barrier. */
  @Override
  public byte[] query(byte[] request) {
    return EMPTY;
  }

  /**
   * Tells {@code listener} of every group change applied from now on (and of snapshots installed).
   * Set once, before the driver starts applying.
   */
  public void listenToGroups(GroupChangeListener listener) {
    this.groupListener = Objects.requireNonNull(listener, "listener");
  }

  /** The group membership reads of this replica. */
  public GroupQueries groupQueries() {
    return new GroupQueries(transactions, settings);
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

  /**
   * Chunks {@code first} to {@code first + count - 1} of a file, if the file exists, has them all
   * and (when {@code fileSha256} is given) still has that content; empty otherwise.
   */
  public Optional<ChunkRun> findChunkRun(byte[] name, int first, int count, byte[] fileSha256) {
    return queries.findChunkRun(name, first, count, fileSha256);
  }

  /** Writes the run's chunks to {@code out}, one at a time in one read transaction. */
  public void writeChunks(ChunkRun run, OutputStream out) throws IOException {
    try {
      queries.writeChunks(run, out);
    } catch (RuntimeException e) {
      throw ioCause(e);
    }
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

  /**
   * Advances {@code raft_applied} once per batch, by a statement: the row is not kept in the
   * persistence context, which the garbage collection clears (it was read again and written out
   * every {@link StoreSettings#gcEveryEntries()} entries).
   */
  private static void recordApplied(EntityManager em, long index, long term) {
    int updated =
        em.createQuery(
                "UPDATE AppliedRow a SET a.appliedIndex = :i, a.appliedTerm = :t WHERE a.id = :id")
            .setParameter("i", index)
            .setParameter("t", term)
            .setParameter("id", AppliedRow.ID)
            .executeUpdate();
    if (updated != 1) {
      throw new IllegalStateException(
          "raft_applied has no row: the schema was not migrated by Flyway (module sql)");
    }
  }

  private static AppliedRow appliedRow(EntityManager em) {
    AppliedRow row = em.find(AppliedRow.class, AppliedRow.ID);
    if (row == null) {
      throw new IllegalStateException(
          "raft_applied has no row: the schema was not migrated by Flyway (module sql)");
    }
    return row;
  }
}
