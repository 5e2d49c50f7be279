package io.spindle.queue.jobs;

/** The two queues: what only the leader may do, and what any node may do. */
public enum QueueKind {
  /** Writes, deletes, pings (later membership changes): only the newest-term leader takes them. */
  LEADER("leader"),
  /** Reads, lists, counts: any node takes them. */
  SHARED("shared");

  private final String label;

  QueueKind(String label) {
    this.label = label;
  }

  /** The name used in status views and messages. */
  public String label() {
    return label;
  }
}
