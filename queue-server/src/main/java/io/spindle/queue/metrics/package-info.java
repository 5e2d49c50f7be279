/**
 * The queue server's metrics port: {@code GET /metrics} over HTTP/1.1 in the Prometheus text
 * formats ({@link io.spindle.queue.metrics.MetricsHttpServer} + {@link
 * io.spindle.queue.metrics.MetricsHttpInitializer} + {@link
 * io.spindle.queue.metrics.MetricsHttpHandler}, on Netty), the numbers from {@link
 * io.spindle.queue.metrics.QueueMetrics}. It depends on {@code service} (the numbers) and is
 * started by {@code io.spindle.queue.QueueServer}; nothing else depends on it.
 */
package io.spindle.queue.metrics;
