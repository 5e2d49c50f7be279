package io.spindle.raft.sim;

import io.spindle.testkit.lincheck.LinearizabilityChecker;
import io.spindle.testkit.lincheck.Operation;
import java.util.ArrayList;
import java.util.List;

/** Runs one seed and checks its client history for linearizability. */
final class SimulationRunner {
  private SimulationRunner() {}

  /** A run and what the linearizability checker made of its history. */
  record Checked(Simulation.Result result, String failure, boolean conclusive) {}

  static Checked runAndCheck(long seed) {
    return check(new Simulation(seed).run());
  }

  static Checked check(Simulation.Result result) {
    if (!result.ok()) {
      return new Checked(result, result.failure(), true);
    }
    LinearizabilityChecker.Result lin =
        LinearizabilityChecker.check(toOperations(result.history()));
    if (lin.violation()) {
      return new Checked(result, "client history is not linearizable: " + lin.explanation(), true);
    }
    return new Checked(result, null, lin.conclusive());
  }

  static List<Operation> toOperations(List<Simulation.Op> history) {
    List<Operation> ops = new ArrayList<>(history.size());
    for (Simulation.Op op : history) {
      long ret = op.ret() == Simulation.Op.PENDING ? Operation.PENDING : op.ret();
      ops.add(
          op.write()
              ? Operation.put(op.client(), op.call(), ret, op.key(), op.value())
              : Operation.get(op.client(), op.call(), ret, op.key(), op.output()));
    }
    return ops;
  }
}
