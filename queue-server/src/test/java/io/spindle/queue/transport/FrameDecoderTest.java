package io.spindle.queue.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.protobuf.ProtobufDecoder;
import io.spindle.protocol.queue.QueueFrame;
import io.spindle.protocol.queue.WriteChunk;
import io.spindle.queue.testing.FrameIO;
import io.spindle.wire.ProtobufFrameEncoder;
import io.spindle.wire.Varint32FrameDecoder;
import org.junit.jupiter.api.Test;

/** The decoder on an {@link EmbeddedChannel}: frames split anywhere decode the same. */
class FrameDecoderTest {
  private static EmbeddedChannel decoder(int max) {
    return new EmbeddedChannel(
        new Varint32FrameDecoder(max), new ProtobufDecoder(QueueFrame.getDefaultInstance()));
  }

  @Test
  void aFrameSplitAtEveryByteDecodesIdentically() {
    QueueFrame frame =
        QueueFrame.newBuilder()
            .setWriteChunk(
                WriteChunk.newBuilder()
                    .setUploadId("u0123")
                    .setIndex(7)
                    .setSha256(ByteString.copyFrom(new byte[32]))
                    .setData(ByteString.copyFrom(new byte[300])))
            .build();
    byte[] wire = FrameIO.encode(frame);
    for (int cut = 1; cut < wire.length; cut++) {
      EmbeddedChannel ch = decoder(4096);
      ch.writeInbound(Unpooled.copiedBuffer(wire, 0, cut));
      assertNull(ch.readInbound(), "decoded before complete, cut at " + cut);
      ch.writeInbound(Unpooled.copiedBuffer(wire, cut, wire.length - cut));
      assertEquals(frame, ch.readInbound(), "cut at " + cut);
      ch.finishAndReleaseAll();
    }
  }

  @Test
  void aQueueFrameEncodesToTheBytesOfTheLibraryEncoders() {
    QueueFrame frame =
        QueueFrame.newBuilder()
            .setWriteChunk(WriteChunk.newBuilder().setUploadId("u1").setIndex(1))
            .build();
    EmbeddedChannel ch = new EmbeddedChannel(new ProtobufFrameEncoder<>(QueueFrame.class));
    ch.writeOutbound(frame);
    io.netty.buffer.ByteBuf out = ch.readOutbound();
    byte[] bytes = new byte[out.readableBytes()];
    out.readBytes(bytes);
    out.release();
    org.junit.jupiter.api.Assertions.assertArrayEquals(FrameIO.encode(frame), bytes);
  }

  @Test
  void aLengthOverTheMaximumFailsBeforeTheBodyArrives() {
    EmbeddedChannel ch = decoder(100);
    DecoderException e =
        assertThrows(
            DecoderException.class,
            () -> ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {101})));
    assertEquals("frame of 101 bytes exceeds the maximum of 100 bytes", e.getMessage());
  }
}
