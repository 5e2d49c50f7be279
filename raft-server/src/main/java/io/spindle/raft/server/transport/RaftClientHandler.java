package io.spindle.raft.server.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.spindle.protocol.raft.ClientReply;
import io.spindle.protocol.raft.RaftFrame;
import io.spindle.wire.ConnectionErrors;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongFunction;
import java.util.logging.Logger;

/**
 * The client side of an authenticated connection: completes the future of the request each reply
 * answers. A node may send only {@code ClientReply}s to a client; anything else closes the
 * connection. Runs on the client's event loop.
 */
final class RaftClientHandler extends SimpleChannelInboundHandler<RaftFrame> {
  private static final Logger LOG = Logger.getLogger(RaftClientHandler.class.getName());

  private final Session session;
  private final LongFunction<CompletableFuture<ClientReply>> takeInFlight;
  private final OutboundQueue requests;

  /**
   * @param takeInFlight removes and returns the future of a request in flight, or null
   * @param requests the queue this connection's writes come from
   */
  RaftClientHandler(
      Session session,
      LongFunction<CompletableFuture<ClientReply>> takeInFlight,
      OutboundQueue requests) {
    this.session = session;
    this.takeInFlight = takeInFlight;
    this.requests = requests;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, RaftFrame frame) {
    if (frame.getBodyCase() == RaftFrame.BodyCase.KEEP_ALIVE) {
      return;
    }
    if (frame.getBodyCase() != RaftFrame.BodyCase.CLIENT_REPLY) {
      LOG.warning(
          () ->
              "closing connection with "
                  + session
                  + ": it sent "
                  + frame.getBodyCase()
                  + " to a client, not a ClientReply");
      ctx.close();
      return;
    }
    ClientReply reply = frame.getClientReply();
    CompletableFuture<ClientReply> future = takeInFlight.apply(reply.getRequestId());
    if (future == null) {
      LOG.fine(() -> session + " answered request " + reply.getRequestId() + ", not in flight");
      return;
    }
    future.complete(reply);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (!KeepAlives.onIdle(ctx, event, session, LOG)) {
      ctx.fireUserEventTriggered(event);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable()) {
      requests.scheduleDrain();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ConnectionErrors.log(LOG, ctx.channel(), "closing connection with " + session, cause);
    ctx.close();
  }
}
