package io.spindle.raft.server.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelPromise;
import io.spindle.protocol.raft.RaftFrame;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The frames waiting for one destination (a peer, or a client connection), bounded in bytes, and
 * written to whichever channel is attached, in batches.
 *
 * <p><b>Bound:</b> {@link #offer} counts a frame from the moment it is queued until Netty has
 * written it to the socket (or failed to), so the bound covers this queue and Netty's outbound
 * buffer together; a frame that would exceed it is refused (and counted) instead of queued. One
 * frame is always accepted into an empty queue, so a frame larger than the bound still goes out.
 * Small control frames (heartbeats, votes, answers: {@link #offerControl}) may go {@value
 * #CONTROL_ALLOWANCE} bytes beyond the bound, so that a queue filled with AppendEntries still takes
 * the heartbeat that keeps the followers from starting an election (a leader whose heartbeats were
 * dropped for an election timeout, while a large file's entries filled the queue, lost its
 * followers).
 *
 * <p><b>Batching:</b> offers from any thread schedule at most one drain task on the channel's event
 * loop; the task writes everything queued while the channel is writable and flushes once. Offers
 * arriving during one event-loop turn therefore share one flush (one syscall), while a single
 * message still leaves at once. When the channel becomes unwritable the drain stops, and {@code
 * channelWritabilityChanged} resumes it.
 *
 * <p>Frames stay queued while no channel is attached (during a reconnect) and go out when one is.
 */
final class OutboundQueue {
  /** How far beyond the bound control frames may fill the queue. */
  static final long CONTROL_ALLOWANCE = 1L << 20;

  private final long maxBytes;
  private final Queue<Pending> frames = new ConcurrentLinkedQueue<>();
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private final Runnable drainTask = this::drain;
  private volatile Channel channel;

  private record Pending(RaftFrame frame, int size) {}

  OutboundQueue(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  /** Queues {@code frame}, or returns false and counts a drop if it would exceed the bound. */
  boolean offer(RaftFrame frame) {
    return offer(frame, maxBytes);
  }

  /**
   * Queues a small control frame, which may exceed the bound by {@link #CONTROL_ALLOWANCE}; returns
   * false and counts a drop beyond that.
   */
  boolean offerControl(RaftFrame frame) {
    return offer(frame, maxBytes + CONTROL_ALLOWANCE);
  }

  private boolean offer(RaftFrame frame, long limit) {
    int size = frame.getSerializedSize() + 5; // with the largest varint32 length prefix
    long total = bytes.addAndGet(size);
    if (total > limit && total != size) {
      bytes.addAndGet(-size);
      dropped.incrementAndGet();
      return false;
    }
    frames.offer(new Pending(frame, size));
    scheduleDrain();
    return true;
  }

  /** From now on frames go to {@code channel} (an authenticated one). */
  void attach(Channel channel) {
    this.channel = channel;
    scheduleDrain();
  }

  /** Stops writing to {@code channel}, if it is the attached one; queued frames stay. */
  void detach(Channel channel) {
    if (this.channel == channel) {
      this.channel = null;
    }
  }

  Channel channel() {
    return channel;
  }

  /** Bytes queued or in Netty's buffer, not yet written to the socket. */
  long pendingBytes() {
    return bytes.get();
  }

  long droppedFrames() {
    return dropped.get();
  }

  /** Forgets every queued frame (they count as dropped); returns how many there were. */
  int clear() {
    int cleared = 0;
    Pending p;
    while ((p = frames.poll()) != null) {
      bytes.addAndGet(-p.size());
      cleared++;
    }
    dropped.addAndGet(cleared);
    return cleared;
  }

  /** Asks for a drain on the attached channel's event loop, unless one is already pending. */
  void scheduleDrain() {
    Channel ch = channel;
    if (ch != null && !frames.isEmpty() && drainScheduled.compareAndSet(false, true)) {
      try {
        ch.eventLoop().execute(drainTask);
      } catch (RejectedExecutionException e) {
        drainScheduled.set(false); // shutting down: nothing will be written any more
      }
    }
  }

  private void drain() {
    drainScheduled.set(false); // before polling: an offer racing with this drain schedules another
    Channel ch = channel;
    if (ch == null) {
      return;
    }
    if (!ch.eventLoop().inEventLoop()) { // the channel was replaced since this drain was scheduled
      scheduleDrain();
      return;
    }
    boolean wrote = false;
    Pending p;
    while (ch.isWritable() && channel == ch && (p = frames.poll()) != null) {
      int size = p.size();
      ChannelPromise written = ch.newPromise();
      written.addListener((ChannelFutureListener) f -> bytes.addAndGet(-size));
      ch.write(p.frame(), written);
      wrote = true;
    }
    if (wrote) {
      ch.flush();
    }
  }
}
