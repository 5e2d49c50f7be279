package io.spindle.discovery;

/** Where discovery datagrams may go. */
public enum DiscoveryMode {
  /**
   * The local network: requests go to UDP port 8888 at 255.255.255.255 and at each interface's
   * broadcast address, and to the multicast group (TTL 1); the server listens on every interface.
   */
  LAN,

  /**
   * One machine: multicast out of the loopback interface with TTL 0 and unicast to 127.0.0.1; the
   * server binds 127.0.0.1 and joins the group on loopback only. Nothing leaves the machine. For a
   * local cluster ({@code bin/spindle up}) and for tests.
   */
  LOOPBACK
}
