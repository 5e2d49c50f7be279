package io.spindle.web.api;

import io.spindle.node.application.CountService;
import io.spindle.node.application.FileCounter;
import io.spindle.node.domain.FileName;
import io.spindle.node.domain.count.WcLocale;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.Locale;

/**
 * {@code GET /api/count?name=NAME&locale=c|utf8&top=N}: lines, words, bytes and characters of a
 * stored file exactly as GNU {@code wc} counts them in that locale (UTF-8 by default), with its
 * {@code top} most frequent words (10 by default). The count goes to the shared queue as the CLI's
 * does: the node that takes it coordinates it, every node counts ranges from its own copy, after a
 * linearizable read; counting the same content again is a look-up.
 */
@Path("count")
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
public class CountResource {
  static final int DEFAULT_TOP = 10;

  @Inject FileCounter counts;

  @GET
  public CountView count(
      @QueryParam("name") String name,
      @QueryParam("locale") String locale,
      @QueryParam("top") String top) {
    if (name == null || name.isEmpty()) {
      throw new BadRequestException(
          "say which file to count: /api/count?name=FILE (&locale=c|utf8&top=N)");
    }
    FileName fileName = FileName.of(name);
    WcLocale wcLocale = locale(locale);
    int topWords = top(top);
    return counts
        .count(fileName, wcLocale, topWords)
        .map(CountView::of)
        .orElseThrow(() -> new NotFoundException("there is no file named '" + name + "'"));
  }

  static WcLocale locale(String value) {
    if (value == null || value.isBlank()) {
      return WcLocale.UTF8;
    }
    switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "c":
      case "posix":
        return WcLocale.C;
      case "utf8":
      case "utf-8":
      case "c.utf-8":
        return WcLocale.UTF8;
      default:
        throw new BadRequestException(
            "the locale is c or utf8 (as LC_ALL=C or LC_ALL=C.UTF-8 wc), not '" + value + "'");
    }
  }

  static int top(String value) {
    if (value == null || value.isBlank()) {
      return DEFAULT_TOP;
    }
    try {
      int n = Integer.parseInt(value.trim());
      if (n >= 0 && n <= CountService.MAX_TOP) {
        return n;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new BadRequestException(
        "top is how many frequent words to list, 0 to "
            + CountService.MAX_TOP
            + ", not '"
            + value
            + "'");
  }
}
