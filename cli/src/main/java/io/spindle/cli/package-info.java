/**
 * The {@code spindle} client: {@link io.spindle.cli.SpindleCli} and its subcommands over the queue
 * protocol ({@code queue.proto}): {@code Uploader} (inline or chunked writes with resends and
 * failover), {@code Downloader} (parallel, verified chunk fetches over HTTP), {@code ClusterClient}
 * (failover across queue servers, retries with the same request id) over the {@code queue-client}
 * module's {@link io.spindle.queue.client.QueueConnection} (one connection, blocking sockets, one
 * reader thread that also completes the futures of one-answer requests) and, for {@code bench
 * queue}, {@code RequestPipeline} (many requests in flight from one thread over a few connections,
 * BUSY retried) and {@code RandomContent} (large generated content uploaded without being held).
 * {@code GroupCommand}'s subcommands are group membership; {@code join --keep} and {@code watch}
 * run until interrupted, which they learn through {@code Interrupts} (SIGINT and SIGTERM, or a
 * test's hand).
 *
 * <p>Depends only on the {@code protocol} and {@code queue-client} modules, protobuf and picocli.
 * Results go to standard output (JSON with {@code --json}); errors and progress bars to standard
 * error.
 */
package io.spindle.cli;
