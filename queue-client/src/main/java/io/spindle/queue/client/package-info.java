/**
 * The client side of the queue protocol ({@code queue.proto}) over blocking sockets: {@link
 * io.spindle.queue.client.QueueConnection} (one connection: the hello, requests with many in flight
 * and their replies routed by request id to a blocking stream or a future, upload chunks; one
 * daemon reader thread), {@link io.spindle.queue.client.QueueSocket} (the connect, TLS and the
 * ClientHello, then frames written and read as they are), {@link
 * io.spindle.queue.client.ServerAddress} and {@link io.spindle.queue.client.TokenRefusedException}.
 *
 * <p>Depends only on the {@code protocol} module and protobuf; the {@code spindle} client ({@code
 * cli}) and the queue server's tests use it.
 */
package io.spindle.queue.client;
