package io.spindle.raft.server;

import io.spindle.raft.Configuration;
import io.spindle.raft.Member;
import io.spindle.raft.NodeId;
import io.spindle.raft.message.Message;
import io.spindle.raft.server.transport.RaftTransport;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.logging.Logger;

/**
 * {@link PeerMessenger} over a {@link RaftTransport}: the Raft part of members' addresses from the
 * configuration ({@code host:port}, or {@code host:port;httpUrl} as the node writes its members'
 * addresses) becomes the transport's peers.
 */
public final class NettyPeerMessenger implements PeerMessenger {
  private static final Logger LOG = Logger.getLogger(NettyPeerMessenger.class.getName());

  private final NodeId self;
  private final RaftTransport transport;

  public NettyPeerMessenger(NodeId self, RaftTransport transport) {
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
        peers.put(member.id(), parseAddress(member.address()));
      } catch (IllegalArgumentException e) {
        LOG.warning(
            "member "
                + member.id()
                + " has an unusable address '"
                + member.address()
                + "' ("
                + e.getMessage()
                + "); it cannot be reached until a configuration gives it host:port");
      }
    }
    transport.setPeers(peers);
  }

  /**
   * Parses {@code host:port} (or {@code [v6]:port}); whatever follows a {@code ;} (a member's web
   * address) is not the transport's business and is ignored.
   *
   * @throws IllegalArgumentException if it is not one
   */
  public static InetSocketAddress parseAddress(String memberAddress) {
    int semicolon = memberAddress.indexOf(';');
    String address = semicolon < 0 ? memberAddress : memberAddress.substring(0, semicolon);
    int colon = address.lastIndexOf(':');
    if (colon <= 0 || colon == address.length() - 1) {
      throw new IllegalArgumentException("expected host:port, got '" + address + "'");
    }
    String host = address.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(address.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad port in '" + address + "'", e);
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port out of range in '" + address + "'");
    }
    return new InetSocketAddress(host, port);
  }
}
