/**
 * The {@code spindle} client: {@link io.spindle.cli.SpindleCli} and its subcommands over the queue
 * protocol ({@code queue.proto}): {@code Uploader} (inline or chunked writes with resends and
 * failover), {@code Downloader} (parallel, verified chunk fetches over HTTP), {@code ClusterClient}
 * (failover across queue servers, retries with the same request id) and {@code QueueConnection}
 * (one connection, blocking sockets, one reader thread).
 *
 * <p>Depends only on the {@code protocol} module, protobuf and picocli. Results go to standard
 * output (JSON with {@code --json}); errors and progress bars to standard error.
 */
package io.spindle.cli;
