package io.spindle.raft.sim;

/** Runs one seed and checks its history for linearizability. */
final class SimulationRunner {
  private SimulationRunner() {}

  static Simulation.Result runAndCheck(long seed) {
    return new Simulation(seed).run();
  }
}
