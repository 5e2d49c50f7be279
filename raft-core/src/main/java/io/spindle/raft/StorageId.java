package io.spindle.raft;

/**
 * The identity of one node's storage: drawn once, when the node's data directory is first created,
 * and kept with it. A node id names a member; its storage id tells the incarnation of its disk.
 * Raft's safety rests on a voter never forgetting what it acknowledged or voted for, so a member
 * whose storage id changed (its disk was wiped or replaced) must not count as the voter it was: the
 * leader re-adds it as a learner under its new storage (see {@link ConfigChange.Rejoin}).
 *
 * <p>{@link #UNKNOWN} (0) is the storage of a member recorded before its identity was known (a
 * configuration written by an older version, or static peers named by address only); responses from
 * it count as they always did until the leader records the storage it answers from ({@link
 * ConfigChange.Identify}).
 */
public record StorageId(long value) {
  public static final StorageId UNKNOWN = new StorageId(0);

  public static StorageId of(long value) {
    return value == 0 ? UNKNOWN : new StorageId(value);
  }

  public boolean isKnown() {
    return value != 0;
  }

  /**
   * Whether a response from storage {@code answering} may count for the member recorded with this
   * storage: an unknown record accepts any; a known one only itself.
   */
  public boolean accepts(StorageId answering) {
    return !isKnown() || equals(answering);
  }

  @Override
  public String toString() {
    return isKnown() ? String.format("%016x", value) : "unknown";
  }
}
