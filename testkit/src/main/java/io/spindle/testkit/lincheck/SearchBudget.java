package io.spindle.testkit.lincheck;

/**
 * The effort a search on one key may spend, and has spent: the configurations it explored and the
 * candidate steps it examined. Past either bound the search gives up. Bounding the steps too keeps
 * a search short whose configurations are few but have many candidates each (many pending
 * operations).
 */
final class SearchBudget {

  /** Candidate steps examined per configuration allowed, on average. */
  private static final long WORK_PER_STATE = 128;

  private final long maxStates;
  private final long maxWork;
  private long states;
  private long work;

  /** A budget of {@code maxStates} configurations, and candidate steps in proportion. */
  SearchBudget(long maxStates) {
    this.maxStates = maxStates;
    this.maxWork =
        maxStates > Long.MAX_VALUE / WORK_PER_STATE ? Long.MAX_VALUE : maxStates * WORK_PER_STATE;
  }

  /** Counts a candidate step examined. */
  void countStep() {
    work++;
  }

  /** Whether the steps counted went past the bound. */
  boolean stepsSpent() {
    return work > maxWork;
  }

  /** Counts a configuration entered. */
  void countConfiguration() {
    states++;
  }

  /** Whether the configurations counted reached the bound. */
  boolean configurationsSpent() {
    return states >= maxStates;
  }

  /** The configurations explored so far. */
  long configurations() {
    return states;
  }

  /** The candidate steps examined so far. */
  long steps() {
    return work;
  }
}
