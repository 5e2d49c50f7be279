package io.spindle.queue.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.spindle.protocol.auth.ClientTokens;
import io.spindle.protocol.logging.RateLimitedLog;
import io.spindle.protocol.queue.ErrorCode;
import io.spindle.protocol.queue.QueueError;
import io.spindle.protocol.queue.QueueFrame;
import io.spindle.protocol.queue.Reply;
import io.spindle.protocol.queue.Request;
import io.spindle.protocol.queue.WriteChunk;
import io.spindle.queue.service.QueueService;
import java.util.ArrayDeque;
import java.util.logging.Logger;

/**
 * A client connection after its hello: requests go to the {@link QueueService}, chunks to the
 * spool.
 *
 * <p><b>Back-pressure on uploads:</b> chunks are written to disk off the event loop; while more
 * than {@link TransportConfig#maxPendingChunkBytes} of this client's chunks wait for the disk, the
 * server stops reading from the socket, so TCP slows the client down instead of the heap filling
 * up. A WriteEnd waits until this connection's chunks before it are on disk, so the completeness
 * check sees them.
 *
 * <p>Runs on the channel's event loop and never blocks it.
 */
final class ClientConnectionHandler extends SimpleChannelInboundHandler<QueueFrame> {
  private static final Logger LOG = Logger.getLogger(ClientConnectionHandler.class.getName());
  private static final RateLimitedLog LIMITED_LOG = RateLimitedLog.of(LOG);

  private final QueueService service;
  private final ChannelPeer peer;
  private final TransportConfig transport;
  private boolean reasonLogged;

  // Confined to the event loop.
  private int pendingChunks;
  private long pendingChunkBytes;
  private final ArrayDeque<Request> heldWriteEnds = new ArrayDeque<>();

  ClientConnectionHandler(QueueService service, ChannelPeer peer, TransportConfig transport) {
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
    ClientTokens.Right needed = rightNeeded(request);
    if (!peer.may(needed)) {
      peer.send(
          QueueFrame.newBuilder()
              .setReply(
                  Reply.newBuilder()
                      .setRequestId(request.getRequestId())
                      .setError(
                          QueueError.newBuilder()
                              .setCode(ErrorCode.PERMISSION_DENIED)
                              .setMessage(
                                  "this client's token does not allow "
                                      + (needed == ClientTokens.Right.WRITE
                                          ? "writes and deletes"
                                          : "reads")
                                      + "; use a token with the "
                                      + needed.name().toLowerCase(java.util.Locale.ROOT)
                                      + " right")))
              .build());
      return;
    }
    if (request.hasWriteEnd() && (pendingChunks > 0 || !heldWriteEnds.isEmpty())) {
      heldWriteEnds.addLast(request);
      return;
    }
    service.request(peer, request);
  }

  /** Writes and deletes need the write right; everything else (reads, counts, status) read. */
  static ClientTokens.Right rightNeeded(Request request) {
    return switch (request.getOpCase()) {
      case WRITE_BEGIN, WRITE_END, DELETE -> ClientTokens.Right.WRITE;
      default -> ClientTokens.Right.READ;
    };
  }

  private void onChunk(ChannelHandlerContext ctx, WriteChunk chunk) {
    if (!peer.may(ClientTokens.Right.WRITE)) {
      peer.close("it sent upload chunks, and its token does not allow writes");
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
