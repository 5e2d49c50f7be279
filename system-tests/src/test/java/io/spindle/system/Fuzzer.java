package io.spindle.system;

import io.spindle.protocol.tls.ClusterTls;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Feeds a port random bytes and mutated valid frames, for a bounded time and number of connections
 * (or datagrams), on loopback. Each TCP connection sends its bytes, reads whatever the server says
 * until it closes or 0.3 s pass, and closes. What the server does with it is for the caller to
 * check afterwards (it is up, its data whole, its log bounded).
 */
final class Fuzzer {
  private static final int MAX_RANDOM_BYTES = 32 * 1024;
  private static final int READ_TIMEOUT_MS = 300;

  private final SplittableRandom random;
  private int connections;
  private long bytesSent;

  Fuzzer(long seed) {
    this.random = new SplittableRandom(seed);
  }

  int connections() {
    return connections;
  }

  long bytesSent() {
    return bytesSent;
  }

  /** Connections of random bytes to {@code port}, for {@code budget} or {@code max} of them. */
  void randomBytes(int port, Duration budget, int max) {
    long end = System.nanoTime() + budget.toNanos();
    for (int i = 0; i < max && System.nanoTime() < end; i++) {
      byte[] bytes = new byte[1 + random.nextInt(MAX_RANDOM_BYTES)];
      random.nextBytes(bytes);
      send(port, null, bytes);
    }
  }

  /**
   * Connections that each send a mutation of {@code valid} (bits flipped, bytes replaced, cut
   * short, a piece repeated), over TLS trusting {@code tls}'s CA unless it is null.
   */
  void mutated(int port, ClusterTls tls, Supplier<byte[]> valid, Duration budget, int max) {
    long end = System.nanoTime() + budget.toNanos();
    for (int i = 0; i < max && System.nanoTime() < end; i++) {
      send(port, tls, mutate(valid.get()));
    }
  }

  /** Datagrams of random bytes and mutations of {@code valid} to 127.0.0.1:{@code port}. */
  void datagrams(int port, Supplier<byte[]> valid, Duration budget, int max) throws IOException {
    long end = System.nanoTime() + budget.toNanos();
    try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      for (int i = 0; i < max && System.nanoTime() < end; i++) {
        byte[] bytes;
        if (random.nextBoolean()) {
          bytes = new byte[1 + random.nextInt(9000)];
          random.nextBytes(bytes);
        } else {
          bytes = mutate(valid.get());
        }
        socket.send(
            new DatagramPacket(
                bytes,
                bytes.length,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), port)));
        bytesSent += bytes.length;
        connections++;
      }
    }
  }

  byte[] mutate(byte[] valid) {
    byte[] out = valid.clone();
    switch (random.nextInt(4)) {
      case 0 -> {
        int flips = 1 + random.nextInt(8);
        for (int i = 0; i < flips; i++) {
          int at = random.nextInt(out.length);
          out[at] ^= (byte) (1 << random.nextInt(8));
        }
      }
      case 1 -> {
        int at = random.nextInt(out.length);
        int n = 1 + random.nextInt(Math.min(16, out.length - at));
        for (int i = 0; i < n; i++) {
          out[at + i] = (byte) random.nextInt(256);
        }
      }
      case 2 -> out = Arrays.copyOf(out, random.nextInt(out.length)); // cut short
      default -> {
        int at = random.nextInt(out.length);
        int n = 1 + random.nextInt(out.length - at);
        byte[] longer = new byte[out.length + n];
        System.arraycopy(out, 0, longer, 0, at + n);
        System.arraycopy(out, at, longer, at + n, out.length - at); // a piece twice
        out = longer;
        out[random.nextInt(out.length)] ^= 1; // and never the valid bytes themselves
      }
    }
    if (Arrays.equals(out, valid)) {
      out = Arrays.copyOf(out, out.length + 1);
    }
    return out;
  }

  private void send(int port, ClusterTls tls, byte[] bytes) {
    connections++;
    try (Socket plain = new Socket()) {
      plain.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2_000);
      plain.setSoTimeout(READ_TIMEOUT_MS);
      Socket s = tls == null ? plain : tls.wrap(plain, "127.0.0.1", port);
      s.getOutputStream().write(bytes);
      s.getOutputStream().flush();
      bytesSent += bytes.length;
      InputStream in = s.getInputStream();
      byte[] sink = new byte[8192];
      while (in.read(sink) >= 0) {
        // what the server answers does not matter here, only that it copes
      }
    } catch (IOException e) {
      // refused, reset, timed out, TLS alert: all fine answers to garbage
    }
  }
}
