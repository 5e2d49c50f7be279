package io.spindle.web.health;

import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.spindle.node.application.NodeFacade;
import jakarta.inject.Inject;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * {@code GET /metrics}: the node's metrics ({@link NodeMetrics}) in the Prometheus text format
 * 0.0.4, or in OpenMetrics 1.0 text when the scraper asks for {@code application/openmetrics-text}
 * (as Prometheus does). Open to anyone, like {@code /health} (README, threat model): the numbers
 * say nothing about the files. Payara Micro's own MicroProfile Metrics is turned off where nodes
 * start (a pre-boot command), so that its {@code /metrics} context does not hide this one.
 */
@WebServlet(urlPatterns = "/metrics")
public class MetricsServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  private static final ExpositionFormatWriter OPEN_METRICS = OpenMetricsTextFormatWriter.create();
  private static final ExpositionFormatWriter PROMETHEUS_TEXT = PrometheusTextFormatWriter.create();

  @Inject transient NodeFacade node;

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    MetricSnapshots metrics = NodeMetrics.of(node.status(), node.ready(), node.counters());
    String accept = request.getHeader("Accept");
    ExpositionFormatWriter writer =
        accept != null && OPEN_METRICS.accepts(accept) ? OPEN_METRICS : PROMETHEUS_TEXT;
    response.setStatus(HttpServletResponse.SC_OK);
    response.setContentType(writer.getContentType());
    response.setHeader("Cache-Control", "no-store");
    writer.write(response.getOutputStream(), metrics);
  }
}
