package io.spindle.discovery;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Finds the interfaces discovery uses. Reads the host's interfaces afresh on every call. */
final class NetworkInterfaces {
  private NetworkInterfaces() {}

  /** The loopback interface (the one holding 127.0.0.1). */
  static NetworkInterface loopback() throws IOException {
    NetworkInterface lo = NetworkInterface.getByInetAddress(InetAddress.getLoopbackAddress());
    if (lo == null || !lo.isUp()) {
      throw new IOException(
          "LOOPBACK discovery needs the loopback interface with 127.0.0.1, and it is "
              + (lo == null ? "missing" : "down"));
    }
    return lo;
  }

  /**
   * The interface called {@code name}, which must be up.
   *
   * @throws IOException naming the interfaces there are
   */
  static NetworkInterface named(String name) throws IOException {
    NetworkInterface nif = NetworkInterface.getByName(name);
    if (nif == null) {
      throw new IOException(
          "there is no network interface '"
              + name
              + "' (configured for discovery); this host has "
              + names());
    }
    if (!nif.isUp()) {
      throw new IOException(
          "the network interface '" + name + "' configured for discovery is down");
    }
    return nif;
  }

  /** The interfaces to multicast on in LAN mode: the named one, or every suitable one up. */
  static List<NetworkInterface> forMulticast(Optional<String> name) throws IOException {
    if (name.isPresent()) {
      return List.of(named(name.get()));
    }
    List<NetworkInterface> result = new ArrayList<>();
    for (NetworkInterface nif : all()) {
      if (nif.isUp() && !nif.isLoopback() && nif.supportsMulticast() && hasIpv4(nif)) {
        result.add(nif);
      }
    }
    return result;
  }

  /** The IPv4 broadcast addresses of the named interface, or of every interface up. */
  static List<InetAddress> broadcastAddresses(Optional<String> name) throws IOException {
    List<NetworkInterface> interfaces = name.isPresent() ? List.of(named(name.get())) : all();
    Set<InetAddress> result = new LinkedHashSet<>();
    for (NetworkInterface nif : interfaces) {
      if (!nif.isUp() || nif.isLoopback()) {
        continue;
      }
      for (InterfaceAddress address : nif.getInterfaceAddresses()) {
        if (address.getAddress() instanceof Inet4Address && address.getBroadcast() != null) {
          result.add(address.getBroadcast());
        }
      }
    }
    return List.copyOf(result);
  }

  private static boolean hasIpv4(NetworkInterface nif) {
    return nif.inetAddresses().anyMatch(a -> a instanceof Inet4Address);
  }

  private static List<NetworkInterface> all() throws SocketException {
    var interfaces = NetworkInterface.getNetworkInterfaces();
    return interfaces == null ? List.of() : Collections.list(interfaces);
  }

  private static String names() {
    try {
      return all().stream().map(NetworkInterface::getName).toList().toString();
    } catch (SocketException e) {
      return "interfaces that cannot be listed (" + e.getMessage() + ")";
    }
  }
}
