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

  /**
   * A task that runs {@code onDriver} on the driver's thread, or {@code onAbort} (if not null)
   * instead when the node stopped first.
   */
  static DriverTask of(Runnable onDriver, Runnable onAbort) {
    return new DriverTask() {
      @Override
      public void run() {
        onDriver.run();
      }

      @Override
      public void abort(RaftException reason) {
        if (onAbort != null) {
          onAbort.run();
        }
      }
    };
  }
}
