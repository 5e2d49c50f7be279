package io.spindle.web.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.node.application.ChunkRun;
import io.spindle.node.application.FileService;
import io.spindle.node.domain.FileInfo;
import io.spindle.node.domain.FileLayout;
import io.spindle.node.domain.FileName;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A plain GET of {@link FileResource} streams the very content its headers describe, even when the
 * file is replaced between the look-up and the body: the fault suite's readers must never get one
 * version's bytes under another's length and digest.
 */
class FileResourceReadTest {
  private static final FileName NAME = FileName.of("fault/k0");

  /** A file service whose file is replaced by the next version each time it is looked up. */
  private static final class ReplacedOnEveryStat implements FileService {
    private final List<byte[]> versions = new ArrayList<>();
    private int current;
    private final int replacements;

    ReplacedOnEveryStat(int chunks, int replacements, String... contents) {
      this.chunks = chunks;
      this.replacements = replacements;
      for (String c : contents) {
        versions.add(c.getBytes(StandardCharsets.UTF_8));
      }
    }

    private final int chunks;

    private FileInfo info(int version) {
      byte[] content = versions.get(version);
      return new FileInfo(NAME, content.length, sha(content), chunks, Instant.EPOCH);
    }

    @Override
    public Optional<FileInfo> stat(FileName name, boolean stale) {
      FileInfo found = info(current);
      if (current < replacements) {
        current++; // replaced right after this look-up
      }
      return Optional.of(found);
    }

    @Override
    public Optional<ChunkRun> chunkRun(
        FileName name, int first, int count, Optional<String> expectedSha256) {
      FileInfo now = info(current);
      return expectedSha256.get().equals(now.sha256())
          ? Optional.of(new ChunkRun("upload-" + current, 0, 1, now.size()))
          : Optional.empty();
    }

    @Override
    public void writeChunks(ChunkRun run, OutputStream out) throws IOException {
      out.write(versions.get(Integer.parseInt(run.uploadId().substring("upload-".length()))));
    }

    @Override
    public FileInfo put(FileName name, InputStream content, long expectedSize, String requestId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean delete(FileName name, String requestId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Optional<FileInfo> read(FileName name, boolean stale, OutputStream out) {
      throw new UnsupportedOperationException("a plain GET streams chunks of the upload it found");
    }

    @Override
    public List<FileInfo> list(boolean stale) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Optional<FileLayout> layout(FileName name, boolean stale) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Optional<byte[]> chunk(FileName name, int index, Optional<String> expectedSha256) {
      return expectedSha256.get().equals(info(current).sha256())
          ? Optional.of(versions.get(current))
          : Optional.empty();
    }
  }

  private static String sha(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /** The body the response would carry. */
  private static byte[] body(FileService files, FileResource.Found found) throws IOException {
    if (found.whole() != null) {
      return found.whole();
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    files.writeChunks(found.run(), out);
    return out.toByteArray();
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3})
  void aFileReplacedBeforeItsBodyIsLookedUpAgainAndServedWithItsOwnHeaders(int chunks)
      throws Exception {
    byte[] latest = "c3-100".getBytes(StandardCharsets.UTF_8);
    FileService files = new ReplacedOnEveryStat(chunks, 2, "c1-9", "c2-10", "c3-100");
    FileResource.Found found = FileResource.consistentContent(files, NAME, false).orElseThrow();
    assertEquals(latest.length, found.info().size());
    assertEquals(sha(latest), found.info().sha256());
    assertArrayEquals(latest, body(files, found));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3})
  void aFileReplacedOnEveryLookUpIsNotServed(int chunks) {
    String[] versions = new String[20];
    for (int i = 0; i < versions.length; i++) {
      versions[i] = "v" + i;
    }
    FileService files = new ReplacedOnEveryStat(chunks, versions.length - 1, versions);
    assertTrue(FileResource.consistentContent(files, NAME, false).isEmpty());
  }
}
