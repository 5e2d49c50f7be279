package io.spindle.discovery;

import java.util.Objects;

/**
 * Where a node's discovery stands, for its {@code /health} and status page.
 *
 * @param state the stage
 * @param attempts how many announcements the current or last discovery sent
 * @param description one sentence for an operator: what it waits for, or what it found
 */
public record DiscoveryStatus(State state, int attempts, String description) {

  public enum State {
    /** {@link DiscoveryClient#discover} has not been called. */
    NOT_STARTED,
    /** Announcing and waiting for an edge list. */
    WAITING,
    /** An edge list arrived. */
    DISCOVERED,
    /** No edge list arrived before the deadline. */
    TIMED_OUT,
    /** Discovery could not run (no socket, a missing interface) or was interrupted. */
    FAILED
  }

  public DiscoveryStatus {
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(description, "description");
  }

  @Override
  public String toString() {
    return state + ": " + description;
  }
}
