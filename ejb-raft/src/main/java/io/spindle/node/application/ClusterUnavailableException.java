package io.spindle.node.application;

/** The cluster cannot answer now (no leader, no quorum, or a timeout); retrying later may work. */
public class ClusterUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ClusterUnavailableException(String message) {
    super(message);
  }

  public ClusterUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
