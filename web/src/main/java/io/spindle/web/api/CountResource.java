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
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code GET /api/count?name=NAME&locale=c|utf8&top=N}: lines, words, bytes and characters of a
 * stored file exactly as GNU {@code wc} counts them in that locale (UTF-8 by default), with its
 * {@code top} most frequent words (10 by default). The count goes to the shared queue as the CLI's
 * does: the node that takes it coordinates it, every node counts ranges from its own copy, after a
 * linearizable read; counting the same content again is a look-up.
 */
@Path("count")
@Tag(name = "count", description = "Counting a stored file as GNU wc does")
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
public class CountResource {
  static final int DEFAULT_TOP = 10;

  @Inject FileCounter counts;

  @GET
  @Operation(
      operationId = "countFile",
      summary = "Count a file as wc -l -w -c -m, with its most frequent words",
      description =
          "Lines, words, bytes and characters exactly as GNU wc counts them in the locale, and"
              + " the most frequent words (case-folded; ties by bytes), with the ranges and the"
              + " nodes that counted them. Goes through the queue server's shared queue like the"
              + " CLI's count (counted on this node if it has no queue server connection), after"
              + " a linearizable read; cached by content.")
  @APIResponse(
      responseCode = "200",
      description = "The counts",
      content =
          @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "CountView")))
  @APIResponse(
      responseCode = "400",
      description =
          "No name, a name that is not a valid file name, a locale other than c or utf8, or top"
              + " not 0 to 1000",
      content =
          @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "ErrorBody")))
  @APIResponse(responseCode = "401", ref = SpindleApi.UNAUTHORIZED)
  @APIResponse(responseCode = "403", ref = SpindleApi.FORBIDDEN)
  @APIResponse(
      responseCode = "404",
      description = "There is no file of that name",
      content =
          @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "ErrorBody")))
  @APIResponse(responseCode = "500", ref = SpindleApi.FAILED)
  @APIResponse(responseCode = "503", ref = SpindleApi.UNAVAILABLE)
  public CountView count(
      @Parameter(description = "The file to count", required = true, example = "docs/notes.txt")
          @QueryParam("name")
          String name,
      @Parameter(
              description =
                  "c (bytes, as LC_ALL=C wc) or utf8 (characters, as LC_ALL=C.UTF-8 wc; the"
                      + " default)")
          @QueryParam("locale")
          String locale,
      @Parameter(description = "How many of the most frequent words to list: 0 to 1000 (10)")
          @QueryParam("top")
          String top) {
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
