package io.spindle.raft.server.transport;

import static io.spindle.raft.server.transport.SampleMessages.PEER;
import static io.spindle.raft.server.transport.SampleMessages.SELF;
import static io.spindle.raft.server.transport.SampleMessages.assertSameMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.spindle.protocol.raft.AppendEntriesProto;
import io.spindle.protocol.raft.ClientReply;
import io.spindle.protocol.raft.ClientRequest;
import io.spindle.protocol.raft.HandshakeHello;
import io.spindle.protocol.raft.KeepAlive;
import io.spindle.protocol.raft.RaftFrame;
import io.spindle.raft.NodeId;
import io.spindle.raft.message.AppendEntries;
import io.spindle.raft.message.Heartbeat;
import io.spindle.raft.message.Message;
import io.spindle.raft.message.TimeoutNow;
import io.spindle.testkit.LogCapture;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The pipeline of an authenticated connection on an {@link EmbeddedChannel}: frames split anywhere
 * decode the same, and bad input closes the connection, with a logged reason, without reaching the
 * {@link InboundHandler}.
 */
class RaftCodecTest {
  private static final int MAX_FRAME_SIZE = 8 * 1024 * 1024;

  private final RecordingInboundHandler handler = new RecordingInboundHandler();
  private LogCapture log;

  @BeforeEach
  void captureLog() {
    log = LogCapture.start("io.spindle.raft.server.transport");
  }

  @AfterEach
  void stopCapture() {
    log.close();
  }

  /** The node side of a connection with {@link SampleMessages#PEER}, past the handshake. */
  private EmbeddedChannel peerConnection(int maxFrameSize) {
    EmbeddedChannel channel = new EmbeddedChannel();
    RaftChannelInitializer.addCodec(channel.pipeline(), maxFrameSize);
    Session session = new Session(PEER, false, channel.remoteAddress());
    channel
        .pipeline()
        .addLast(
            RaftChannelInitializer.MESSAGE_HANDLER,
            new RaftMessageHandler(SELF, session, handler, new OutboundQueue(1 << 20)));
    return channel;
  }

  private EmbeddedChannel peerConnection() {
    return peerConnection(MAX_FRAME_SIZE);
  }

  private EmbeddedChannel clientConnection(OutboundQueue replies) {
    EmbeddedChannel channel = new EmbeddedChannel();
    RaftChannelInitializer.addCodec(channel.pipeline(), MAX_FRAME_SIZE);
    Session session = new Session(null, false, channel.remoteAddress());
    replies.attach(channel);
    channel
        .pipeline()
        .addLast(
            RaftChannelInitializer.MESSAGE_HANDLER,
            new RaftMessageHandler(SELF, session, handler, replies));
    return channel;
  }

  /** The bytes the production encoder (protobuf encoder + varint32 prepender) writes. */
  static byte[] encode(RaftFrame frame) {
    EmbeddedChannel encoder = new EmbeddedChannel();
    RaftChannelInitializer.addCodec(encoder.pipeline(), MAX_FRAME_SIZE);
    encoder.writeOutbound(frame);
    byte[] bytes = drainOutbound(encoder);
    encoder.finishAndReleaseAll();
    return bytes;
  }

