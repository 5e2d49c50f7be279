package io.spindle.web.api;

import io.spindle.node.application.CountResult;
import io.spindle.node.domain.count.WcLocale;
import jakarta.json.bind.annotation.JsonbPropertyOrder;
import java.util.List;

/**
 * {@code GET /api/count}: a file counted as {@code wc -l -w -c -m} counts it, and its top words.
 */
@JsonbPropertyOrder({
  "name",
  "sha256",
  "locale",
  "lines",
  "words",
  "bytes",
  "chars",
  "top",
  "topComplete",
  "ranges",
  "millis",
  "cached"
})
public record CountView(
    String name,
    String sha256,
    String locale,
    long lines,
    long words,
    long bytes,
    long chars,
    List<WordView> top,
    boolean topComplete,
    List<RangeView> ranges,
    long millis,
    boolean cached) {

  /** A frequent word (case-folded; invalid UTF-8 shows as U+FFFD) and how often it occurs. */
  @JsonbPropertyOrder({"word", "count"})
  public record WordView(String word, long count) {}

  /** Which node counted bytes {@code [start, end)}, in how many ms. */
  @JsonbPropertyOrder({"node", "start", "end", "millis"})
  public record RangeView(String node, long start, long end, long millis) {}

  static String localeName(WcLocale locale) {
    return locale == WcLocale.C ? "c" : "utf8";
  }

  static CountView of(CountResult r) {
    return new CountView(
        r.file().name().value(),
        r.file().sha256(),
        localeName(r.locale()),
        r.counts().lines(),
        r.counts().words(),
        r.counts().bytes(),
        r.counts().chars(),
        r.top().stream().map(w -> new WordView(w.word().text(), w.count())).toList(),
        r.topComplete(),
        r.ranges().stream()
            .map(c -> new RangeView(c.node(), c.start(), c.end(), c.elapsed().toMillis()))
            .toList(),
        r.elapsed().toMillis(),
        r.cached());
  }
}
