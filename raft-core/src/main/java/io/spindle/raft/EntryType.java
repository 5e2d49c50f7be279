package io.spindle.raft;

/** What a log entry carries. */
public enum EntryType {
  /** A client command for the state machine. */
  COMMAND,
  /**
   * The empty entry a new leader appends to commit entries of earlier terms (§5.4.2, thesis §6.4).
   */
  NOOP,
  /**
   * A complete new membership {@link Configuration}, effective as soon as it is appended (§4.1).
   */
  CONFIG
}
