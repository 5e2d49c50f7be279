/**
 * Wire code shared by every TCP port of Spindle: {@link io.spindle.wire.Varint32FrameDecoder} and
 * {@link io.spindle.wire.ProtobufFrameEncoder} (the varint32-length framing of raft.proto and
 * queue.proto, bounded before the body is buffered), {@link io.spindle.wire.ConnectionErrors} (one
 * rate-limited log line per bad connection, never the bytes it sent), {@link
 * io.spindle.wire.InvalidMessageException}, {@link io.spindle.wire.ClusterSecret} (the HMAC of the
 * handshakes) and {@link io.spindle.wire.Backoff} (redials with jitter). Depends on {@code
 * protocol} and Netty; the Raft transport, the queue server, the node's queue worker and federation
 * links, and discovery use it.
 */
package io.spindle.wire;
