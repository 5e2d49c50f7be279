package io.spindle.node.infrastructure.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.raft.Member;
import io.spindle.raft.NodeId;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NodeConfigTest {
  private final Map<String, String> values = new HashMap<>();

  NodeConfigTest() {
    values.put(NodeConfig.NODE_ID, "n2");
    values.put(NodeConfig.DATA_DIR, "/var/lib/spindle/n2");
    values.put(NodeConfig.RAFT_LISTEN, "127.0.0.1:7001");
    values.put(NodeConfig.HTTP_URL, "http://127.0.0.1:3001/");
    values.put(NodeConfig.SECRET, "a-long-enough-cluster-secret-for-tests");
  }

  private NodeConfig read() {
    return NodeConfig.read(key -> Optional.ofNullable(values.get(key)));
  }

  @Test
  void readsEveryKey() {
    values.put(
        NodeConfig.PEERS,
        "n1=127.0.0.1:7000;http://127.0.0.1:3000, n2=127.0.0.1:7001;http://127.0.0.1:3001");
    NodeConfig config = read();
    assertEquals(NodeId.of("n2"), config.nodeId());
    assertEquals(Path.of("/var/lib/spindle/n2"), config.dataDir());
    assertEquals(new InetSocketAddress("127.0.0.1", 7001), config.raftListen());
    assertEquals(URI.create("http://127.0.0.1:3001"), config.httpUrl(), "trailing / dropped");
    assertEquals(
        List.of(
            Member.of("n1", "127.0.0.1:7000;http://127.0.0.1:3000"),
            Member.of("n2", "127.0.0.1:7001;http://127.0.0.1:3001")),
        config.peers());
    assertTrue(config.database().embedded());
  }

  @Test
  void withoutPeersTheNodeIsItsOwnSingleVoter() {
    values.put(NodeConfig.PEERS, "  ");
    assertEquals(
        List.of(Member.of("n2", "127.0.0.1:7001;http://127.0.0.1:3001")),
        read().bootstrapVoters("127.0.0.1:7001"));
  }

  @Test
  void snapshotPolicyDefaultsAndOverrides() {
    assertEquals(new NodeConfig.SnapshotPolicy(100_000, 1L << 30, 10_000), read().snapshots());
    values.put(NodeConfig.SNAPSHOT_ENTRIES, "8");
    values.put(NodeConfig.KEEP_ENTRIES, "2");
    assertEquals(new NodeConfig.SnapshotPolicy(8, 1L << 30, 2), read().snapshots());
    values.put(NodeConfig.KEEP_ENTRIES, "-1");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, this::read);
    assertTrue(e.getMessage().contains("SPINDLE_RAFT_SNAPSHOT_ENTRIES"), e.getMessage());
  }

  @Test
  void portZeroListensAnywhere() {
    values.put(NodeConfig.RAFT_LISTEN, "127.0.0.1:0");
    assertEquals(0, read().raftListen().getPort());
  }

  @Test
  void aMissingKeyNamesItsEnvVar() {
    values.remove(NodeConfig.SECRET);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, this::read);
    assertEquals("the setting spindle.secret (env SPINDLE_SECRET) is not set", e.getMessage());
  }

  @Test
  void malformedValuesAreRefusedWithTheKey() {
    values.put(NodeConfig.PEERS, "n1=127.0.0.1;http://x");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, this::read);
    assertTrue(
        e.getMessage().startsWith("the setting spindle.peers (env SPINDLE_PEERS)"), e.getMessage());

    values.remove(NodeConfig.PEERS);
    values.put(NodeConfig.HTTP_URL, "ftp://host");
    e = assertThrows(IllegalArgumentException.class, this::read);
    assertTrue(e.getMessage().contains("SPINDLE_HTTP_URL"), e.getMessage());
  }

  @Test
  void theSecretNeverShows() {
    values.put(NodeConfig.DB_URL, "jdbc:mysql://db/spindle?user=u&password=p4ss");
    String shown = read().toString();
    assertFalse(shown.contains("a-long-enough"), shown);
    assertFalse(shown.contains("p4ss"), shown);
  }
}
