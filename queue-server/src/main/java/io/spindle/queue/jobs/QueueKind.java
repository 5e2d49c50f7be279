package io.spindle.queue.jobs;

/** The two queues: what only the leader may do, and what any node may do. */
public enum QueueKind {
  /**
   * Writes, deletes, pings, joins and leaves of the cluster, and changes of group membership (join,
   * renew, leave): only the newest-term leader takes them.
   */
  LEADER("leader"),
  /** Reads, lists, counts, and lists and shows of groups: any node takes them. */
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
