package io.spindle.raft;

/**
 * Deliberate breakages of the core, for negative controls: a test that turns one on and expects the
 * simulation to report a violation proves the simulation can still see that kind of bug.
 */
public final class Mutations {
  private Mutations() {}

  /**
   * Lets {@code node}, once it leads, change the membership before it has committed an entry of its
   * term: the single-server change bug of thesis §4.1's erratum, which the core refuses.
   */
  public static void allowConfigChangeBeforeTermCommit(RaftNode node) {
    node.unsafeConfigChangeBeforeTermCommit = true;
  }
}
