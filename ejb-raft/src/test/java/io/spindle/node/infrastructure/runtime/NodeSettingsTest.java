package io.spindle.node.infrastructure.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.discovery.DiscoveryMode;
import io.spindle.discovery.DiscoverySettings;
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

class NodeSettingsTest {
  private final Map<String, String> values = new HashMap<>();

  NodeSettingsTest() {
    values.put(NodeSettings.NODE_ID, "n2");
    values.put(NodeSettings.DATA_DIR, "/var/lib/spindle/n2");
    values.put(NodeSettings.RAFT_LISTEN, "127.0.0.1:7001");
    values.put(NodeSettings.HTTP_URL, "http://127.0.0.1:3001/");
    values.put(NodeSettings.SECRET, "a-long-enough-cluster-secret-for-tests");
    values.put(NodeSettings.PLAINTEXT, "true");
  }

  private NodeSettings read() {
    return NodeSettings.read(key -> Optional.ofNullable(values.get(key)));
  }

  @Test
  void readsEveryKey() {
    values.put(
        NodeSettings.PEERS,
        "n1=127.0.0.1:7000;http://127.0.0.1:3000, n2=127.0.0.1:7001;http://127.0.0.1:3001");
    NodeSettings config = read();
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
    values.put(NodeSettings.PEERS, "  ");
    assertEquals(
        List.of(Member.of("n2", "127.0.0.1:7001;http://127.0.0.1:3001")),
        read().bootstrapVoters("127.0.0.1:7001"));
  }

  @Test
  void withoutPeersOrBootstrapTheNodeStartsEmptyAndDiscovers() {
    NodeSettings config = read();
    assertFalse(config.bootstrap());
    assertEquals(NodeSettings.StartMode.DISCOVER, config.startMode());
    assertEquals(List.of(), config.initialMembers("127.0.0.1:7001"), "never its own voter");
    assertTrue(config.leaveOnStop(), "a node that joins by discovery leaves when it stops");
    assertEquals(NodeSettings.Discovery.defaults(), config.discovery());
    DiscoverySettings d = config.discovery().settings("spindle", config.secret()).orElseThrow();
    assertEquals(DiscoveryMode.LOOPBACK, d.mode(), "nothing leaves the machine unless told");
    assertEquals(8888, d.port());
    assertEquals("239.0.0.1", d.multicastGroup().getHostAddress());
    assertEquals(10000, d.multicastPort());
  }

  @Test
  void bootstrapMakesTheFirstNodeASingleVoter() {
    values.put(NodeSettings.BOOTSTRAP, "true");
    NodeSettings config = read();
    assertEquals(NodeSettings.StartMode.BOOTSTRAP, config.startMode());
    assertEquals(
        List.of(Member.of("n2", "127.0.0.1:7001;http://127.0.0.1:3001")),
        config.initialMembers("127.0.0.1:7001"));
    assertFalse(config.leaveOnStop());
  }

  @Test
  void staticPeersStartAsBefore() {
    values.put(NodeSettings.PEERS, "n1=127.0.0.1:7000;http://127.0.0.1:3000");
    NodeSettings config = read();
    assertEquals(NodeSettings.StartMode.STATIC_PEERS, config.startMode());
    assertEquals(2, config.initialMembers("127.0.0.1:7001").size());
    assertFalse(config.leaveOnStop());
    values.put(NodeSettings.LEAVE_ON_STOP, "true");
    assertTrue(read().leaveOnStop());
  }