  static byte[] drainOutbound(EmbeddedChannel channel) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteBuf buf;
    while ((buf = channel.readOutbound()) != null) {
      byte[] chunk = new byte[buf.readableBytes()];
      buf.readBytes(chunk);
      buf.release();
      out.writeBytes(chunk);
    }
    return out.toByteArray();
  }

  private static ByteBuf slice(byte[] bytes, int from, int to) {
    return Unpooled.copiedBuffer(bytes, from, to - from);
  }

  private void assertClosedWithoutDelivery(EmbeddedChannel channel, String reason) {
    assertFalse(channel.isOpen(), "the connection should be closed");
    assertTrue(handler.nothingReceived(), "nothing may reach the handler: " + handler.messages);
    assertTrue(
        log.contains(Level.WARNING, "closing connection with peer n2 at embedded", reason),
        "a WARNING naming the remote and '"
            + reason
            + "' was expected in "
            + log.messages(Level.ALL));
  }

  // ---- frames split anywhere ----

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.spindle.raft.server.transport.SampleMessages#named")
  void aFrameSplitAtEveryByteDecodesIdentically(String name, Message message) {
    byte[] wire = encode(RaftMessageMapper.toFrame(message));
    for (int cut = 1; cut < wire.length; cut++) {
      handler.messages.clear();
      EmbeddedChannel channel = peerConnection();
      channel.writeInbound(slice(wire, 0, cut));
      assertTrue(handler.messages.isEmpty(), "decoded before the frame was complete, cut " + cut);
      channel.writeInbound(slice(wire, cut, wire.length));
      assertEquals(1, handler.messages.size(), "cut at " + cut);
      assertSameMessage(message, handler.messages.get(0));
      assertTrue(channel.isOpen());
      assertFalse(channel.finishAndReleaseAll());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.spindle.raft.server.transport.SampleMessages#named")
  void aFrameFedOneByteAtATimeDecodesIdentically(String name, Message message) {
    byte[] wire = encode(RaftMessageMapper.toFrame(message));
    EmbeddedChannel channel = peerConnection();
    for (int i = 0; i < wire.length; i++) {
      assertTrue(
          handler.messages.isEmpty(), "decoded after " + i + " of " + wire.length + " bytes");
      channel.writeInbound(slice(wire, i, i + 1));
    }
    assertEquals(1, handler.messages.size());
    assertSameMessage(message, handler.messages.get(0));
    assertTrue(channel.isOpen());
  }

  @Test
  void everyMessageInOneBufferDecodesInOrder() {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    List<Message> messages = SampleMessages.all();
    messages.forEach(m -> all.writeBytes(encode(RaftMessageMapper.toFrame(m))));
    EmbeddedChannel channel = peerConnection();
    channel.writeInbound(Unpooled.wrappedBuffer(all.toByteArray()));
    assertEquals(messages.size(), handler.messages.size());
    for (int i = 0; i < messages.size(); i++) {
      assertSameMessage(messages.get(i), handler.messages.get(i));
    }
  }

  @Test
  void aLargeFrameInOddChunksDecodesIdentically() {
    AppendEntries large = SampleMessages.appendEntries(4, 1024 * 1024, 7);
    byte[] wire = encode(RaftMessageMapper.toFrame(large));
    EmbeddedChannel channel = peerConnection();
    for (int from = 0; from < wire.length; from += 7919) {
      channel.writeInbound(slice(wire, from, Math.min(wire.length, from + 7919)));
    }
    assertEquals(1, handler.messages.size());
    assertSameMessage(large, handler.messages.get(0));
  }

  // ---- bad input ----

  @Test
  void garbageClosesTheConnection() {
    EmbeddedChannel channel = peerConnection();
    channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {5, -1, -1, -1, -1, -1}));
    assertClosedWithoutDelivery(channel, "InvalidProtocolBufferException");
  }

  @Test
  void anHttpRequestClosesTheConnection() {
    EmbeddedChannel channel = peerConnection();
    String request =
        "GET / HTTP/1.1\r\nHost: node1:7000\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n"
            + "Connection: keep-alive\r\n\r\n";
    channel.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.US_ASCII));
    assertFalse(channel.isOpen());
    assertTrue(handler.nothingReceived());
  }

  @Test
  void randomBytesCloseTheConnection() {
    for (long seed = 0; seed < 20; seed++) {
      EmbeddedChannel channel = peerConnection(64 * 1024);
      channel.writeInbound(Unpooled.wrappedBuffer(SampleMessages.bytes(128 * 1024, seed)));
      assertFalse(channel.isOpen(), "seed " + seed);
      assertTrue(handler.nothingReceived(), "seed " + seed);
    }
  }

  @Test
  void aMalformedLengthPrefixClosesTheConnection() {
    EmbeddedChannel channel = peerConnection();
    channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {-1, -1, -1, -1, -1, -1}));
    assertClosedWithoutDelivery(channel, "malformed length prefix: longer than 5 bytes");
  }

  @Test
  void anOversizedLengthPrefixIsRejectedBeforeItsBodyArrives() {
    EmbeddedChannel channel = peerConnection(1024);
    ByteBuf prefix = Unpooled.wrappedBuffer(new byte[] {(byte) 0x81, 0x08}); // 1025
    channel.writeInbound(prefix);
    assertEquals(0, prefix.refCnt(), "the decoder kept nothing of the oversized frame");
    assertClosedWithoutDelivery(channel, "frame of 1025 bytes exceeds the maximum of 1024 bytes");
  }

  @Test
  void aLengthPrefixOfTwoGigabytesIsRejectedWithoutAllocatingIt() {
    EmbeddedChannel channel = peerConnection();
    channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {-1, -1, -1, -1, 7})); // 2^31 - 1
    assertClosedWithoutDelivery(channel, "frame of 2147483647 bytes exceeds the maximum");
    EmbeddedChannel other = peerConnection();
    other.writeInbound(Unpooled.wrappedBuffer(new byte[] {-1, -1, -1, -1, 15})); // 2^32 - 1
    assertFalse(other.isOpen());
    assertTrue(log.contains(Level.WARNING, "length prefix above 2^31 - 1"));
  }

  @Test
  void aFrameTruncatedByTheEndOfTheStreamIsReportedAndNeverDelivered() {
    byte[] wire = encode(RaftMessageMapper.toFrame(new Heartbeat(PEER, SELF, 1, 2, 3)));
    EmbeddedChannel channel = peerConnection();
    channel.writeInbound(slice(wire, 0, wire.length - 2));
    assertTrue(channel.isOpen());
    channel.close();
    assertClosedWithoutDelivery(channel, "connection closed in the middle of a frame");
  }

  @Test
  void invalidProtobufContentClosesTheConnection() {
    AppendEntriesProto noSender =
        RaftMessageMapper.toFrame(new AppendEntries(PEER, SELF, 1, 0, 0, List.of(), 0))
            .getAppendEntries()
            .toBuilder()
            .clearFrom()
            .build();
    EmbeddedChannel channel = peerConnection();
    channel.writeInbound(
        Unpooled.wrappedBuffer(encode(RaftFrame.newBuilder().setAppendEntries(noSender).build())));
    assertClosedWithoutDelivery(channel, "invalid AppendEntries: from node id is missing");
  }

  @Test
  void anEmptyFrameClosesTheConnection() {
    EmbeddedChannel channel = peerConnection();
    channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {0}));
    assertClosedWithoutDelivery(channel, "empty frame");
  }

  @Test
  void aPeerCannotSpeakForAnotherNode() {
    EmbeddedChannel channel = peerConnection();
    channel.writeInbound(
        Unpooled.wrappedBuffer(
            encode(RaftMessageMapper.toFrame(new TimeoutNow(NodeId.of("n3"), SELF, 4)))));
    assertClosedWithoutDelivery(channel, "sent a message from n3");
  }

  @Test
  void aMessageForAnotherNodeClosesTheConnection() {
    EmbeddedChannel channel = peerConnection();
    channel.writeInbound(
        Unpooled.wrappedBuffer(
            encode(RaftMessageMapper.toFrame(new TimeoutNow(PEER, NodeId.of("n3"), 4)))));
    assertClosedWithoutDelivery(channel, "a message for n3");
  }

  @Test
  void handshakeAndClientFramesAreNotPeerMessages() {
    EmbeddedChannel hello = peerConnection();
    hello.writeInbound(
        Unpooled.wrappedBuffer(
            encode(RaftFrame.newBuilder().setHello(HandshakeHello.getDefaultInstance()).build())));
    assertClosedWithoutDelivery(hello, "not a Raft message: HELLO");
    EmbeddedChannel request = peerConnection();
    request.writeInbound(
        Unpooled.wrappedBuffer(
            encode(
                RaftFrame.newBuilder()
                    .setClientRequest(ClientRequest.newBuilder().setRequestId(1))
                    .build())));
    assertClosedWithoutDelivery(request, "not a Raft message: CLIENT_REQUEST");
  }

  @Test
  void aKeepAliveIsIgnored() {
    EmbeddedChannel channel = peerConnection();
    channel.writeInbound(
        Unpooled.wrappedBuffer(
            encode(RaftFrame.newBuilder().setKeepAlive(KeepAlive.getDefaultInstance()).build())));
    assertTrue(channel.isOpen());
    assertTrue(handler.nothingReceived());
  }

  @Test
  void anIdleConnectionSendsKeepAlivesAndASilentOneIsClosed() {
    EmbeddedChannel channel = peerConnection();
    channel.pipeline().fireUserEventTriggered(IdleStateEvent.WRITER_IDLE_STATE_EVENT);
    EmbeddedChannel decoder = new EmbeddedChannel();
    RaftChannelInitializer.addCodec(decoder.pipeline(), MAX_FRAME_SIZE);
    decoder.writeInbound(Unpooled.wrappedBuffer(drainOutbound(channel)));
    assertEquals(RaftFrame.BodyCase.KEEP_ALIVE, ((RaftFrame) decoder.readInbound()).getBodyCase());
    assertTrue(channel.isOpen());

    channel.pipeline().fireUserEventTriggered(IdleStateEvent.READER_IDLE_STATE_EVENT);
    assertClosedWithoutDelivery(channel, "nothing received for 10 s");
  }

  @Test
  void aClientRequestIsDeliveredAndAnsweredOnceWithItsId() {
    OutboundQueue replies = new OutboundQueue(1 << 20);
    EmbeddedChannel channel = clientConnection(replies);
    ClientRequest request =
        ClientRequest.newBuilder()
            .setRequestId(42)
            .setCommand(com.google.protobuf.ByteString.copyFromUtf8("put a=1"))
            .build();
    channel.writeInbound(
        Unpooled.wrappedBuffer(encode(RaftFrame.newBuilder().setClientRequest(request).build())));
    assertEquals(List.of(request), handler.requests);

    handler.replies.get(0).accept(ClientReply.newBuilder().setIndex(7).build()); // no id set
    assertThrows(
        IllegalStateException.class,
        () -> handler.replies.get(0).accept(ClientReply.getDefaultInstance()));
    channel.runPendingTasks();

    EmbeddedChannel decoder = new EmbeddedChannel();
    RaftChannelInitializer.addCodec(decoder.pipeline(), MAX_FRAME_SIZE);
    decoder.writeInbound(Unpooled.wrappedBuffer(drainOutbound(channel)));
    RaftFrame reply = decoder.readInbound();
    assertEquals(42, reply.getClientReply().getRequestId(), "the transport stamps the id");
    assertEquals(7, reply.getClientReply().getIndex());
    assertNull(decoder.readInbound(), "exactly one reply");
  }

  @Test
  void aClientCannotSendPeerMessages() {
    EmbeddedChannel channel = clientConnection(new OutboundQueue(1 << 20));
    channel.writeInbound(
        Unpooled.wrappedBuffer(encode(RaftMessageMapper.toFrame(new TimeoutNow(PEER, SELF, 1)))));
    assertFalse(channel.isOpen());
    assertTrue(handler.nothingReceived());
    assertTrue(log.contains(Level.WARNING, "client at embedded", "not a ClientRequest"));
  }
}
