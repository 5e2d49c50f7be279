package io.spindle.system;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Free ports for the processes a test starts, chosen below the kernel's ephemeral range (32768 and
 * up): a port the kernel hands out with {@code new ServerSocket(0)} is free only until the next
 * outgoing connection takes it as its local port, which happens while a cluster starts (its nodes
 * connect to each other before every one of them listens). A port is handed out once per JVM.
 */
final class Ports {
  private static final int LOW = 20_000;
  private static final int HIGH = 32_000;
  private static final Set<Integer> handedOut = ConcurrentHashMap.newKeySet();
  private static final SplittableRandom RANDOM = new SplittableRandom();

  private Ports() {}

  /** A TCP port on the loopback address that nothing listens on now. */
  static int tcp() {
    return pick(true);
  }

  /** A UDP port that nothing is bound to now. */
  static int udp() {
    return pick(false);
  }

  private static synchronized int pick(boolean tcp) {
    for (int attempt = 0; attempt < 1000; attempt++) {
      int port = LOW + RANDOM.nextInt(HIGH - LOW);
      if (!handedOut.contains(port) && (tcp ? tcpFree(port) : udpFree(port))) {
        handedOut.add(port);
        return port;
      }
    }
    throw new IllegalStateException("no free port from " + LOW + " to " + HIGH + " in 1000 tries");
  }

  static boolean tcpFree(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException inUse) {
      return false;
    }
  }

  static boolean udpFree(int port) {
    try (DatagramSocket s = new DatagramSocket(port)) {
      return true;
    } catch (IOException inUse) {
      return false;
    }
  }
}
