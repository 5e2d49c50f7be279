package io.spindle.node.infrastructure.federation;

import com.google.protobuf.ByteString;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.spindle.protocol.federation.FederationSecret;
import io.spindle.protocol.queue.FederationHello;
import io.spindle.protocol.queue.KeepAlive;
import io.spindle.protocol.queue.NodeProof;
import io.spindle.protocol.queue.QueueFrame;
import io.spindle.protocol.queue.QueueProtocol;
import io.spindle.protocol.queue.Reply;
import io.spindle.protocol.queue.Request;
import io.spindle.protocol.queue.ServerChallenge;
import io.spindle.protocol.tls.ClusterTls;
import io.spindle.wire.ProtobufFrameCodec;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

/**
 * Connections to other clusters' queue servers, one per server, kept open and reused by every ping
 * (no connection per hop). Each speaks the queue protocol's federation conversation (queue.proto,
 * FederationHello): both sides prove the federation secret over fresh nonces, over TLS trusting
 * only the CA that the other cluster's signed route names (plain text only to a loopback address).
 *
 * <p><b>Threading:</b> thread-safe; all I/O on one event-loop thread of its own. <b>Blocking:</b>
 * never; {@link #request} returns a future that completes within its timeout. <b>Limits:</b> at
 * most {@value #MAX_LINKS} connections (the least recently used closes), {@value #MAX_PENDING}
 * requests in flight on each.
 */
