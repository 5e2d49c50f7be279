package io.spindle.queue.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.spindle.protocol.auth.ClientTokens;
import io.spindle.protocol.logging.RateLimitedLog;
import io.spindle.protocol.queue.ErrorCode;
import io.spindle.protocol.queue.Ping;
import io.spindle.protocol.queue.QueueError;
import io.spindle.protocol.queue.QueueFrame;
import io.spindle.protocol.queue.Reply;
import io.spindle.protocol.queue.Request;
import io.spindle.protocol.queue.WriteChunk;
import io.spindle.queue.service.QueueService;
import io.spindle.wire.ConnectionErrors;
import java.util.ArrayDeque;
import java.util.logging.Logger;

/**
 * A client connection after its hello: requests go to the {@link QueueService}, chunks to the
 * spool.
 *
 * <p><b>Back-pressure on uploads:</b> chunks are written to disk off the event loop; while more
 * than {@link QueuePortSettings#maxPendingChunkBytes} of this client's chunks wait for the disk,
 * the server stops reading from the socket, so TCP slows the client down instead of the heap
 * filling up. A WriteEnd waits until this connection's chunks before it are on disk, so the
 * completeness check sees them.
 *
 * <p>Runs on the channel's event loop and never blocks it.
 */
final class ClientConnectionHandler extends SimpleChannelInboundHandler<QueueFrame> {
  private static final Logger LOG = Logger.getLogger(ClientConnectionHandler.class.getName());
  private static final RateLimitedLog LIMITED_LOG = RateLimitedLog.of(LOG);

  private final QueueService service;
  private final ChannelPeer peer;
  private final QueuePortSettings transport;
  private boolean reasonLogged;

  // Confined to the event loop.
  private int pendingChunks;
  private long pendingChunkBytes;
  private final ArrayDeque<Request> heldWriteEnds = new ArrayDeque<>();

  ClientConnectionHandler(QueueService service, ChannelPeer peer, QueuePortSettings transport) {
    this.service = service;
    this.peer = peer;
    this.transport = transport;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, QueueFrame frame) {
    if (peer.isClosing()) {
      return;
    }
    if (frame.getNodeCase() != QueueFrame.NodeCase.NODE_NOT_SET) {
      peer.close(
          "it sent "
              + ServerHandshakeHandler.describe(frame)
              + ", a node message, on a client connection");
      return;
    }
    switch (frame.getClientCase()) {
      case REQUEST -> onRequest(frame.getRequest());
      case WRITE_CHUNK -> onChunk(ctx, frame.getWriteChunk());
      case CLIENT_KEEP_ALIVE -> {}
      case CLIENT_GOODBYE -> {
        LOG.fine(
            () ->
                peer.describe()
                    + " said goodbye: "
                    + ConnectionErrors.printable(frame.getClientGoodbye().getReason()));
        peer.markGone();
        ctx.close();
      }
      default ->
          peer.close(
              "it sent "
                  + ServerHandshakeHandler.describe(frame)
                  + ", which a client may not send");
    }
  }

  private void onRequest(Request request) {
    String denied = refusal(request);
    if (denied != null) {
      peer.send(
          QueueFrame.newBuilder()
              .setReply(
                  Reply.newBuilder()
                      .setRequestId(request.getRequestId())
                      .setError(
                          QueueError.newBuilder()
                              .setCode(ErrorCode.PERMISSION_DENIED)
                              .setMessage(denied)))
              .build());
      return;
    }
    if (request.hasWriteEnd() && (pendingChunks > 0 || !heldWriteEnds.isEmpty())) {
      heldWriteEnds.addLast(request);
      return;
    }
    service.request(peer, request);
  }

