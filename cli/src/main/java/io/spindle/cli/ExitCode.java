package io.spindle.cli;

/** The exit statuses of {@code spindle}, for scripts. */
public final class ExitCode {
  public static final int OK = 0;

  /** Anything else: a bug, a failed job, a checksum that never matched, a local I/O error. */
  public static final int OTHER = 1;

  /** A bad command line or argument, or a request the cluster refused as invalid. */
  public static final int USAGE = 2;

  /** No such file in the cluster. */
  public static final int NOT_FOUND = 3;

  /** No queue server reachable, the cluster has no leader or node for the job, or stayed busy. */
  public static final int UNAVAILABLE = 4;

  /** No client token, one the cluster does not know, or one without the right for the request. */
  public static final int DENIED = 5;

  private ExitCode() {}
}
