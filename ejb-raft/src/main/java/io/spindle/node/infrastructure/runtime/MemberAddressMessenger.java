package io.spindle.node.infrastructure.runtime;

import io.spindle.node.infrastructure.raft.NettyPeerMessenger;
import io.spindle.node.infrastructure.transport.RaftTransport;
import io.spindle.raft.Configuration;
import io.spindle.raft.Member;
import io.spindle.raft.NodeId;
import io.spindle.raft.message.Message;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.logging.Logger;

/**
 * A {@link io.spindle.node.infrastructure.raft.PeerMessenger} for nodes whose members carry {@code
 * raftHost:port;httpUrl} addresses ({@link io.spindle.node.domain.MemberAddress}): the transport
 * gets the Raft part only. A bare {@code host:port} works too. Same threading as its interface: the
 * driver's thread, never blocking.
 */
final class MemberAddressMessenger implements io.spindle.node.infrastructure.raft.PeerMessenger {
  private static final Logger LOG = Logger.getLogger(MemberAddressMessenger.class.getName());

  private final NodeId self;
  private final RaftTransport transport;

  MemberAddressMessenger(NodeId self, RaftTransport transport) {
    this.self = self;
    this.transport = transport;
  }

  @Override
  public void send(Message message) {
    transport.send(message);
  }

  @Override
  public void updatePeers(Configuration configuration) {
    Map<NodeId, InetSocketAddress> peers = new HashMap<>();
    for (Member member : configuration.all()) {
      if (member.id().equals(self)) {
        continue;
      }
      try {
        peers.put(member.id(), raftAddress(member.address()));
      } catch (IllegalArgumentException e) {
        LOG.warning(
            "member "
                + member.id()
                + " has an unusable address '"
                + member.address()
                + "' ("
                + e.getMessage()
                + "); it cannot be reached until a configuration gives it raftHost:port;httpUrl");
      }
    }
    transport.setPeers(peers);
  }

  /** The Raft part of {@code raftHost:port;httpUrl} (or of a bare {@code host:port}). */
  static InetSocketAddress raftAddress(String address) {
    int semicolon = address.indexOf(';');
    return NettyPeerMessenger.parseAddress(
        semicolon < 0 ? address : address.substring(0, semicolon));
  }
}
