package io.spindle.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class DiscoverySettingsTest {
  private static final String SECRET_TEXT = "correct horse battery staple";
  private static final byte[] SECRET = SECRET_TEXT.getBytes(StandardCharsets.UTF_8);

  private static DiscoverySettings.Builder builder() {
    return DiscoverySettings.builder("alpha", SECRET);
  }

  @Test
  void lanDefaults() throws Exception {
    DiscoverySettings settings = builder().build();

    assertEquals(DiscoveryMode.LAN, settings.mode());
    assertEquals(8888, settings.port());
    assertEquals(InetAddress.getByName("239.0.0.1"), settings.multicastGroup());
    assertEquals(10000, settings.multicastPort());
    assertTrue(settings.broadcast());
    assertTrue(settings.multicast());
    assertEquals(List.of(), settings.broadcastAddresses(), "automatic");
    assertEquals(List.of(), settings.unicastTargets());
    assertEquals(1, settings.multicastTtl());
    assertEquals(Optional.empty(), settings.interfaceName());
    assertEquals(Duration.ofSeconds(30), settings.skewWindow());
  }

  @Test
  void loopbackDefaultsKeepEverythingOnTheMachine() {
    DiscoverySettings settings = builder().loopback().port(9999).build();

    assertFalse(settings.broadcast());
    assertEquals(0, settings.multicastTtl());
    assertEquals(List.of(new InetSocketAddress("127.0.0.1", 9999)), settings.unicastTargets());
    assertEquals(
        List.of(new InetSocketAddress("127.0.0.1", 7777)),
        settings.toBuilder().port(7777).build().unicastTargets(),
        "the default loopback target follows the port");
  }

  @Test
  void secretIsCopiedAndHidden() {
    byte[] secret = SECRET.clone();
    DiscoverySettings settings = DiscoverySettings.builder("alpha", secret).build();
    secret[0] = 'X';
    settings.secret()[1] = 'Y';

    assertEquals(SECRET_TEXT, new String(settings.secret(), StandardCharsets.UTF_8));
    assertFalse(settings.toString().contains(SECRET_TEXT), settings.toString());
    assertTrue(settings.toString().contains("secret=(hidden)"));
    assertEquals(builder().build(), settings);
    assertNotEquals(DiscoverySettings.builder("alpha", new byte[] {1}).build(), settings);
  }

  @Test
  void wrongValuesFailWithAMessageNamingThem() throws Exception {
    InetAddress tenDotOne = InetAddress.getByName("10.0.0.1");
    assertRejected("cluster id 'a b'", b -> DiscoverySettings.builder("a b", SECRET));
    assertRejected("cluster id ''", b -> DiscoverySettings.builder("", SECRET));
    assertRejected("secret is empty", b -> DiscoverySettings.builder("alpha", new byte[0]));
    assertRejected("port is 70000", b -> b.port(70000));
    assertRejected("multicastPort is -1", b -> b.multicastPort(-1));
    assertRejected("10.0.0.1 is not an IPv4 multicast address", b -> b.multicastGroup(tenDotOne));
    assertRejected("interface name is blank", b -> b.interfaceName(" "));
    assertRejected("multicast TTL is 256", b -> b.multicastTtl(256));
    assertRejected("skewWindow is PT0S", b -> b.skewWindow(Duration.ZERO));
    assertRejected(
        "retryMax is PT0.1S", b -> b.retry(Duration.ofMillis(200), Duration.ofMillis(100)));
    assertRejected(
        "not a resolved IPv4 address",
        b -> b.unicastTargets(List.of(InetSocketAddress.createUnresolved("queue", 8888))));
  }

  @Test
  void loopbackRefusesAnythingThatWouldLeaveTheMachine() throws Exception {
    assertRejected("never broadcasts", b -> b.loopback().broadcast(true));
    assertRejected("TTL 0", b -> b.loopback().multicastTtl(1));
    assertRejected("remove the interface name 'eth0'", b -> b.loopback().interfaceName("eth0"));
    assertRejected(
        "192.0.2.7:8888 would leave the machine",
        b -> b.loopback().unicastTargets(List.of(new InetSocketAddress("192.0.2.7", 8888))));
  }

  private static void assertRejected(
      String fragment, UnaryOperator<DiscoverySettings.Builder> change) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> change.apply(builder()).build());
    assertTrue(e.getMessage().contains(fragment), "expected '" + fragment + "' in: " + e);
  }
}
