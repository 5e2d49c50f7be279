package io.spindle.raft.server.log;

import static io.spindle.raft.server.log.LogFiles.entry;

import io.spindle.raft.Entry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Append throughput with group commit (one sync per batch), as the driver uses the log. Timing
 * depends on the machine, so it only reports; run with {@code -Dspindle.bench=true}.
 */
@EnabledIfSystemProperty(named = "spindle.bench", matches = "true")
class SegmentedLogStoreBenchmark {
  private static final Logger LOG = Logger.getLogger(SegmentedLogStoreBenchmark.class.getName());

  @TempDir Path dir;

  @Test
  void smallEntries() {
    run("1 KiB entries, 64 per sync", 1024, 64, 200_000);
  }

  @Test
  void largeEntries() {
    run("1 MiB entries, 4 per sync", 1 << 20, 4, 2_000);
  }

  private void run(String name, int entryBytes, int batchSize, int total) {
    List<Entry> template = new ArrayList<>();
    for (int i = 0; i < batchSize; i++) {
      template.add(entry(i + 1, 1, entryBytes));
    }
    try (SegmentedLogStore log = SegmentedLogStore.open(dir.resolve(name.replace(' ', '-')))) {
      long start = System.nanoTime();
      for (long next = 1; next <= total; next += batchSize) {
        List<Entry> batch = new ArrayList<>(batchSize);
        for (int i = 0; i < batchSize; i++) {
          Entry model = template.get(i);
          batch.add(new Entry(next + i, 1, model.type(), model.data()));
        }
        log.append(batch);
        log.sync();
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      LOG.info(
          String.format(
              "%s: %.0f entries/s, %.0f MB/s",
              name, total / seconds, (double) total * entryBytes / seconds / 1e6));
    }
  }
}
