package io.spindle.queue.service;

import java.util.Locale;

/** How a job ended, for the metrics. */
public enum JobOutcome {
  /** A node ran it and answered with a result. */
  SUCCEEDED,
  /** A node ran it and answered with an error (not found, no space, ...). */
  FAILED,
  /** It failed or was given back too often: the queue server gave up on it (a dead letter). */
  GIVEN_UP,
  /** No node took it in time. */
  TIMED_OUT;

  /** The metric label: {@code succeeded}, {@code failed}, {@code given_up}, {@code timed_out}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
