package io.spindle.queue.transport;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import io.spindle.protocol.logging.RateLimitedLog;
import io.spindle.protocol.queue.Goodbye;
import io.spindle.protocol.queue.QueueFrame;
import io.spindle.wire.ConnectionErrors;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The first handler of every accepted connection: it counts connections in total and per remote
 * address, and closes one over either cap at once, before the handshake starts (its timeout is
 * never scheduled), telling the remote why in a Goodbye. A flood of connections therefore costs the
 * server one small buffer each, and the refusals are logged a few lines per 10 s.
 *
 * <p>Shared by all channels; thread-safe.
 */
@ChannelHandler.Sharable
final class ConnectionLimiter extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = Logger.getLogger(ConnectionLimiter.class.getName());
  private static final RateLimitedLog REFUSALS = RateLimitedLog.of(LOG);
  private static final AttributeKey<InetAddress> COUNTED =
      AttributeKey.valueOf(ConnectionLimiter.class, "counted");

  private final int maxTotal;
  private final int maxPerAddress;
  private final AtomicInteger total = new AtomicInteger();
  private final ConcurrentHashMap<InetAddress, Integer> perAddress = new ConcurrentHashMap<>();

  ConnectionLimiter(int maxTotal, int maxPerAddress) {
    this.maxTotal = maxTotal;
    this.maxPerAddress = maxPerAddress;
  }

  /** Connections counted now (for tests and status). */
  int open() {
    return total.get();
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    InetAddress address = addressOf(ctx.channel().remoteAddress());
    String refusal = acquire(address);
    if (refusal == null) {
      ctx.channel().attr(COUNTED).set(address);
      ctx.fireChannelActive();
      return;
    }
    REFUSALS.log(
        Level.WARNING,
        "limit " + ConnectionErrors.key(ctx.channel()),
        () -> "refusing connection with " + ctx.channel().remoteAddress() + ": " + refusal,
        null);
    Goodbye goodbye = Goodbye.newBuilder().setReason("refused: " + refusal).build();
    ctx.channel()
        .writeAndFlush(QueueFrame.newBuilder().setClientGoodbye(goodbye).build())
        .addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    InetAddress counted = ctx.channel().attr(COUNTED).getAndSet(null);
    if (counted != null) {
      release(counted);
    }
    ctx.fireChannelInactive();
  }

  /** Counts a connection from {@code address}; null, or why it is refused (nothing counted). */
  private String acquire(InetAddress address) {
    if (total.incrementAndGet() > maxTotal) {
      total.decrementAndGet();
      return "this queue server has "
          + maxTotal
          + " connections open, its limit (--max-connections); try again later";
    }
    boolean[] full = new boolean[1];
    perAddress.compute(
        address,
        (a, n) -> {
          int count = n == null ? 0 : n;
          full[0] = count >= maxPerAddress;
          return full[0] ? n : Integer.valueOf(count + 1);
        });
    if (full[0]) {
      total.decrementAndGet();
      return "this queue server has "
          + maxPerAddress
          + " connections open from "
          + address.getHostAddress()
          + ", the limit per address (--max-connections-per-address); close some or try"
          + " again later";
    }
    return null;
  }

  private void release(InetAddress address) {
    total.decrementAndGet();
    perAddress.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
  }

  private static InetAddress addressOf(SocketAddress remote) {
    if (remote instanceof InetSocketAddress inet && inet.getAddress() != null) {
      return inet.getAddress();
    }
    return InetAddress.getLoopbackAddress(); // an in-process (local) channel in tests
  }
}
