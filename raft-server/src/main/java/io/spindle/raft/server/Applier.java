package io.spindle.raft.server;

import io.spindle.raft.Configuration;
import io.spindle.raft.Entry;
import io.spindle.raft.NodeId;
import io.spindle.raft.SnapshotMeta;
import io.spindle.raft.StorageException;
import io.spindle.raft.server.RaftStorage.SnapshotDraft;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The apply thread of a {@link RaftDriver}: it owns the {@link StateMachine} once the node runs,
 * and does, in the order the driver hands them over, everything that touches it: applying committed
 * entries (merging what queued up into one batch), installing snapshots from the leader, starting
 * snapshots (written on a third thread from the state machine's consistent read view), and
 * answering reads. A slow database therefore delays only the state machine, never the driver's
 * heartbeats, votes and replication, which is what keeps a busy leader the leader.
 *
 * <p>What the apply thread learns goes back to the driver through {@link Listener}, whose methods
 * run on the apply thread and must only queue work for the driver.
 */
final class Applier {
  private static final Logger LOG = Logger.getLogger(Applier.class.getName());

  /** A batch merged from queued hand-outs stops growing past this many bytes of entries. */
  private static final long MAX_MERGED_BATCH_BYTES = 16L << 20;

  /**
   * Entries applied in one call of the state machine, at most: a transaction's memory grows with
   * its entries far more than with their bytes (16 MiB of deletes is 160,000 of them).
   */
  static final int MAX_BATCH_ENTRIES = 1_000;

  /** What the driver hears from the apply thread (called on that thread). */
  interface Listener {
    /** {@code entries} were applied, with one result each, in {@code nanos}. */
    void applied(List<Entry> entries, List<byte[]> results, long bytes, long nanos);

    /** The state machine now holds snapshot {@code meta} from the leader. */
    void installed(SnapshotMeta meta);

    /** A local snapshot was written and synced; the driver commits it (or discards it). */
    void snapshotWritten(SnapshotDraft draft);

    /** The state machine or the snapshot storage failed: the node must stop. */
    void failed(Throwable failure);
  }

  private sealed interface Work permits Apply, Install, Run, Stop {}

  private record Apply(List<Entry> entries, Configuration configuration, long bytes)
      implements Work {}

  private record Install(SnapshotMeta meta, InputStream data) implements Work {}

  private record Run(Runnable action, Consumer<RaftException> abort) implements Work {}

  private record Stop() implements Work {}

  private final NodeId id;
  private final StateMachine stateMachine;
  private final RaftStorage storage;
  private final RaftNodeSettings settings;
  private final Listener listener;
  private final LinkedBlockingDeque<Work> queue = new LinkedBlockingDeque<>();
  private final AtomicReference<RaftException> stopped = new AtomicReference<>();
  private final Thread thread;
  private final ExecutorService snapshots;
  private final AtomicBoolean snapshotRunning = new AtomicBoolean();

  // Owned by the apply thread.
  private long entriesSinceSnapshot;
  private long bytesSinceSnapshot;

  /**
   * The size of the latest snapshot this node took or installed (0 until it knows one). For its
   * bytes, a snapshot waits until the log since the last one is at least this large as well as
   * {@code snapshotEveryBytes} (the dissertation's §5.1.3: snapshot once the log outgrows the
   * previous snapshot): a store of S bytes is then copied once per S bytes logged, at most one byte
   * of snapshot per byte written, rather than once per {@code snapshotEveryBytes} whatever S is.
   * Written by the snapshot thread or the apply thread, read by the apply thread.
   */
  private volatile long lastSnapshotBytes;

  Applier(
      NodeId id,
      StateMachine stateMachine,
      RaftStorage storage,
      RaftNodeSettings settings,
      Listener listener,
      ThreadFactory threadFactory) {
    this.id = id;
    this.stateMachine = stateMachine;
    this.storage = storage;
    this.settings = settings;
    this.listener = listener;
    this.thread = threadFactory.newThread(this::run);
    if (thread == null) {
      throw new IllegalStateException("the thread factory refused to create the apply thread");
    }
    this.snapshots =
        new ThreadPoolExecutor(0, 1, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), threadFactory);
    this.lastSnapshotBytes = storage.snapshots().latest().map(SnapshotMeta::size).orElse(0L);
  }

  void start() {
    thread.start();
  }

  // ---------------------------------------------------------------- called by the driver

  /** Queues committed entries; {@code configuration} is the one in force at the last of them. */
  void apply(List<Entry> entries, Configuration configuration, long bytes) {
    offer(new Apply(List.copyOf(entries), configuration, bytes), null);
  }

  /** Queues the install of a snapshot received from the leader; the stream is closed after it. */
  void install(SnapshotMeta meta, InputStream data) {
    offer(new Install(meta, data), null);
  }

  /**
   * Runs {@code action} on the apply thread after everything queued before it (the state machine is
   * then at least as far as when it was queued); {@code abort} instead if the node stops first.
   */
  void run(Runnable action, Consumer<RaftException> abort) {
    offer(new Run(action, abort), abort);
  }

  /**
   * Stops the thread after the work it is doing (a batch in a transaction is finished, not cut);
   * what is still queued is dropped, and queued actions are aborted with {@code reason}. Waits at
   * most {@code waitMillis} for the thread to end.
   */
  void stop(RaftException reason, long waitMillis) {
    if (stopped.compareAndSet(null, reason)) {
      queue.addFirst(new Stop());
    }
    if (Thread.currentThread() == thread) {
      return;
    }
    try {
      thread.join(waitMillis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    snapshots.shutdownNow(); // a snapshot being written is abandoned: its file is discarded
    try {
      snapshots.awaitTermination(waitMillis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      LOG.warning(
          "The apply thread of Raft node "
              + id
              + " did not stop within "
              + waitMillis
              + " ms; it is in "
              + List.of(thread.getStackTrace()));
    }
    abortQueued(reason);
  }

  private void offer(Work work, Consumer<RaftException> abort) {
    RaftException reason = stopped.get();
    if (reason != null) {
      if (abort != null) {
        abort.accept(reason);
      }
      return;
    }
    queue.addLast(work);
    reason = stopped.get();
    if (reason != null) {
      abortQueued(reason); // the thread may have drained the queue for the last time already
    }
  }

  private void abortQueued(RaftException reason) {
    Work work;
    while ((work = queue.pollFirst()) != null) {
      if (work instanceof Run run) {
        run.abort().accept(reason);
      } else if (work instanceof Install install) {
        closeQuietly(install.data());
      }
    }
  }

  // ---------------------------------------------------------------- the apply thread

  private void run() {
    try {
      while (true) {
        Work work = queue.takeFirst();
        if (work instanceof Stop) {
          return;
        } else if (work instanceof Apply apply) {
          applyBatch(apply);
        } else if (work instanceof Install install) {
          installSnapshot(install);
        } else if (work instanceof Run run) {
          run.action().run();
        }
      }
    } catch (InterruptedException e) {
      LOG.info(() -> "The apply thread of Raft node " + id + " was interrupted; it stops");
      listener.failed(new IllegalStateException("the apply thread was interrupted", e));
    } catch (Throwable t) {
      LOG.log(Level.FINE, "The apply thread of Raft node " + id + " failed", t);
      listener.failed(t);
    }
  }

  /** Applies {@code first} and whatever entries queued right behind it, in one batch. */
  private void applyBatch(Apply first) throws InterruptedException {
    List<Entry> entries = first.entries();
    Configuration configuration = first.configuration();
    long bytes = first.bytes();
    while (bytes < MAX_MERGED_BATCH_BYTES
        && entries.size() < MAX_BATCH_ENTRIES
        && queue.peekFirst() instanceof Apply) {
      Apply next = (Apply) queue.pollFirst();
      if (next == null) {
        break;
      }
      if (entries == first.entries()) {
        entries = new ArrayList<>(entries);
      }
      entries.addAll(next.entries());
      configuration = next.configuration();
      bytes += next.bytes();
    }
    // A hand-out of more than MAX_BATCH_ENTRIES (a follower learning of many commits at once) is
    // applied in slices; the state machine's effect does not depend on how the log is cut.
    for (int from = 0; from < entries.size(); from += MAX_BATCH_ENTRIES) {
      List<Entry> slice =
          from == 0 && entries.size() <= MAX_BATCH_ENTRIES
              ? entries
              : entries.subList(from, Math.min(entries.size(), from + MAX_BATCH_ENTRIES));
      long sliceBytes = slice == entries ? bytes : bytesOf(slice);
      long started = System.nanoTime();
      List<byte[]> results = stateMachine.apply(slice);
      if (results.size() != slice.size()) {
        throw new IllegalStateException(
            "the state machine returned "
                + results.size()
                + " results for "
                + slice.size()
                + " entries; it must return one per entry");
      }
      listener.applied(slice, results, sliceBytes, System.nanoTime() - started);
    }
    entriesSinceSnapshot += entries.size();
    bytesSinceSnapshot += bytes;
    if (entriesSinceSnapshot >= settings.snapshotEveryEntries()
        || bytesSinceSnapshot >= Math.max(settings.snapshotEveryBytes(), lastSnapshotBytes)) {
      Entry last = entries.get(entries.size() - 1);
      takeSnapshot(new SnapshotMeta(last.index(), last.term(), configuration, 0));
    }
  }

  /** The bytes of {@code entries} as the driver counts them when it hands them over. */
  static long bytesOf(List<Entry> entries) {
    long bytes = 0;
    for (Entry entry : entries) {
      bytes += entry.sizeInBytes();
    }
    return bytes;
  }

  /**
   * Starts a snapshot at {@code meta.index()} (just applied) on the snapshot thread and waits only
   * until the state machine has fixed its read view; the state is written while apply goes on.
   * While one snapshot is being written, no other starts (the counters keep growing, so the next
   * batch after it asks again).
   */
  private void takeSnapshot(SnapshotMeta meta) throws InterruptedException {
    if (!snapshotRunning.compareAndSet(false, true)) {
      return;
    }
    CompletableFuture<Void> viewFixed = new CompletableFuture<>();
    long started = System.nanoTime();
    try {
      snapshots.execute(() -> writeSnapshot(meta, viewFixed, started));
    } catch (RejectedExecutionException stopping) {
      snapshotRunning.set(false);
      return;
    }
    try {
      viewFixed.get();
    } catch (ExecutionException e) {
      throw new StorageException(
          "could not start snapshot " + meta.index() + ": " + e.getCause(), e.getCause());
    }
    entriesSinceSnapshot = 0;
    bytesSinceSnapshot = 0;
  }

  private void writeSnapshot(SnapshotMeta meta, CompletableFuture<Void> viewFixed, long started) {
    try {
      long[] written = new long[1];
      SnapshotDraft draft =
          storage.writeSnapshot(
              meta,
              out ->
                  stateMachine.takeSnapshot(
                      counting(out, written), () -> viewFixed.complete(null)));
      lastSnapshotBytes = written[0];
      // Once per store's size of log: its cost is worth a line.
      LOG.info(
          () ->
              "Raft node "
                  + id
                  + " wrote snapshot "
                  + meta.index()
                  + " ("
                  + written[0]
                  + " bytes) in "
                  + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)
                  + " ms");
      if (stopped.get() != null) {
        draft.discard();
      } else {
        listener.snapshotWritten(draft);
      }
    } catch (RuntimeException e) {
      viewFixed.completeExceptionally(e);
      if (stopped.get() == null) {
        listener.failed(e);
      }
    } finally {
      viewFixed.completeExceptionally(new IllegalStateException("the snapshot ended early"));
      snapshotRunning.set(false);
    }
  }

  private void installSnapshot(Install install) {
    try (InputStream in = install.data()) {
      stateMachine.installSnapshot(in, install.meta());
      // Read what the state machine left: a store that checks the data at its end must see it.
      in.transferTo(OutputStream.nullOutputStream());
    } catch (IOException e) {
      throw new StorageException(
          "could not install snapshot " + install.meta().index() + ": " + e, e);
    }
    entriesSinceSnapshot = 0;
    bytesSinceSnapshot = 0;
    lastSnapshotBytes = install.meta().size();
    listener.installed(install.meta());
  }

  /** {@code out}, adding every byte written through it to {@code count[0]}. */
  private static OutputStream counting(OutputStream out, long[] count) {
    return new FilterOutputStream(out) {
      @Override
      public void write(int b) throws IOException {
        out.write(b);
        count[0]++;
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        count[0] += len;
      }
    };
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException e) {
      LOG.log(Level.FINE, "could not close a snapshot stream", e);
    }
  }
}
