package io.spindle.wire;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import java.util.List;

/**
 * Splits the stream into frames of a varint32 length followed by that many bytes, the framing of
 * Netty's {@code ProtobufVarint32FrameDecoder} and {@code ProtobufVarint32LengthFieldPrepender},
 * with a maximum frame size: a longer length prefix is rejected as soon as it is read, before any
 * of its body is buffered.
 *
 * <p>Any malformed input (a length prefix of more than five bytes or above 2^31 - 1, a frame over
 * the maximum, a frame cut short by the end of the stream) throws a {@link DecoderException} for
 * the connection's handler to close on; after that the decoder discards everything, so one bad
 * connection produces one reason.
 *
 * <p>The maximum starts small while the handshake runs and is raised once the remote is
 * authenticated, so an unauthenticated connection cannot make a server or node buffer a large
 * frame.
 */
public final class Varint32FrameDecoder extends ByteToMessageDecoder {
  private int maxFrameSize;
  private boolean failed;

  public Varint32FrameDecoder(int maxFrameSize) {
    setMaxFrameSize(maxFrameSize);
  }

  /** Only on the channel's event loop. */
  public void setMaxFrameSize(int maxFrameSize) {
    if (maxFrameSize <= 0) {
      throw new IllegalArgumentException("maxFrameSize must be positive: " + maxFrameSize);
    }
    this.maxFrameSize = maxFrameSize;
  }

  public int maxFrameSize() {
    return maxFrameSize;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (failed) {
      in.skipBytes(in.readableBytes());
      return;
    }
    int start = in.readerIndex();
    long length = readLengthPrefix(in);
    if (length < 0) {
      in.readerIndex(start); // the prefix itself is incomplete
      return;
    }
    if (length > maxFrameSize) {
      throw fail(
          new TooLongFrameException(
              "frame of " + length + " bytes exceeds the maximum of " + maxFrameSize + " bytes"));
    }
    if (in.readableBytes() < length) {
      in.readerIndex(start);
      return;
    }
    out.add(in.readRetainedSlice((int) length));
  }

  @Override
  protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (!failed && in.isReadable()) {
      decode(ctx, in, out);
    }
    if (!failed && in.isReadable()) {
      int leftover = in.readableBytes();
      throw fail(
          new CorruptedFrameException(
              "connection closed in the middle of a frame ("
                  + leftover
                  + " bytes of it received)"));
    }
    in.skipBytes(in.readableBytes());
  }

  /** The length, or -1 if more bytes are needed to know it. */
  private long readLengthPrefix(ByteBuf in) {
    long length = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      if (!in.isReadable()) {
        return -1;
      }
      byte b = in.readByte();
      length |= (long) (b & 0x7F) << shift;
      if (b >= 0) {
        if (length > Integer.MAX_VALUE) {
          throw fail(new CorruptedFrameException("length prefix above 2^31 - 1: " + length));
        }
        return length;
      }
    }
    throw fail(new CorruptedFrameException("malformed length prefix: longer than 5 bytes"));
  }

  private DecoderException fail(DecoderException e) {
    failed = true;
    return e;
  }
}
