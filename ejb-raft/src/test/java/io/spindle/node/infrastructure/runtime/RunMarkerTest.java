package io.spindle.node.infrastructure.runtime;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunMarkerTest {
  @TempDir Path dataDir;

  @Test
  void aRunThatEndedIsCleanAndOneThatDidNotIsNot() throws Exception {
    assertFalse(RunMarker.begin(dataDir), "a new data directory");
    RunMarker.end(dataDir);
    assertFalse(RunMarker.begin(dataDir), "after a clean stop");
    assertTrue(RunMarker.begin(dataDir), "after a run that never ended (kill -9)");
    RunMarker.end(dataDir);
    RunMarker.end(dataDir); // twice is harmless
    assertFalse(RunMarker.begin(dataDir));
  }
}
