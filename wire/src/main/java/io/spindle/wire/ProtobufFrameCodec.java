package io.spindle.wire;

import com.google.protobuf.MessageLite;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.protobuf.ProtobufDecoder;

/**
 * The three codec handlers of a Spindle protocol's channel (the Raft port's RaftFrame, the queue
 * port's QueueFrame), added in order: {@link #FRAME_DECODER} (a {@link Varint32FrameDecoder} with a
 * frame limit), {@link #PROTOBUF_DECODER} and {@link #FRAME_ENCODER} (a {@link
 * ProtobufFrameEncoder}). The same on servers and clients, so the bytes on the wire are made in one
 * place.
 *
 * <p>Thread-safe and stateless: the decoder and encoder it adds are {@code @Sharable}, one pair per
 * codec for every channel; only the frame decoder is new per channel, since it holds a partial
 * frame and its limit (raised with {@link #frameDecoder(ChannelPipeline)} once a peer is trusted).
 *
 * @param <T> the frame type
 */
public final class ProtobufFrameCodec<T extends MessageLite> {
  public static final String FRAME_DECODER = "frameDecoder";
  public static final String PROTOBUF_DECODER = "protobufDecoder";
  public static final String FRAME_ENCODER = "frameEncoder";

  private final ProtobufDecoder decoder;
  private final ProtobufFrameEncoder<T> encoder;

  private ProtobufFrameCodec(T prototype, Class<T> frameType) {
    this.decoder = new ProtobufDecoder(prototype);
    this.encoder = new ProtobufFrameEncoder<>(frameType);
  }

  /** The codec of frames of {@code frameType}, whose default instance is {@code prototype}. */
  public static <T extends MessageLite> ProtobufFrameCodec<T> of(T prototype, Class<T> frameType) {
    return new ProtobufFrameCodec<>(prototype, frameType);
  }

  /** Adds the three handlers at the end of {@code pipeline}; longer frames close the channel. */
  public void addTo(ChannelPipeline pipeline, int maxFrameSize) {
    pipeline.addLast(FRAME_DECODER, new Varint32FrameDecoder(maxFrameSize));
    pipeline.addLast(PROTOBUF_DECODER, decoder);
    pipeline.addLast(FRAME_ENCODER, encoder);
  }

  /** The frame decoder this codec added to {@code pipeline}, to change its limit. */
  public static Varint32FrameDecoder frameDecoder(ChannelPipeline pipeline) {
    return (Varint32FrameDecoder) pipeline.get(FRAME_DECODER);
  }
}
