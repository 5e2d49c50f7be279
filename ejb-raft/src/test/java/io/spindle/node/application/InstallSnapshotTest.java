package io.spindle.node.application;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.node.domain.FileName;
import io.spindle.node.infrastructure.store.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A node that lost its log and its schema is rebuilt by the leader's InstallSnapshot (the log is
 * compacted behind frequent snapshots) and ends with the same rows as the others.
 */
class InstallSnapshotTest {
  @ParameterizedTest
  @EnumSource(TestDatabase.Kind.class)
  void aWipedNodeIsRebuiltByInstallSnapshot(TestDatabase.Kind kind) throws Exception {
    try (FileCluster cluster = new FileCluster(kind, 3, s -> s.withSnapshots(8, 1L << 40, 2))) {
      byte[] big = bytes(3 * (1 << 20) + 5, 1);
      cluster.put(FileName.of("big.bin"), big);
      for (int i = 0; i < 12; i++) {
        cluster.put(FileName.of("small/" + i), bytes(i, i));
      }
      FileCluster.Node victim = cluster.followers().get(0);
      FileCluster.Node rebuilt = cluster.wipe(victim);
      for (int i = 12; i < 20; i++) {
        cluster.put(FileName.of("small/" + i), bytes(i, i));
      }
      cluster.awaitIdentical(); // the rebuilt node holds the same rows as the others
      assertTrue(rebuilt.stateMachine.appliedIndex() > 20);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      assertTrue(rebuilt.service.read(FileName.of("big.bin"), true, out).isPresent());
      assertArrayEquals(big, out.toByteArray());
      assertEquals(20, rebuilt.service.list(true).size() - 1);
    }
  }

  private static byte[] bytes(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }
}
