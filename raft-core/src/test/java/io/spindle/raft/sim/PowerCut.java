package io.spindle.raft.sim;

/**
 * Thrown where a crash was armed ({@link SimDisk#arm}): the node stops right there, in the middle
 * of whatever it was doing, with its disk as the steps before left it. Not caught by the core,
 * which catches only {@link io.spindle.raft.StorageException}.
 */
final class PowerCut extends RuntimeException {
  private static final long serialVersionUID = 1L;

  final SimDisk.Point point;

  /** A power cut (unsynced data lost) rather than a process crash (page cache kept). */
  final boolean loseUnsynced;

  PowerCut(SimDisk.Point point, boolean loseUnsynced) {
    super("crash at " + point, null, false, false);
    this.point = point;
    this.loseUnsynced = loseUnsynced;
  }
}
