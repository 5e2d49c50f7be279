package io.spindle.raft;

/**
 * The core's only source of randomness (election timeouts). Tests pass a seeded one, so a run
 * replays exactly. <b>Threading:</b> called only from the node's owning thread.
 */
@FunctionalInterface
public interface RandomSource {
  /** A uniformly distributed int in {@code [0, bound)}. */
  int nextInt(int bound);

  /** A deterministic generator (SplitMix64) for tests and simulations. */
  static RandomSource seeded(long seed) {
    long[] state = {seed};
    return bound -> {
      long z = (state[0] += 0x9E3779B97F4A7C15L);
      z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
      z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
      z = z ^ (z >>> 31);
      return (int) Math.floorMod(z, (long) bound);
    };
  }
}
