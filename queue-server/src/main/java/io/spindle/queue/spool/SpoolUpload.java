package io.spindle.queue.spool;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * One upload the {@link ChunkSpool} holds: its spec and directory, the client it counts against,
 * the disk bytes reserved for it, and which chunks it has received.
 *
 * <p><b>Threading:</b> the final fields are read without a lock; {@link #present}, {@link #hashes},
 * {@link #lastActivityMillis}, {@link #pins} and {@link #deleted} are guarded by the owning {@link
 * ChunkSpool}'s monitor, as is {@link #missing}.
 */
final class SpoolUpload {
  final String id;
  final UploadSpec spec;
  final Path dir;
  final String owner;
  final long reservation;
  final BitSet present;
  final byte[][] hashes;
  long lastActivityMillis;
  int pins;
  boolean deleted;

  SpoolUpload(String id, UploadSpec spec, Path dir, String owner, long reservation, long now) {
    this.id = id;
    this.spec = spec;
    this.dir = dir;
    this.owner = owner;
    this.reservation = reservation;
    this.present = new BitSet(spec.chunkCount());
    this.hashes = new byte[spec.chunkCount()][];
    this.lastActivityMillis = now;
  }

  /** The indexes not yet received, ascending. */
  List<Integer> missing() {
    List<Integer> out = new ArrayList<>();
    for (int i = present.nextClearBit(0); i < spec.chunkCount(); i = present.nextClearBit(i + 1)) {
      out.add(i);
    }
    return out;
  }
}
