package io.spindle.queue.testing;

import com.google.protobuf.CodedOutputStream;
import io.spindle.protocol.queue.QueueFrame;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** Blocking varint32 framing of QueueFrames, as queue.proto describes, for test clients. */
public final class FrameIO {
  private FrameIO() {}

  /** Writes one frame and flushes; callers serialize writes to one stream. */
  public static void write(OutputStream out, QueueFrame frame) throws IOException {
    frame.writeDelimitedTo(out);
    out.flush();
  }

  /** The bytes of one frame on the wire: varint32 length and body. */
  public static byte[] encode(QueueFrame frame) {
    byte[] body = frame.toByteArray();
    byte[] out = new byte[CodedOutputStream.computeUInt32SizeNoTag(body.length) + body.length];
    CodedOutputStream c = CodedOutputStream.newInstance(out);
    try {
      c.writeUInt32NoTag(body.length);
      c.writeRawBytes(body);
      c.flush();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  /** Reads one frame; refuses a length above {@code maxFrameSize} before reading its body. */
  public static QueueFrame read(InputStream in, int maxFrameSize) throws IOException {
    int length = 0;
    for (int shift = 0; ; shift += 7) {
      if (shift >= 35) {
        throw new IOException("malformed frame length");
      }
      int b = in.read();
      if (b < 0) {
        if (shift == 0) {
          throw new EOFException("the connection closed");
        }
        throw new EOFException("the connection closed in a frame length");
      }
      length |= (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        break;
      }
    }
    if (length < 0 || length > maxFrameSize) {
      throw new IOException("frame of " + length + " bytes is over the limit " + maxFrameSize);
    }
    byte[] body = in.readNBytes(length);
    if (body.length < length) {
      throw new EOFException("the connection closed in the middle of a frame");
    }
    return QueueFrame.parseFrom(body);
  }
}
