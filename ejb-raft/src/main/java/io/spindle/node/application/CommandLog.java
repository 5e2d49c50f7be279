package io.spindle.node.application;

import java.util.concurrent.CompletableFuture;

/**
 * The port through which the application changes the replicated state and reads it linearizably;
 * the infrastructure implements it over Raft.
 *
 * <p>The futures fail with the application's exceptions: {@link NotLeaderException} when this node
 * does not lead (naming the leader's URL when it knows one), {@link ClusterUnavailableException}
 * when the cluster could not decide (its message says whether the command may have been applied, so
 * that the caller knows to retry with the same request id).
 *
 * <p><b>Threading:</b> thread-safe; no method blocks.
 */
public interface CommandLog {

  /**
   * Proposes {@code command} (a serialized {@code NodeCommand}); completes with the state machine's
   * answer once it is applied on this node.
   */
  CompletableFuture<byte[]> submit(byte[] command);

  /** Completes once this node has applied everything committed when it was called (§6.4). */
  CompletableFuture<Void> readBarrier();

  /**
   * Completes with the index a linearizable read must observe once the leader confirmed it still
   * leads, without waiting for this node to apply it (§6.4 without its last step).
   */
  CompletableFuture<Long> readIndex();

  /** Whether this node leads now. */
  boolean isLeader();

  /** The exception for a write that reached this node while it does not lead. */
  NotLeaderException notLeader();
}
