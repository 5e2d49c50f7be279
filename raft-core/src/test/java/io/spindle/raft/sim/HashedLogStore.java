package io.spindle.raft.sim;

import io.spindle.raft.Entry;
import io.spindle.raft.ForwardingLogStore;
import io.spindle.raft.MemoryLogStore;
import java.util.Arrays;
import java.util.List;

/**
 * A {@link MemoryLogStore} that keeps a chained hash per index (hash(i) covers entries 1..i), so
 * the invariant checker compares whole log prefixes in O(1). Hashes survive compaction; after a
 * reset to a snapshot, the prefix hashes come from the cluster's record of committed entries.
 */
final class HashedLogStore extends ForwardingLogStore {
  private final MemoryLogStore log;
  private final CommittedRecord committed;
  private long[] chain = new long[64];

  HashedLogStore(MemoryLogStore log, CommittedRecord committed, long[] chainPrefix) {
    super(log);
    this.log = log;
    this.committed = committed;
    this.chain = Arrays.copyOf(chainPrefix, Math.max(64, chainPrefix.length));
  }

  static long mix(long previous, Entry e) {
    long h = previous * 0x9E3779B97F4A7C15L + e.index();
    h = (h ^ (h >>> 31)) * 0xBF58476D1CE4E5B9L + e.term();
    h = (h ^ (h >>> 29)) * 0x94D049BB133111EBL + e.type().ordinal();
    h = (h ^ (h >>> 32)) * 0xD6E8FEB86659FD93L + Arrays.hashCode(e.data());
    return h ^ (h >>> 31);
  }

  /** The chained hash of entries 1..index (0 for index 0). */
  long chainHash(long index) {
    return index == 0 ? 0 : chain[(int) index];
  }

  long[] chainPrefix(long upTo) {
    return Arrays.copyOf(chain, (int) upTo + 1);
  }

  MemoryLogStore memory() {
    return log;
  }

  @Override
  public void append(List<Entry> entries) {
    log.append(entries);
    for (Entry e : entries) {
      int i = (int) e.index();
      if (i >= chain.length) {
        chain = Arrays.copyOf(chain, Math.max(chain.length * 2, i + 1));
      }
      chain[i] = mix(chain[i - 1], e);
    }
  }

  @Override
  public void reset(long index, long term) {
    log.reset(index, term);
    long[] prefix = committed.chainUpTo(index);
    if (prefix.length > chain.length) {
      chain = Arrays.copyOf(chain, prefix.length * 2);
    }
    System.arraycopy(prefix, 0, chain, 0, prefix.length);
  }

  /** What survives a crash: the durable prefix. */
  HashedLogStore durableCopy() {
    MemoryLogStore copy = log.durableCopy();
    return new HashedLogStore(copy, committed, chainPrefix(copy.lastIndex()));
  }
}
