package io.spindle.queue.transport;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.spindle.protocol.logging.RateLimitedLog;
import io.spindle.protocol.queue.KeepAlive;
import io.spindle.protocol.queue.QueueFrame;
import io.spindle.queue.service.QueueService;
import io.spindle.wire.ConnectionErrors;
import java.util.logging.Logger;

/**
 * A node connection after its handshake: steals, renewals, chunk fetches, results and releases go
 * to the {@link QueueService}. A connection silent for {@link QueuePortSettings#deadAfter} is
 * closed (its leases are lost, and their jobs redone elsewhere); this side sends a KeepAlive when
 * it has written nothing for {@link QueuePortSettings#keepAliveInterval}.
 *
 * <p>Runs on the channel's event loop and never blocks it.
 */
final class NodeConnectionHandler extends SimpleChannelInboundHandler<QueueFrame> {
  private static final Logger LOG = Logger.getLogger(NodeConnectionHandler.class.getName());
  private static final RateLimitedLog LIMITED_LOG = RateLimitedLog.of(LOG);
  private static final QueueFrame KEEP_ALIVE =
      QueueFrame.newBuilder().setNodeKeepAlive(KeepAlive.getDefaultInstance()).build();

  private final QueueService service;
  private final ChannelPeer peer;
  private final String nodeId;
  private final QueuePortSettings transport;
  private boolean reasonLogged;

  NodeConnectionHandler(
      QueueService service, ChannelPeer peer, String nodeId, QueuePortSettings transport) {
    this.service = service;
    this.peer = peer;
    this.nodeId = nodeId;
    this.transport = transport;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, QueueFrame frame) {
    if (peer.isClosing()) {
      return;
    }
    if (frame.getClientCase() != QueueFrame.ClientCase.CLIENT_NOT_SET) {
      peer.close(
          "it sent "
              + ServerHandshakeHandler.describe(frame)
              + ", a client message, on a node connection");
      return;
    }
    switch (frame.getNodeCase()) {
      case STEAL -> service.steal(peer, nodeId, frame.getSteal());
      case RENEW -> service.renew(peer, nodeId, frame.getRenew());
      case FETCH_CHUNK -> service.fetchChunk(peer, nodeId, frame.getFetchChunk());
      case JOB_RESULT -> service.jobResult(peer, nodeId, frame.getJobResult());
      case RELEASE_JOBS -> service.releaseJobs(peer, nodeId, frame.getReleaseJobs());
      case SUBMIT_TASKS -> service.submitTasks(peer, nodeId, frame.getSubmitTasks());
      case CANCEL_TASKS -> service.cancelTasks(peer, nodeId, frame.getCancelTasks());
      case NODE_KEEP_ALIVE -> {}
      case NODE_GOODBYE -> {
        LOG.info(
            () ->
                peer.describe()
                    + " said goodbye: "
                    + ConnectionErrors.printable(frame.getNodeGoodbye().getReason()));
        peer.markGone();
        ctx.close();
      }
      default ->
          peer.close(
              "it sent " + ServerHandshakeHandler.describe(frame) + ", which a node may not send");
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
    if (!(event instanceof IdleStateEvent idle)) {
      super.userEventTriggered(ctx, event);
      return;
    }
    if (idle.state() == IdleState.READER_IDLE) {
      peer.close(
          "nothing received for "
              + transport.deadAfter().toMillis()
              + " ms; the node is presumed dead and its leases are given back");
    } else if (idle.state() == IdleState.WRITER_IDLE) {
      ctx.writeAndFlush(KEEP_ALIVE).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (!peer.isClosing()) {
      LOG.info(() -> peer.describe() + " closed the connection");
    }
    peer.markGone();
    service.nodeClosed(peer, nodeId);
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // One reason per connection: not after this side closed it (it logged why), nor twice.
    if (!reasonLogged && !peer.closedByThisSide()) {
      reasonLogged = true;
      ConnectionErrors.log(
          LIMITED_LOG, ctx.channel(), "closing connection with " + peer.describe(), cause);
    }
    peer.markGone();
    ctx.close();
  }
}
