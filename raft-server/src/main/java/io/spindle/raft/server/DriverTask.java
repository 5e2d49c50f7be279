package io.spindle.raft.server;

/**
 * Work queued for a {@link RaftDriver}'s thread: a caller's request, or news from the apply thread.
 *
 * <p><b>Threading:</b> {@link #run()} on the driver's thread only; {@link #abort} on any thread.
 * <b>Blocking:</b> neither may block.
 */
interface DriverTask {
  /** Runs on the driver's thread. */
  void run();

  /** Fails it without running it (the node stopped); may run on any thread. */
  void abort(RaftException reason);
}
