package io.spindle.raft.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * Runs the cluster simulation over many seeds (system property {@code spindle.sim.seeds}, 2,000 by
 * default) or one ({@code spindle.sim.seed}, to replay a failure exactly).
 */
class SimulationTest {
  private static final long BASE_SEED = 0x5EED_0000L;

  @Test
  void everySeedKeepsTheInvariantsAndIsLinearizable() {
    String single = System.getProperty("spindle.sim.seed", "");
    LongStream seeds;
    if (!single.isBlank()) {
      seeds = LongStream.of(Long.parseLong(single.trim()));
    } else {
      int count = Integer.getInteger("spindle.sim.seeds", 2000);
      seeds = LongStream.range(BASE_SEED, BASE_SEED + count);
    }
    List<Simulation.Result> results =
        seeds.parallel().mapToObj(s -> SimulationRunner.runAndCheck(s)).collect(Collectors.toList());

    List<String> failures = new ArrayList<>();
    long elections = 0;
    long writes = 0;
    long reads = 0;
    long crashes = 0;
    long snapshots = 0;
    long changes = 0;
    long transfers = 0;
    for (Simulation.Result r : results) {
      if (!r.ok()) {
        failures.add(
            "seed "
                + r.seed()
                + " ("
                + r.params()
                + "): "
                + r.failure()
                + "\n  replay: mvn -pl raft-core test -Dtest=SimulationTest -Dspindle.sim.seed="
                + r.seed());
      }
      elections += r.stats().leadersElected();
      writes += r.stats().okWrites();
      reads += r.stats().okReads();
      crashes += r.stats().crashes();
      snapshots += r.stats().snapshotsInstalled();
      changes += r.stats().configChanges();
      transfers += r.stats().transfers();
    }
    System.getLogger(SimulationTest.class.getName())
        .log(
            System.Logger.Level.INFO,
            "{0} seeds: {1} leaders elected, {2} writes and {3} reads acknowledged, {4} crashes,"
                + " {5} snapshots installed, {6} membership changes, {7} transfers",
            results.size(),
            elections,
            writes,
            reads,
            crashes,
            snapshots,
            changes,
            transfers);
    assertEquals(List.of(), failures.stream().limit(5).collect(Collectors.toList()),
        failures.size() + " of " + results.size() + " seeds failed");
    assertTrue(writes > results.size(), "the simulation acknowledged almost no writes: " + writes);
  }
}
