package io.spindle.raft.server.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.spindle.protocol.raft.ClientReply;
import io.spindle.protocol.raft.ClientRequest;
import io.spindle.protocol.raft.RaftFrame;
import io.spindle.raft.NodeId;
import io.spindle.raft.message.Message;
import io.spindle.wire.ConnectionErrors;
import io.spindle.wire.InvalidMessageException;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The node side of an authenticated connection: hands peer messages and client requests to the
 * {@link InboundHandler}, and closes the connection, with the reason logged, on anything else.
 *
 * <p>A peer may send only Raft messages, from itself, to this node; a client only {@code
 * ClientRequest}s. Everything runs on the channel's event loop and nothing blocks it: mapping a
 * frame is the only work done here.
 */
final class RaftMessageHandler extends SimpleChannelInboundHandler<RaftFrame> {
  private static final Logger LOG = Logger.getLogger(RaftMessageHandler.class.getName());

  private final NodeId self;
  private final Session session;
  private final InboundHandler inbound;
  private final OutboundQueue outbound;

  /**
   * @param outbound where this connection's writes come from: the peer's queue, or the client
   *     connection's own queue of replies
   */
  RaftMessageHandler(NodeId self, Session session, InboundHandler inbound, OutboundQueue outbound) {
    this.self = self;
    this.session = session;
    this.inbound = inbound;
    this.outbound = outbound;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, RaftFrame frame) {
    if (frame.getBodyCase() == RaftFrame.BodyCase.KEEP_ALIVE) {
      return;
    }
    if (session.isClient()) {
      onClientFrame(ctx, frame);
    } else {
      onPeerFrame(ctx, frame);
    }
  }

  private void onPeerFrame(ChannelHandlerContext ctx, RaftFrame frame) {
    Message message;
    try {
      message = RaftMessageMapper.toMessage(frame);
    } catch (InvalidMessageException e) {
      close(ctx, e.getMessage());
      return;
    }
    if (!message.from().equals(session.remoteNode())) {
      close(ctx, "it sent a message from " + message.from() + " on its own connection");
      return;
    }
    if (!message.to().equals(self)) {
      close(ctx, "it sent a message for " + message.to() + " to this node (" + self + ")");
      return;
    }
    try {
      inbound.onMessage(message);
    } catch (RuntimeException e) {
      LOG.log(Level.SEVERE, "the inbound handler failed on " + message + "; message dropped", e);
    }
  }

  private void onClientFrame(ChannelHandlerContext ctx, RaftFrame frame) {
    if (frame.getBodyCase() != RaftFrame.BodyCase.CLIENT_REQUEST) {
      close(ctx, "a client sent " + frame.getBodyCase() + ", not a ClientRequest");
      return;
    }
    ClientRequest request = frame.getClientRequest();
    try {
      inbound.onClientRequest(request, new ReplyOnce(ctx.channel(), request.getRequestId()));
    } catch (RuntimeException e) {
      LOG.log(
          Level.SEVERE,
          "the inbound handler failed on client request " + request.getRequestId(),
          e);
    }
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
      outbound.scheduleDrain();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ConnectionErrors.log(LOG, ctx.channel(), "closing connection with " + session, cause);
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    LOG.fine(() -> "connection with " + session + " closed");
    ctx.fireChannelInactive();
  }

  private void close(ChannelHandlerContext ctx, String reason) {
    ConnectionErrors.warn(
        LOG, ctx.channel(), () -> "closing connection with " + session + ": " + reason);
    ctx.close();
  }

  /** The reply callback of one client request: once, from any thread, never blocking. */
  private final class ReplyOnce implements Consumer<ClientReply> {
    private final Channel channel;
    private final long requestId;
    private final AtomicBoolean replied = new AtomicBoolean();

    ReplyOnce(Channel channel, long requestId) {
      this.channel = channel;
      this.requestId = requestId;
    }

    @Override
    public void accept(ClientReply reply) {
      Objects.requireNonNull(reply, "reply");
      if (!replied.compareAndSet(false, true)) {
        throw new IllegalStateException("client request " + requestId + " was already answered");
      }
      if (!channel.isActive()) {
        LOG.fine(() -> "reply to request " + requestId + " dropped: " + session + " is gone");
        return;
      }
      ClientReply stamped =
          reply.getRequestId() == requestId
              ? reply
              : reply.toBuilder().setRequestId(requestId).build();
      if (!outbound.offer(RaftFrame.newBuilder().setClientReply(stamped).build())) {
        LOG.warning(
            () ->
                "closing connection with "
                    + session
                    + ": it does not read its replies ("
                    + outbound.pendingBytes()
                    + " bytes waiting)");
        channel.close();
      }
    }
  }
}
