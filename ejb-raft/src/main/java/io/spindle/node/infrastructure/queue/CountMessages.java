package io.spindle.node.infrastructure.queue;

import com.google.protobuf.ByteString;
import io.spindle.node.domain.FileInfo;
import io.spindle.node.domain.FileName;
import io.spindle.node.domain.count.RangeCounts;
import io.spindle.node.domain.count.Word;
import io.spindle.node.domain.count.WordCount;
import io.spindle.protocol.queue.CountResult;
import io.spindle.protocol.queue.CountedRange;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The one mapper between a whole count's answer ({@link io.spindle.node.application.CountResult})
 * and its message on the queue ({@link CountResult}), and between a stored file's record and its
 * message ({@link io.spindle.protocol.queue.FileInfo}).
 */
public final class CountMessages {
  private static final HexFormat HEX = HexFormat.of();

  private CountMessages() {}

  public static CountResult toMessage(io.spindle.node.application.CountResult c) {
    CountResult.Builder r =
        CountResult.newBuilder()
            .setName(c.file().name().value())
            .setLines(c.counts().lines())
            .setWords(c.counts().words())
            .setBytes(c.counts().bytes())
            .setChars(c.counts().chars())
            .setLocale(CountRangeMessages.localeName(c.locale()))
            .setCached(c.cached())
            .setTopComplete(c.topComplete())
            .setSha256(ByteString.copyFrom(HEX.parseHex(c.file().sha256())))
            .setFile(toMessage(c.file()));
    for (WordCount w : c.top()) {
      r.addTopWords(
          io.spindle.protocol.queue.WordCount.newBuilder()
              .setWord(ByteString.copyFrom(w.word().keptBytes()))
              .setCount(w.count()));
    }
    for (io.spindle.node.application.CountResult.CountedRange range : c.ranges()) {
      r.addRanges(
          CountedRange.newBuilder()
              .setNodeId(range.node())
              .setStart(range.start())
              .setEnd(range.end())
              .setMillis(range.elapsed().toMillis()));
    }
    return r.build();
  }

  /**
   * The answer a node sent, as this node's own answer that took {@code elapsed}.
   *
   * @throws IllegalArgumentException if the message lacks the file, or names a bad one or locale
   */
  public static io.spindle.node.application.CountResult fromMessage(
      CountResult r, Duration elapsed) {
    if (!r.hasFile()) {
      throw new IllegalArgumentException("the count answer does not name the file it counted");
    }
    List<WordCount> top = new ArrayList<>();
    for (io.spindle.protocol.queue.WordCount w : r.getTopWordsList()) {
      top.add(new WordCount(Word.of(w.getWord().toByteArray()), w.getCount()));
    }
    List<io.spindle.node.application.CountResult.CountedRange> ranges = new ArrayList<>();
    for (CountedRange range : r.getRangesList()) {
      ranges.add(
          new io.spindle.node.application.CountResult.CountedRange(
              range.getNodeId(),
              range.getStart(),
              range.getEnd(),
              Duration.ofMillis(range.getMillis())));
    }
    return new io.spindle.node.application.CountResult(
        fromMessage(r.getFile()),
        CountRangeMessages.locale(r.getLocale()),
        new RangeCounts(
            r.getLines(), r.getWords(), r.getBytes(), r.getChars(), RangeCounts.First.NONE, false),
        top,
        r.getTopComplete(),
        ranges,
        elapsed,
        r.getCached());
  }

  public static io.spindle.protocol.queue.FileInfo toMessage(FileInfo f) {
    return io.spindle.protocol.queue.FileInfo.newBuilder()
        .setName(f.name().value())
        .setSize(f.size())
        .setSha256(ByteString.copyFrom(HEX.parseHex(f.sha256())))
        .setChunkCount(f.chunkCount())
        .setStoredAtMillis(f.storedAt().toEpochMilli())
        .build();
  }

  /**
   * @throws IllegalArgumentException for a bad name or a SHA-256 that is not 32 bytes
   */
  public static FileInfo fromMessage(io.spindle.protocol.queue.FileInfo f) {
    if (f.getSha256().size() != 32) {
      throw new IllegalArgumentException("a file's SHA-256 is 32 bytes");
    }
    return new FileInfo(
        FileName.of(f.getName()),
        f.getSize(),
        HEX.formatHex(f.getSha256().toByteArray()),
        f.getChunkCount(),
        Instant.ofEpochMilli(f.getStoredAtMillis()));
  }
}
