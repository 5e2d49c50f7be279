package io.spindle.wire;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import java.io.IOException;

/**
 * Writes a protobuf message of type {@code T} as a varint32 length and the message, straight into
 * one (direct, by default) buffer: the same bytes as Netty's {@code ProtobufEncoder} followed by
 * {@code ProtobufVarint32LengthFieldPrepender}, without their intermediate byte array and second
 * copy — which for a 1 MiB AppendEntries or upload chunk is a megabyte per frame. The reading side
 * is {@link Varint32FrameDecoder}.
 *
 * @param <T> the frame type of the protocol (RaftFrame, QueueFrame)
 */
@ChannelHandler.Sharable
public final class ProtobufFrameEncoder<T extends MessageLite> extends MessageToByteEncoder<T> {
  public ProtobufFrameEncoder(Class<T> frameType) {
    super(frameType);
  }

  @Override
  protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, T frame, boolean preferDirect) {
    int body = frame.getSerializedSize();
    int size = CodedOutputStream.computeUInt32SizeNoTag(body) + body;
    return preferDirect ? ctx.alloc().ioBuffer(size) : ctx.alloc().heapBuffer(size);
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, T frame, ByteBuf out) throws IOException {
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
