package io.spindle.queue.metrics;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Answers one connection's requests to the metrics port: {@code GET} (or {@code HEAD}) {@code
 * /metrics} with the metrics in the Prometheus text format 0.0.4, or OpenMetrics 1.0 text when the
 * scraper asks for {@code application/openmetrics-text}; another path 404, another method 405 (with
 * {@code Allow}), a request that does not parse 400, each with a one-line plain text reason, and
 * the connection closed after an error. Never blocks its event loop: the metrics come as a future,
 * answered when it completes.
 */
final class MetricsHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger LOG = Logger.getLogger(MetricsHttpHandler.class.getName());
  static final String PATH = "/metrics";
  private static final ExpositionFormatWriter OPEN_METRICS = OpenMetricsTextFormatWriter.create();
  private static final ExpositionFormatWriter PROMETHEUS_TEXT = PrometheusTextFormatWriter.create();

  private final Supplier<CompletableFuture<MetricSnapshots>> metrics;

  MetricsHttpHandler(Supplier<CompletableFuture<MetricSnapshots>> metrics) {
    this.metrics = metrics;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    if (request.decoderResult().isFailure()) {
      error(
          ctx,
          request.decoderResult().cause() instanceof io.netty.handler.codec.TooLongFrameException
              ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
              : HttpResponseStatus.BAD_REQUEST,
          "malformed HTTP request: " + request.decoderResult().cause().getMessage());
      return;
    }
    String path = new QueryStringDecoder(request.uri()).path();
    if (!path.equals(PATH)) {
      error(ctx, HttpResponseStatus.NOT_FOUND, "no such path: " + path + "; try GET " + PATH);
      return;
    }
    HttpMethod method = request.method();
    if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD)) {
      FullHttpResponse response =
          text(
              HttpResponseStatus.METHOD_NOT_ALLOWED,
              method + " is not allowed on " + PATH + "; use GET");
      response.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    String accept = request.headers().get(HttpHeaderNames.ACCEPT);
    ExpositionFormatWriter writer =
        accept != null && OPEN_METRICS.accepts(accept) ? OPEN_METRICS : PROMETHEUS_TEXT;
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    boolean head = method.equals(HttpMethod.HEAD);
    // One scrape at a time per connection: a client that pipelines waits for each answer.
    ctx.channel().config().setAutoRead(false);
    metrics
        .get()
        .whenComplete(
            (snapshots, failure) ->
                ctx.executor()
                    .execute(() -> answer(ctx, writer, snapshots, failure, keepAlive, head)));
  }

  private void answer(
      ChannelHandlerContext ctx,
      ExpositionFormatWriter writer,
      MetricSnapshots snapshots,
      Throwable failure,
      boolean keepAlive,
      boolean head) {
    if (failure != null) {
      LOG.log(Level.WARNING, "cannot collect the metrics", failure);
      error(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "metrics unavailable: " + failure);
      return;
    }
    ByteBuf body = ctx.alloc().buffer();
    try (ByteBufOutputStream out = new ByteBufOutputStream(body)) {
      writer.write(out, snapshots);
    } catch (IOException | RuntimeException e) {
      body.release();
      LOG.log(Level.WARNING, "cannot write the metrics", e);
      error(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, "cannot write the metrics: " + e);
      return;
    }
    int length = body.readableBytes();
    if (head) {
      body.release();
      body = Unpooled.EMPTY_BUFFER;
    }
    FullHttpResponse response =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, writer.getContentType());
    response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, length);
    response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    if (keepAlive) {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
      ctx.writeAndFlush(response);
      ctx.channel().config().setAutoRead(true);
    } else {
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
    if (event instanceof IdleStateEvent) {
      ctx.close();
      return;
    }
    super.userEventTriggered(ctx, event);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.fine(() -> "metrics connection " + ctx.channel().remoteAddress() + " failed: " + cause);
    ctx.close();
  }

  private static void error(ChannelHandlerContext ctx, HttpResponseStatus status, String reason) {
    ctx.writeAndFlush(text(status, reason)).addListener(ChannelFutureListener.CLOSE);
  }

  private static FullHttpResponse text(HttpResponseStatus status, String message) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            status,
            Unpooled.copiedBuffer(message + "\n", StandardCharsets.UTF_8));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
    response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    return response;
  }
}
