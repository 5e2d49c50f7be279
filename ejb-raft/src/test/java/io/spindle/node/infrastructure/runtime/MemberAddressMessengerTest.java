package io.spindle.node.infrastructure.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class MemberAddressMessengerTest {
  @Test
  void theTransportGetsTheRaftPartOfAMemberAddress() {
    assertEquals(
        new InetSocketAddress("127.0.0.1", 7002),
        MemberAddressMessenger.raftAddress("127.0.0.1:7002;http://127.0.0.1:3002"));
    assertEquals(
        new InetSocketAddress("10.0.0.5", 7000),
        MemberAddressMessenger.raftAddress("10.0.0.5:7000"));
    assertThrows(
        IllegalArgumentException.class,
        () -> MemberAddressMessenger.raftAddress(";http://127.0.0.1:3002"));
  }
}
