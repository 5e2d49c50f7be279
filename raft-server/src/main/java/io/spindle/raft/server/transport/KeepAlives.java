package io.spindle.raft.server.transport;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.spindle.protocol.raft.KeepAlive;
import io.spindle.protocol.raft.RaftFrame;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Tells an idle connection from a dead one (a peer that vanished without closing, behind a
 * partition): an authenticated side that has written nothing for {@link #INTERVAL} sends a {@code
 * KeepAlive}, and one that has read nothing for {@link #DEAD_AFTER} closes the connection, so the
 * pair redials instead of waiting for TCP to give up (many minutes).
 */
final class KeepAlives {
  static final Duration INTERVAL = Duration.ofSeconds(2);
  static final Duration DEAD_AFTER = Duration.ofSeconds(10);

  static final RaftFrame KEEP_ALIVE =
      RaftFrame.newBuilder().setKeepAlive(KeepAlive.getDefaultInstance()).build();

  private KeepAlives() {}

  /** The handler that raises the idle events, first in the pipeline so raw bytes count. */
  static IdleStateHandler idleStateHandler() {
    return new IdleStateHandler(
        DEAD_AFTER.toMillis(), INTERVAL.toMillis(), 0, TimeUnit.MILLISECONDS);
  }

  /**
   * Reacts to an idle event on an authenticated connection; returns false for other events.
   *
   * @param who the remote, for the log line
   */
  static boolean onIdle(ChannelHandlerContext ctx, Object event, Object who, Logger log) {
    if (!(event instanceof IdleStateEvent idle)) {
      return false;
    }
    if (idle.state() == IdleState.READER_IDLE) {
      log.warning(
          () ->
              "closing connection with "
                  + who
                  + ": nothing received for "
                  + DEAD_AFTER.toSeconds()
                  + " s, the connection is presumed dead");
      ctx.close();
    } else if (idle.state() == IdleState.WRITER_IDLE) {
      ctx.writeAndFlush(KEEP_ALIVE).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }
    return true;
  }
}
