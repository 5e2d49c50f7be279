package io.spindle.queue.spool;

import static io.spindle.queue.spool.SpoolFiles.CHUNK_FILE;
import static io.spindle.queue.spool.SpoolFiles.HEX;
import static io.spindle.queue.spool.SpoolFiles.SPEC_FILE;
import static io.spindle.queue.spool.SpoolFiles.UPLOAD_ID;
import static io.spindle.queue.spool.SpoolFiles.deleteTree;
import static io.spindle.queue.spool.SpoolFiles.readSpec;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.stream.Stream;

/**
 * The scan of the spool directory when a {@link ChunkSpool} opens: each upload directory with a
 * readable spec comes back with the chunks whose file name and size are right (their hash is taken
 * from the name, the content is not read); temporary and stray files inside it are deleted, and so
 * are directories without a readable spec and a second directory for the same request id. Other
 * entries are left alone, with a warning.
 *
 * <p><b>Threading:</b> runs once, on the thread that calls {@link ChunkSpool#open}, before the
 * spool is handed to anyone; blocks on disk.
 */
final class SpoolRecovery {
  // The spool's logger: these lines are the spool's, and configured with it.
  private static final Logger LOG = Logger.getLogger(ChunkSpool.class.getName());

  private SpoolRecovery() {}

  /**
   * Scans {@code dir} and offers each upload found to {@code adopt}, which takes it (true) or
   * refuses it because its request already has an upload (false: its directory is deleted).
   * Recovered uploads belong to no client ({@code ""}) and count as active now.
   *
   * @param diskBytes what an upload with this spec reserves on disk
   * @return how many uploads were adopted
   */
  static int recover(
      Path dir,
      InstantSource clock,
      ToLongFunction<UploadSpec> diskBytes,
      Predicate<SpoolUpload> adopt)
      throws IOException {
    int resumed = 0;
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        if (!Files.isDirectory(entry) || !UPLOAD_ID.matcher(name).matches()) {
          LOG.warning(() -> "ignoring " + entry + " in the spool: not an upload directory");
          continue;
        }
        UploadSpec spec;
        try {
          spec = readSpec(entry);
        } catch (IOException | RuntimeException e) {
          LOG.warning(
              () -> "deleting spool upload " + name + ": its spec is unreadable (" + e + ")");
          deleteTree(entry);
          continue;
        }
        SpoolUpload u =
            new SpoolUpload(name, spec, entry, "", diskBytes.applyAsLong(spec), clock.millis());
        try (Stream<Path> files = Files.list(entry)) {
          for (Path f : (Iterable<Path>) files::iterator) {
            String fn = f.getFileName().toString();
            Matcher m = CHUNK_FILE.matcher(fn);
            if (m.matches()) {
              long index = Long.parseLong(m.group(1));
              if (index < spec.chunkCount()
                  && Files.size(f) == spec.chunkLength((int) index)
                  && !u.present.get((int) index)) {
                u.present.set((int) index);
                u.hashes[(int) index] = HEX.parseHex(m.group(2));
                continue;
              }
            }
            if (!fn.equals(SPEC_FILE)) {
              Files.deleteIfExists(f);
            }
          }
        }
        if (!adopt.test(u)) {
          deleteTree(entry);
          continue;
        }
        resumed++;
      }
    }
    if (resumed > 0) {
      int n = resumed;
      LOG.info(() -> "spool " + dir + ": " + n + " unfinished uploads resumed");
    }
    return resumed;
  }
}
