package io.spindle.web.page;

import io.spindle.node.application.NodeFacade;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.inject.Named;

/** What the page shows before its script runs: which node this is and the upload limit. */
@Named("page")
@RequestScoped
public class PageBean {
  @Inject NodeFacade node;

  public String getNodeId() {
    return node.status().nodeId();
  }

  public String getHttpUrl() {
    return node.httpUrl().toString();
  }

  public long getMaxBytes() {
    return node.maxFileBytes();
  }

  /** The limit for people: "1 MiB", "4 GiB". */
  public String getMaxSize() {
    return humanBytes(node.maxFileBytes());
  }

  static String humanBytes(long bytes) {
    String[] units = {"bytes", "KiB", "MiB", "GiB", "TiB"};
    double value = bytes;
    int unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return unit == 0
        ? bytes + " bytes"
        : (value == Math.rint(value)
                ? String.valueOf((long) value)
                : String.format(java.util.Locale.ROOT, "%.1f", value))
            + " "
            + units[unit];
  }
}