  @Test
  void bootstrapAndPeersTogetherAreRefused() {
    values.put(NodeSettings.PEERS, "n1=127.0.0.1:7000;http://127.0.0.1:3000");
    values.put(NodeSettings.BOOTSTRAP, "true");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, this::read);
    assertTrue(e.getMessage().contains("SPINDLE_BOOTSTRAP"), e.getMessage());
  }

  @Test
  void loopbackDiscoveryOnOtherPorts() {
    values.put(NodeSettings.DISCOVERY_MODE, "LOOPBACK");
    values.put(NodeSettings.DISCOVERY_PORT, "9888");
    values.put(NodeSettings.MULTICAST_GROUP, "239.9.9.9");
    values.put(NodeSettings.MULTICAST_PORT, "10009");
    DiscoverySettings d = read().discovery().settings("c1", new byte[] {1}).orElseThrow();
    assertEquals(DiscoveryMode.LOOPBACK, d.mode());
    assertEquals(9888, d.port());
    assertEquals("239.9.9.9", d.multicastGroup().getHostAddress());
    assertEquals(10009, d.multicastPort());
    assertEquals(0, d.multicastTtl());
    assertFalse(d.broadcast());
  }

  @Test
  void discoveryOffAndBadValues() {
    values.put(NodeSettings.DISCOVERY_MODE, "off");
    assertTrue(read().discovery().settings("c1", new byte[] {1}).isEmpty());
    values.put(NodeSettings.DISCOVERY_MODE, "wan");
    IllegalArgumentException mode = assertThrows(IllegalArgumentException.class, this::read);
    assertTrue(mode.getMessage().contains("SPINDLE_DISCOVERY_MODE"), mode.getMessage());
    values.put(NodeSettings.DISCOVERY_MODE, "lan");
    values.put(NodeSettings.MULTICAST_GROUP, "10.0.0.1");
    IllegalArgumentException group = assertThrows(IllegalArgumentException.class, this::read);
    assertTrue(
        group.getMessage().contains("SPINDLE_DISCOVERY_MULTICAST_GROUP"), group.getMessage());
    values.put(NodeSettings.MULTICAST_GROUP, "239.0.0.1");
    values.put(NodeSettings.DISCOVERY_PORT, "70000");
    assertThrows(IllegalArgumentException.class, this::read);
    values.put(NodeSettings.DISCOVERY_PORT, "8888");
    values.put(NodeSettings.BOOTSTRAP, "maybe");
    IllegalArgumentException bool = assertThrows(IllegalArgumentException.class, this::read);
    assertTrue(bool.getMessage().contains("SPINDLE_BOOTSTRAP"), bool.getMessage());
  }

  @Test
  void snapshotPolicyDefaultsAndOverrides() {
    assertEquals(new NodeSettings.SnapshotPolicy(100_000, 1L << 30, 10_000), read().snapshots());
    values.put(NodeSettings.SNAPSHOT_ENTRIES, "8");
    values.put(NodeSettings.KEEP_ENTRIES, "2");
    assertEquals(new NodeSettings.SnapshotPolicy(8, 1L << 30, 2), read().snapshots());
    values.put(NodeSettings.KEEP_ENTRIES, "-1");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, this::read);
    assertTrue(e.getMessage().contains("SPINDLE_RAFT_SNAPSHOT_ENTRIES"), e.getMessage());
  }

  @Test
  void portZeroListensAnywhere() {
    values.put(NodeSettings.RAFT_LISTEN, "127.0.0.1:0");
    assertEquals(0, read().raftListen().getPort());
  }

  @Test
  void aMissingKeyNamesItsEnvVar() {
    values.remove(NodeSettings.SECRET);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, this::read);
    assertEquals(
        "the setting spindle.secret (env SPINDLE_SECRET) is not set, nor the setting"
            + " spindle.secret-file (env SPINDLE_SECRET_FILE), the file that holds it",
        e.getMessage());
  }

  // Issue 13: a short cluster secret was only warned about; one that can be guessed offline lets
  // anyone join the cluster or speak its peer protocol.
  @Test
  void aShortClusterSecretIsRefused() {
    values.put(NodeSettings.SECRET, "short-secret");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, this::read);
    assertTrue(
        e.getMessage().contains("has 12 bytes; a cluster secret needs at least 16"),
        e.getMessage());
  }

  @Test
  void malformedValuesAreRefusedWithTheKey() {
    values.put(NodeSettings.PEERS, "n1=127.0.0.1;http://x");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, this::read);
    assertTrue(
        e.getMessage().startsWith("the setting spindle.peers (env SPINDLE_PEERS)"), e.getMessage());

    values.remove(NodeSettings.PEERS);
    values.put(NodeSettings.HTTP_URL, "ftp://host");
    e = assertThrows(IllegalArgumentException.class, this::read);
    assertTrue(e.getMessage().contains("SPINDLE_HTTP_URL"), e.getMessage());
  }

  @Test
  void theSecretNeverShows() {
    values.put(NodeSettings.DB_URL, "jdbc:mysql://db/spindle?user=u&password=p4ss");
    String shown = read().toString();
    assertFalse(shown.contains("a-long-enough"), shown);
    assertFalse(shown.contains("p4ss"), shown);
  }

  @Test
  void tlsIsNeededUnlessPlainTextIsAskedForOnLoopback() {
    values.remove(NodeSettings.PLAINTEXT);
    IllegalArgumentException none = assertThrows(IllegalArgumentException.class, this::read);
    assertTrue(none.getMessage().contains("SPINDLE_TLS_PLAINTEXT"), none.getMessage());

    values.put(NodeSettings.TLS_CA, "/etc/spindle/ca.pem");
    IllegalArgumentException partial = assertThrows(IllegalArgumentException.class, this::read);
    assertTrue(partial.getMessage().contains("all three"), partial.getMessage());

    values.put(NodeSettings.TLS_CERT, "/etc/spindle/n2.pem");
    values.put(NodeSettings.TLS_KEY, "/etc/spindle/n2-key.pem");
    values.put(NodeSettings.RAFT_LISTEN, "0.0.0.0:7001");
    NodeSettings tls = read();
    assertEquals(
        Optional.of(
            new NodeSettings.Tls(
                Path.of("/etc/spindle/ca.pem"),
                Path.of("/etc/spindle/n2.pem"),
                Path.of("/etc/spindle/n2-key.pem"))),
        tls.tls());

    values.remove(NodeSettings.TLS_CA);
    values.remove(NodeSettings.TLS_CERT);
    values.remove(NodeSettings.TLS_KEY);
    values.put(NodeSettings.PLAINTEXT, "true");
    IllegalArgumentException open = assertThrows(IllegalArgumentException.class, this::read);
    assertTrue(open.getMessage().contains("plain text only on a loopback"), open.getMessage());
  }
}
