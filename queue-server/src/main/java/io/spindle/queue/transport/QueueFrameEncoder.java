package io.spindle.queue.transport;

import com.google.protobuf.CodedOutputStream;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import io.spindle.protocol.queue.QueueFrame;
import java.io.IOException;

/**
 * Writes a {@link QueueFrame} as a varint32 length and the message, straight into one buffer: the
 * bytes of Netty's {@code ProtobufEncoder} + {@code ProtobufVarint32LengthFieldPrepender} without
 * their intermediate copy (a chunk is a megabyte).
 */
@ChannelHandler.Sharable
final class QueueFrameEncoder extends MessageToByteEncoder<QueueFrame> {
  QueueFrameEncoder() {
    super(QueueFrame.class);
  }

  @Override
  protected ByteBuf allocateBuffer(
      ChannelHandlerContext ctx, QueueFrame frame, boolean preferDirect) {
    int body = frame.getSerializedSize();
    int size = CodedOutputStream.computeUInt32SizeNoTag(body) + body;
    return preferDirect ? ctx.alloc().ioBuffer(size) : ctx.alloc().heapBuffer(size);
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, QueueFrame frame, ByteBuf out)
      throws IOException {
    int body = frame.getSerializedSize();
    int size = CodedOutputStream.computeUInt32SizeNoTag(body) + body;
    out.ensureWritable(size);
    CodedOutputStream coded = CodedOutputStream.newInstance(out.nioBuffer(out.writerIndex(), size));
    coded.writeUInt32NoTag(body);
    frame.writeTo(coded);
    coded.flush();
    out.writerIndex(out.writerIndex() + size);
  }
}
