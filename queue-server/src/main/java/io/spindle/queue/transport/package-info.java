/**
 * The queue server's port: clients and nodes over TCP with Netty, as length-prefixed protobuf
 * frames ({@code queue.proto} in the {@code protocol} module).
 *
 * <p>What lives here, in the Netty examples' shape: {@link
 * io.spindle.queue.transport.QueueTransportServer} (the listening socket), {@code
 * QueueChannelInitializer} (the pipeline: frame decoder with a maximum size, protobuf decoder,
 * encoder, handshake, message handler), {@code ServerHandshakeHandler} (client hello, or the node's
 * mutual HMAC challenge-response over the cluster secret), {@code ClientConnectionHandler} and
 * {@code NodeConnectionHandler}, and {@code ChannelPeer}, a connection with a bound on the bytes
 * waiting to be written to it.
 *
 * <p>Bad input on one connection (garbage, an oversized or truncated frame, a message out of place,
 * a failed handshake) closes that connection with one logged reason; the others carry on.
 *
 * <p>Threading: handlers run on Netty event loops and never block them; they hand work to the
 * {@link io.spindle.queue.service.QueueService}. Depends on the service and on the generated {@code
 * io.spindle.protocol.queue} classes; the service does not depend on this package.
 */
package io.spindle.queue.transport;