  /**
   * Why this connection may not send {@code request} (answered PERMISSION_DENIED), or null if it
   * may. A federation member may send only {@link #federationMayForward a ping for this cluster}; a
   * client needs the {@link #rightNeeded right} its token gives, and may never forward a ping (set
   * {@code origin_cluster}): only another cluster's leader, proving the federation secret, may.
   */
  private String refusal(Request request) {
    String federationCluster = peer.federationCluster();
    String thisCluster = service.config().clusterId();
    if (federationCluster != null) {
      return federationMayForward(request, federationCluster, thisCluster)
          ? null
          : "a federation member may only ping this cluster (cluster '"
              + thisCluster
              + "', with origin_cluster '"
              + federationCluster
              + "', its own, and not all_clusters); send other requests as a client, with a"
              + " token";
    }
    if (request.hasPing() && !request.getPing().getOriginCluster().isEmpty()) {
      return "only another cluster's leader, proving the federation secret, may forward a ping"
          + " (set origin_cluster); leave origin_cluster empty, and set target_cluster to ping"
          + " another cluster";
    }
    ClientTokens.Right needed = rightNeeded(request);
    if (!peer.may(needed)) {
      return "this client's token does not allow "
          + (needed == ClientTokens.Right.WRITE
              ? "writes and deletes"
                  + (request.hasGroup() ? " (nor joining, renewing or leaving a group)" : "")
              : "reads")
          + "; use a token with the "
          + needed.name().toLowerCase(java.util.Locale.ROOT)
          + " right";
    }
    return null;
  }

  /**
   * Whether a federation member of cluster {@code memberCluster} may send {@code request} to a
   * queue server of {@code thisCluster}: only a ping it forwards (origin_cluster its own cluster)
   * for this cluster alone (target_cluster empty or this cluster, not all_clusters).
   */
  static boolean federationMayForward(Request request, String memberCluster, String thisCluster) {
    if (!request.hasPing()) {
      return false;
    }
    Ping ping = request.getPing();
    return ping.getOriginCluster().equals(memberCluster)
        && !ping.getAllClusters()
        && (ping.getTargetCluster().isEmpty() || ping.getTargetCluster().equals(thisCluster));
  }

  /**
   * Writes, deletes and changes of group membership (join, renew, leave) need the write right;
   * everything else (reads, counts, status, group lists and shows) read.
   */
  static ClientTokens.Right rightNeeded(Request request) {
    return switch (request.getOpCase()) {
      case WRITE_BEGIN, WRITE_END, DELETE -> ClientTokens.Right.WRITE;
      case GROUP ->
          switch (request.getGroup().getOpCase()) {
            case JOIN, RENEW, LEAVE -> ClientTokens.Right.WRITE;
            default -> ClientTokens.Right.READ;
          };
      default -> ClientTokens.Right.READ;
    };
  }

  private void onChunk(ChannelHandlerContext ctx, WriteChunk chunk) {
    if (!peer.may(ClientTokens.Right.WRITE)) {
      peer.close(
          peer.federationCluster() != null
              ? "it sent upload chunks, and a federation member may only ping this cluster"
              : "it sent upload chunks, and its token does not allow writes");
      return;
    }
    long size = chunk.getData().size();
    pendingChunks++;
    pendingChunkBytes += size;
    if (pendingChunkBytes > transport.maxPendingChunkBytes()) {
      ctx.channel().config().setAutoRead(false);
    }
    EventLoop loop = ctx.channel().eventLoop();
    service.writeChunk(peer, chunk, () -> loop.execute(() -> onChunkStored(ctx, size)));
  }

  private void onChunkStored(ChannelHandlerContext ctx, long size) {
    pendingChunks--;
    pendingChunkBytes -= size;
    if (pendingChunkBytes <= transport.maxPendingChunkBytes() / 2
        && !ctx.channel().config().isAutoRead()) {
      ctx.channel().config().setAutoRead(true);
    }
    if (pendingChunks == 0) {
      Request r;
      while ((r = heldWriteEnds.pollFirst()) != null) {
        service.request(peer, r);
      }
    }
  }

  /**
   * Nothing from the client for the idle timeout: it is closed unless it waits for an answer (a
   * long count, a write in the leader queue), which the service knows.
   */
  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof IdleStateEvent idle && idle.state() == IdleState.READER_IDLE) {
      service.closeIfIdle(
          peer,
          "it sent nothing for "
              + transport.clientIdleTimeout().toSeconds()
              + " s and waits for no answer");
      return;
    }
    ctx.fireUserEventTriggered(event);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    peer.markGone();
    service.clientClosed(peer);
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
