package io.spindle.raft.server.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.spindle.protocol.raft.RaftFrame;
import io.spindle.raft.message.Heartbeat;
import org.junit.jupiter.api.Test;

/** Bounding, batching and writability, on an {@link EmbeddedChannel}. */
class OutboundQueueTest {
  private static final RaftFrame SMALL =
      RaftMessageMapper.toFrame(new Heartbeat(SampleMessages.PEER, SampleMessages.SELF, 1, 2, 3));

  private static RaftFrame frameOf(int entryBytes) {
    return RaftMessageMapper.toFrame(SampleMessages.appendEntries(1, entryBytes, 1));
  }

  /** Counts the flushes that reach the socket end of the pipeline. */
  private static final class FlushCounter extends ChannelOutboundHandlerAdapter {
    int flushes;

    @Override
    public void flush(ChannelHandlerContext ctx) {
      flushes++;
      ctx.flush();
    }
  }

  private static EmbeddedChannel channel(FlushCounter counter, OutboundQueue queue) {
    EmbeddedChannel channel = new EmbeddedChannel();
    channel.pipeline().addLast(counter);
    RaftChannelInitializer.addCodec(channel.pipeline(), 1 << 20);
    channel
        .pipeline()
        .addLast(
            new ChannelInboundHandlerAdapter() {
              @Override
              public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                queue.scheduleDrain(); // what RaftMessageHandler does
              }
            });
    return channel;
  }

  private static int framesWritten(EmbeddedChannel channel) {
    int frames = 0;
    ByteBuf buf;
    while ((buf = channel.readOutbound()) != null) {
      buf.release();
      frames++;
    }
    return frames;
  }

  @Test
  void offersOfOneEventLoopTurnShareOneFlush() {
    OutboundQueue queue = new OutboundQueue(1 << 20);
    FlushCounter counter = new FlushCounter();
    EmbeddedChannel channel = channel(counter, queue);
    queue.attach(channel);
    for (int i = 0; i < 100; i++) {
      assertTrue(queue.offer(SMALL));
    }
    channel.runPendingTasks();
    assertEquals(1, counter.flushes);
    assertEquals(100, framesWritten(channel));
    assertEquals(0, queue.pendingBytes(), "written frames no longer count");
  }

  @Test
  void framesBeyondTheBoundAreDroppedAndCounted() {
    OutboundQueue queue = new OutboundQueue(10_000);
    RaftFrame frame = frameOf(3000);
    assertTrue(queue.offer(frame));
    assertTrue(queue.offer(frame));
    assertTrue(queue.offer(frame));
    assertFalse(queue.offer(frame));
    assertEquals(1, queue.droppedFrames());
    assertTrue(queue.pendingBytes() <= 10_000);
  }

  @Test
  void controlFramesStillFitWhenEntriesFillTheBoundUpToTheirAllowance() {
    OutboundQueue queue = new OutboundQueue(10_000);
    while (queue.offer(frameOf(3000))) {
      // fill the queue with entries
    }
    while (queue.offer(SMALL)) {
      // and the rest of the bound
    }
    long dropped = queue.droppedFrames();
    assertFalse(queue.offer(SMALL), "an ordinary offer is refused");
    assertTrue(queue.offerControl(SMALL), "a heartbeat still goes out behind the entries");
    int controls = 1;
    while (queue.offerControl(SMALL)) {
      controls++;
    }
    int size = SMALL.getSerializedSize() + 5;
    assertEquals(OutboundQueue.CONTROL_ALLOWANCE / size, controls, 1.0);
    assertTrue(queue.pendingBytes() <= 10_000 + OutboundQueue.CONTROL_ALLOWANCE);
    assertEquals(dropped + 2, queue.droppedFrames());
  }

  @Test
  void oneFrameLargerThanTheBoundGoesOutAlone() {
    OutboundQueue queue = new OutboundQueue(1000);
    assertTrue(queue.offer(frameOf(5000)));
    assertFalse(queue.offer(SMALL));
  }

  @Test
  void framesWaitForAChannelAndForWritability() {
    OutboundQueue queue = new OutboundQueue(1 << 20);
    for (int i = 0; i < 10; i++) {
      queue.offer(frameOf(600));
    }
    FlushCounter counter = new FlushCounter();
    EmbeddedChannel channel = channel(counter, queue);
    channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(512, 1024));
    channel.runPendingTasks();
    assertEquals(0, framesWritten(channel), "no channel attached yet");

    queue.attach(channel);
    channel.runPendingTasks(); // runs the drain, and the drains writability changes schedule
    assertEquals(10, framesWritten(channel));
    assertTrue(
        counter.flushes >= 5,
        "two 600-byte frames fill the 1 KiB water mark, so the drain stops and resumes: "
            + counter.flushes
            + " flushes");
    assertEquals(0, queue.pendingBytes());
  }

  @Test
  void detachingKeepsTheFrames() {
    OutboundQueue queue = new OutboundQueue(1 << 20);
    EmbeddedChannel first = channel(new FlushCounter(), queue);
    queue.attach(first);
    queue.detach(first);
    queue.offer(SMALL);
    first.runPendingTasks();
    assertEquals(0, framesWritten(first));
    EmbeddedChannel second = channel(new FlushCounter(), queue);
    queue.attach(second);
    second.runPendingTasks();
    assertEquals(1, framesWritten(second));
  }
}
