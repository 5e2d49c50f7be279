package io.spindle.queue.metrics;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The pipeline of a connection to the metrics port:
 *
 * <pre>
 *   idle        {@link IdleStateHandler}: a connection silent for {@value #IDLE_SECONDS} s is closed
 *   http        {@link HttpServerCodec}: request line at most {@value #MAX_INITIAL_LINE} bytes,
 *               headers at most {@value #MAX_HEADER_BYTES}
 *   aggregator  {@link HttpObjectAggregator}: whole requests, bodies of at most
 *               {@value #MAX_BODY_BYTES} bytes (a larger one is answered 413 and closed)
 *   handler     {@link MetricsHttpHandler}
 * </pre>
 *
 * Past {@value #MAX_CONNECTIONS} connections at once, a new one is closed as soon as it opens.
 */
final class MetricsHttpInitializer extends ChannelInitializer<Channel> {
  static final int MAX_CONNECTIONS = 32;
  static final int IDLE_SECONDS = 30;
  static final int MAX_INITIAL_LINE = 1024;
  static final int MAX_HEADER_BYTES = 8192;
  static final int MAX_BODY_BYTES = 1024;

  private final Supplier<CompletableFuture<MetricSnapshots>> metrics;
  private final AtomicInteger open = new AtomicInteger();

  MetricsHttpInitializer(Supplier<CompletableFuture<MetricSnapshots>> metrics) {
    this.metrics = metrics;
  }

  @Override
  protected void initChannel(Channel ch) {
    if (open.incrementAndGet() > MAX_CONNECTIONS) {
      open.decrementAndGet();
      ch.close();
      return;
    }
    ch.closeFuture().addListener(f -> open.decrementAndGet());
    ch.pipeline()
        .addLast("idle", new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS))
        .addLast("http", new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_BYTES, 8192))
        .addLast("aggregator", new HttpObjectAggregator(MAX_BODY_BYTES))
        .addLast("handler", new MetricsHttpHandler(metrics));
  }
}
