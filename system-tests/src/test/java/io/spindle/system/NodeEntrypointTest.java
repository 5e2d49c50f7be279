package io.spindle.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.testkit.Await;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node image's entry point (deploy/node/spindle-node.sh), run outside a container: replicas
 * that share the data volume take distinct member slots, a slot comes back to the next replica once
 * its node has stopped, only n1 of a new cluster founds it, and each member gets its own schema.
 * Payara Micro is replaced by a stand-in {@code java} that records what it was started with and
 * runs until told to stop (holding the slot's lock as the node would).
 */
class NodeEntrypointTest {
  private static final Path SCRIPT =
      Path.of(System.getProperty("spindle.checkout.dir", ".."), "deploy/node/spindle-node.sh");

  @TempDir Path tmp;
  private Path volume;
  private Path bin;
  private final List<Process> replicas = new ArrayList<>();

  @BeforeEach
  void standIns() throws IOException {
    volume = Files.createDirectories(tmp.resolve("volume"));
    bin = Files.createDirectories(tmp.resolve("bin"));
    // The stand-in node: writes its environment and arguments to started-<id>, then waits for
    // stop-<id> (polling: it is a stand-in process, not a test waiting for a state).
    script(
        "java",
        "#!/bin/bash\n"
            + "out=\"$VOLUME_ROOT/started-$SPINDLE_NODE_ID\"\n"
            + "{ env | grep '^SPINDLE_' | sort; printf 'ARGS %s\\n' \"$*\"; } > \"$out.tmp\"\n"
            + "mv \"$out.tmp\" \"$out\"\n"
            + "while [[ ! -e $VOLUME_ROOT/stop-$SPINDLE_NODE_ID ]]; do sleep 0.05; done\n");
    script("hostname", "#!/bin/bash\necho 172.30.0.9\n");
  }

  @AfterEach
  void stopAll() throws Exception {
    for (Process p : replicas) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void replicasTakeDistinctSlotsAndOnlyTheFirstOfANewClusterFoundsIt() throws Exception {
    Process first = replica();
    Map<String, String> n1 = started("n1");
    Process second = replica();
    Map<String, String> n2 = started("n2");

    assertEquals("true", n1.get("SPINDLE_BOOTSTRAP"));
    assertFalse(n2.containsKey("SPINDLE_BOOTSTRAP"), "n2 joins by discovery: " + n2);
    assertEquals(volume.resolve("n2").toString(), n2.get("SPINDLE_DATA_DIR"));
    assertEquals("172.30.0.9:7000", n2.get("SPINDLE_RAFT_LISTEN"));
    assertEquals("http://172.30.0.9:3000", n2.get("SPINDLE_HTTP_URL"));
    assertEquals(
        "jdbc:mysql://mysql:3306/spindle_n2?createDatabaseIfNotExist=true",
        n2.get("SPINDLE_DB_URL"));
    assertTrue(n2.get("ARGS").contains("--deploy /opt/payara/deployments/web.war --contextroot /"));
    assertTrue(
        n2.get("ARGS").contains("--prebootcommandfile /opt/payara/preboot.asadmin"),
        "Payara's own /metrics is turned off: " + n2.get("ARGS"));
    assertTrue(Files.isDirectory(volume.resolve("n2")));

    // n1 stops; the next replica is n1 again, with n2's Raft state on the volume: it must not
    // found a second cluster (n1 never wrote the founding marker here).
    Files.createDirectories(volume.resolve("n2/raft"));
    Files.writeString(volume.resolve("n2/raft/log-1"), "entries");
    stop("n1", first);
    Files.delete(volume.resolve("started-n1"));
    Files.delete(volume.resolve("stop-n1"));
    replica();
    Map<String, String> again = started("n1");
    assertFalse(again.containsKey("SPINDLE_BOOTSTRAP"), "a second founding: " + again);
    assertTrue(second.isAlive(), "n2 runs on");
  }

  @Test
  void theFounderKeepsFoundingOnRestartAfterItsMarker() throws Exception {
    Files.createDirectories(volume.resolve("n1/raft"));
    Files.writeString(volume.resolve("n1/bootstrapped"), "n1 was started with spindle.bootstrap");
    Files.writeString(volume.resolve("n1/raft/log-1"), "entries");
    replica();
    assertEquals("true", started("n1").get("SPINDLE_BOOTSTRAP"));
  }

  private Process replica() throws IOException {
    ProcessBuilder pb =
        new ProcessBuilder("bash", SCRIPT.toString())
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("replica-" + replicas.size() + ".log").toFile());
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("SPINDLE_"));
    env.put("PATH", bin + ":" + System.getenv("PATH"));
    env.put("VOLUME_ROOT", volume.toString());
    env.put(
        "SPINDLE_DB_URL", "jdbc:mysql://mysql:3306/spindle_{node}?createDatabaseIfNotExist=true");
    Process p = pb.start();
    replicas.add(p);
    return p;
  }

  private Map<String, String> started(String id) throws IOException {
    Path file = volume.resolve("started-" + id);
    Await.until(
        Duration.ofSeconds(30),
        () -> Files.exists(file),
        () -> "no replica started as " + id + "; logs in " + tmp);
    Map<String, String> values = new HashMap<>();
    for (String line : Files.readAllLines(file)) {
      if (line.startsWith("ARGS ")) {
        values.put("ARGS", line.substring(5));
      } else if (line.contains("=")) {
        values.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
      }
    }
    assertEquals(id, values.get("SPINDLE_NODE_ID"));
    return values;
  }

  private void stop(String id, Process p) throws Exception {
    Files.writeString(volume.resolve("stop-" + id), "");
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), id + " did not stop");
  }

  private void script(String name, String text) throws IOException {
    Path file = bin.resolve(name);
    Files.writeString(file, text);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }
}
