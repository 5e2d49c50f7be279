package io.spindle.raft.server.transport;

import io.spindle.protocol.raft.ClientReply;
import io.spindle.protocol.raft.ClientRequest;
import io.spindle.raft.Entry;
import io.spindle.raft.NodeId;
import io.spindle.raft.message.AppendEntries;
import io.spindle.raft.message.Message;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * A throwaway measurement, not a test: AppendEntries of one entry from n1 to n2 on loopback, as
 * fast as the sender's outbound bound allows (like a leader that respects its in-flight limit). Run
 * with {@code java -cp <test classpath> ...TransportThroughput [entryBytes] [seconds] [tls]}.
 */
public final class TransportThroughput {
  private TransportThroughput() {}

  public static void main(String[] args) throws Exception {
    int entryBytes = args.length > 0 ? Integer.parseInt(args[0]) : 1024;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    io.spindle.protocol.tls.ClusterTls tls1 = null;
    io.spindle.protocol.tls.ClusterTls tls2 = null;
    if (args.length > 2 && args[2].equals("tls")) {
      java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("tls");
      io.spindle.protocol.tls.ClusterCertificates c =
          io.spindle.protocol.tls.ClusterCertificates.ensure(dir, "t")
              .member("n1", List.of())
              .member("n2", List.of());
      tls1 =
          io.spindle.protocol.tls.ClusterTls.server(c.caFile(), c.certFile("n1"), c.keyFile("n1"));
      tls2 =
          io.spindle.protocol.tls.ClusterTls.server(c.caFile(), c.certFile("n2"), c.keyFile("n2"));
    }
    LongAdder received = new LongAdder();
    InboundHandler counting =
        new InboundHandler() {
          @Override
          public void onMessage(Message message) {
            received.increment();
          }

          @Override
          public void onClientRequest(ClientRequest request, Consumer<ClientReply> reply) {}
        };
    RaftTransportSettings config = RaftTransportSettings.defaults();
    NodeId n1 = NodeId.of("n1");
    NodeId n2 = NodeId.of("n2");
    try (NettyRaftTransport sender =
            new NettyRaftTransport(
                n1,
                new InetSocketAddress("127.0.0.1", 0),
                TestNodes.SECRET,
                config,
                tls1,
                TestNodes.threads("n1"));
        NettyRaftTransport receiver =
            new NettyRaftTransport(
                n2,
                new InetSocketAddress("127.0.0.1", 0),
                TestNodes.SECRET,
                config,
                tls2,
                TestNodes.threads("n2"))) {
      sender.start(counting);
      receiver.start(counting);
      sender.setPeers(Map.of(n2, receiver.localAddress()));
      receiver.setPeers(Map.of(n1, sender.localAddress()));

      byte[] data = SampleMessages.bytes(entryBytes, 1);
      long half = config.maxOutboundBytesPerPeer() / 2;
      run(sender, n1, n2, data, half, 2); // warm-up
      received.reset();
      long droppedBefore = sender.droppedMessages();
      long start = System.nanoTime();
      long sent = run(sender, n1, n2, data, half, seconds);
      long count = received.sum();
      double elapsed = (System.nanoTime() - start) / 1e9;
      System.out.printf(
          "entry %d B: sent %d, received %d in %.1f s = %.0f messages/s, %.1f MB/s of entries,"
              + " dropped %d%n",
          entryBytes,
          sent,
          count,
          elapsed,
          count / elapsed,
          count * (double) entryBytes / elapsed / 1e6,
          sender.droppedMessages() - droppedBefore);
    }
  }

  private static long run(
      NettyRaftTransport sender, NodeId from, NodeId to, byte[] data, long pause, int seconds) {
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    long index = 0;
    while (System.nanoTime() < end) {
      if (sender.outboundBytes(to) > pause) {
        LockSupport.parkNanos(20_000); // leave the cores to the event loops
        continue;
      }
      index++;
      sender.send(
          new AppendEntries(
              from,
              to,
              1,
              index - 1,
              index == 1 ? 0 : 1,
              List.of(Entry.command(index, 1, data)),
              0));
    }
    return index;
  }
}