public final class FederationLinks implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(FederationLinks.class.getName());
  static final int MAX_LINKS = 64;
  static final int MAX_PENDING = 256;
  private static final int MAX_FRAME = 4 << 20;
  private static final ProtobufFrameCodec<QueueFrame> CODEC =
      ProtobufFrameCodec.of(QueueFrame.getDefaultInstance(), QueueFrame.class);
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);

  private final String clusterId;
  private final String nodeId;
  private final FederationSecret secret;
  private final EventLoopGroup group;
  private final SecureRandom random = new SecureRandom();
  // Guarded by itself; access order: the eldest is the least recently used.
  private final LinkedHashMap<String, Link> links = new LinkedHashMap<>(16, 0.75f, true);
  private volatile boolean closed;

  public FederationLinks(
      String clusterId, String nodeId, FederationSecret secret, ThreadFactory threads) {
    this.clusterId = clusterId;
    this.nodeId = nodeId;
    this.secret = secret;
    this.group = new NioEventLoopGroup(1, threads);
  }

  /**
   * Sends {@code request} to the queue server at {@code server} (host:port) and completes with its
   * reply; fails with an {@link IOException} saying what went wrong (refused, handshake, closed) or
   * a {@link TimeoutException} after {@code timeout}.
   *
   * @param caPem the CA its certificate chains to (from its route); empty for plain text, allowed
   *     only to a loopback address
   * @param whose for messages: "cluster B's queue server 127.0.0.1:4100"
   */
  public CompletableFuture<Reply> request(
      String server, String caPem, String whose, Request request, Duration timeout) {
    CompletableFuture<Reply> answer = new CompletableFuture<>();
    if (closed) {
      answer.completeExceptionally(new IOException("this node is stopping"));
      return answer;
    }
    Link link;
    try {
      link = link(server, caPem, whose);
    } catch (IOException e) {
      answer.completeExceptionally(e);
      return answer;
    }
    link.ready.whenComplete(
        (ok, failed) -> {
          if (failed != null) {
            answer.completeExceptionally(failed);
          } else {
            link.send(request, answer);
          }
        });
    answer.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    answer.whenComplete((r, e) -> link.forget(request.getRequestId()));
    return answer;
  }

  private Link link(String server, String caPem, String whose) throws IOException {
    String key = server + "\n" + caPem;
    synchronized (links) {
      Link l = links.get(key);
      if (l != null && !l.isDead()) {
        return l;
      }
      InetSocketAddress address = address(server, whose);
      ClusterTls tls = null;
      if (caPem.isEmpty()) {
        InetAddress a = address.getAddress();
        if (a == null || !a.isLoopbackAddress()) {
          throw new IOException(
              whose
                  + " speaks plain text (its route names no CA), and plain text goes to loopback"
                  + " addresses only");
        }
      } else {
        tls = ClusterTls.clientTrusting(caPem, whose.replace("queue server", "CA"));
      }
      Link fresh = new Link(address, whose);
      links.put(key, fresh);
      if (links.size() > MAX_LINKS) {
        var eldest = links.entrySet().iterator().next();
        links.remove(eldest.getKey());
        eldest.getValue().close();
      }
      fresh.connect(tls);
      return fresh;
    }
  }

  private static InetSocketAddress address(String server, String whose) throws IOException {
    int colon = server.lastIndexOf(':');
    if (colon <= 0) {
      throw new IOException(whose + " has no port in its address '" + server + "'");
    }
    try {
      String host = server.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      int port = Integer.parseInt(server.substring(colon + 1));
      return new InetSocketAddress(InetAddress.getByName(host), port);
    } catch (NumberFormatException | UnknownHostException e) {
      throw new IOException(whose + " has an address that cannot be used: '" + server + "'");
    }
  }

  @Override
  public void close() {
    closed = true;
    synchronized (links) {
      links.values().forEach(Link::close);
      links.clear();
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  /** One connection; its state lives on the event loop. */
  private final class Link extends SimpleChannelInboundHandler<QueueFrame> {
    final InetSocketAddress address;
    final String whose;
    final CompletableFuture<Void> ready = new CompletableFuture<>();
    // Event loop only.
    private final Map<String, CompletableFuture<Reply>> pending = new HashMap<>();
    private byte[] memberNonce;
    private volatile Channel channel;
    private volatile boolean dead;

    Link(InetSocketAddress address, String whose) {
      this.address = address;
      this.whose = whose;
    }

    boolean isDead() {
      return dead || (channel != null && !channel.isActive() && ready.isDone());
    }

    void connect(ClusterTls tls) {
      new Bootstrap()
          .group(group)
          .channel(NioSocketChannel.class)
          .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) CONNECT_TIMEOUT.toMillis())
          .option(ChannelOption.TCP_NODELAY, true)
          .handler(
              new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                  if (tls != null) {
                    SslHandler h =
                        new SslHandler(
                            tls.clientEngine(address.getHostString(), address.getPort()));
                    h.setHandshakeTimeoutMillis(CONNECT_TIMEOUT.toMillis());
                    ch.pipeline().addLast("tls", h);
                  }
                  ch.pipeline().addLast(new IdleStateHandler(60, 20, 0));
                  CODEC.addTo(ch.pipeline(), MAX_FRAME);
                  ch.pipeline().addLast(Link.this);
                }
              })
          .connect(address)
          .addListener(
              f -> {
                if (!f.isSuccess()) {
                  fail(
                      new IOException(
                          whose + " did not accept a connection: " + reason(f.cause())));
                }
              });
    }

    void send(Request request, CompletableFuture<Reply> answer) {
      Channel c = channel;
      if (c == null || !c.isActive()) {
        answer.completeExceptionally(new IOException(whose + " closed the connection"));
        return;
      }
      c.eventLoop()
          .execute(
              () -> {
                if (dead) {
                  answer.completeExceptionally(new IOException(whose + " closed the connection"));
                  return;
                }
                if (pending.size() >= MAX_PENDING) {
                  answer.completeExceptionally(
                      new IOException(
                          MAX_PENDING + " pings to " + whose + " are under way already"));
                  return;
                }
                pending.put(request.getRequestId(), answer);
                c.writeAndFlush(QueueFrame.newBuilder().setRequest(request).build());
              });
    }

    void forget(String requestId) {
      Channel c = channel;
      if (c != null) {
        c.eventLoop().execute(() -> pending.remove(requestId));
      }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      channel = ctx.channel();
      memberNonce = new byte[QueueProtocol.NONCE_BYTES];
      random.nextBytes(memberNonce);
      ctx.writeAndFlush(
          QueueFrame.newBuilder()
              .setFederationHello(
                  FederationHello.newBuilder()
                      .setProtocolVersion(QueueProtocol.VERSION)
                      .setClusterId(clusterId)
                      .setNodeId(nodeId)
                      .setNonce(ByteString.copyFrom(memberNonce)))
              .build());
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, QueueFrame frame) {
      switch (frame.getClientCase()) {
        case FEDERATION_CHALLENGE -> challenged(ctx, frame.getFederationChallenge());
        case CLIENT_WELCOME -> {
          if (!ready.isDone()) {
            ready.complete(null);
          }
        }
        case REPLY -> {
          CompletableFuture<Reply> f = pending.remove(frame.getReply().getRequestId());
          if (f != null) {
            f.complete(frame.getReply());
          }
        }
        case CLIENT_GOODBYE -> {
          String reason = frame.getClientGoodbye().getReason();
          fail(new IOException(whose + " closed the connection: " + reason));
          ctx.close();
        }
        default -> {
          // keep-alives and anything newer: nothing to do
        }
      }
    }

    private void challenged(ChannelHandlerContext ctx, ServerChallenge c) {
      if (ready.isDone() || memberNonce == null) {
        fail(new IOException(whose + " sent a second challenge"));
        ctx.close();
        return;
      }
      byte[] serverNonce = c.getNonce().toByteArray();
      if (serverNonce.length != QueueProtocol.NONCE_BYTES
          || !secret.verifies(
              transcript(QueueProtocol.FEDERATION_SERVER, c.getServerId(), serverNonce),
              c.getProof().toByteArray())) {
        fail(
            new IOException(
                whose
                    + " did not prove the federation secret (the clusters hold different"
                    + " federation secrets)"));
        ctx.close();
        return;
      }
      ctx.writeAndFlush(
          QueueFrame.newBuilder()
              .setFederationProof(
                  NodeProof.newBuilder()
                      .setProof(
                          ByteString.copyFrom(
                              secret.prove(
                                  transcript(
                                      QueueProtocol.FEDERATION_MEMBER,
                                      c.getServerId(),
                                      serverNonce)))))
              .build());
    }

    private byte[] transcript(String prover, String serverId, byte[] serverNonce) {
      return QueueProtocol.transcript(
          prover, QueueProtocol.VERSION, clusterId, nodeId, serverId, memberNonce, serverNonce);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof IdleStateEvent e) {
        switch (e.state()) {
          case WRITER_IDLE ->
              ctx.writeAndFlush(
                  QueueFrame.newBuilder()
                      .setClientKeepAlive(KeepAlive.getDefaultInstance())
                      .build());
          case READER_IDLE -> ctx.close(); // an idle link is opened again when needed
          default -> {}
        }
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      fail(new IOException("the connection to " + whose + " failed: " + reason(cause)));
      ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      fail(new IOException(whose + " closed the connection"));
    }

    private void fail(IOException e) {
      dead = true;
      if (!ready.isDone()) {
        LOG.fine(() -> e.getMessage());
        ready.completeExceptionally(e);
      }
      Channel c = channel;
      if (c == null || c.eventLoop().inEventLoop()) {
        failPending(e);
      } else {
        c.eventLoop().execute(() -> failPending(e));
      }
    }

    private void failPending(IOException e) {
      var all = new HashMap<>(pending);
      pending.clear();
      all.values().forEach(f -> f.completeExceptionally(e));
    }

    void close() {
      dead = true;
      Channel c = channel;
      if (c != null) {
        c.close();
      }
    }
  }

  private static String reason(Throwable t) {
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
