package io.spindle.raft.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class NettyPeerMessengerTest {
  @Test
  void theTransportGetsTheRaftPartOfAMemberAddress() {
    assertEquals(
        new InetSocketAddress("127.0.0.1", 7002),
        NettyPeerMessenger.parseAddress("127.0.0.1:7002;http://127.0.0.1:3002"));
    assertEquals(
        new InetSocketAddress("10.0.0.5", 7000), NettyPeerMessenger.parseAddress("10.0.0.5:7000"));
    assertEquals(new InetSocketAddress("::1", 7000), NettyPeerMessenger.parseAddress("[::1]:7000"));
    assertThrows(
        IllegalArgumentException.class,
        () -> NettyPeerMessenger.parseAddress(";http://127.0.0.1:3002"));
    assertThrows(
        IllegalArgumentException.class, () -> NettyPeerMessenger.parseAddress("127.0.0.1:70000"));
  }
}
