package io.spindle.queue.spool;

import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * The uploads a {@link ChunkSpool} holds, by upload id and by request id, and what they take: the
 * disk bytes reserved in all and, per client, the bytes and the number of uploads. Admits a new
 * upload only within the spool's and the client's bounds ({@link SpoolSettings}).
 *
 * <p><b>Threading:</b> not thread-safe. It is the state the spool's monitor guards: every method is
 * called with the owning {@link ChunkSpool}'s monitor held. No I/O.
 */
final class UploadLedger {
  private final SpoolSettings limits;
  private final Map<String, SpoolUpload> uploads = new HashMap<>();
  private final Map<String, SpoolUpload> byRequest = new HashMap<>();
  private final Map<String, Usage> byOwner = new HashMap<>();
  private long reservedBytes;

  /** What one client's uploads take. */
  private static final class Usage {
    long bytes;
    int uploads;
  }

  UploadLedger(SpoolSettings limits) {
    this.limits = limits;
  }

  /** The upload with this id, or null. */
  SpoolUpload get(String uploadId) {
    return uploads.get(uploadId);
  }

  /** The upload this request started, or null. */
  SpoolUpload forRequest(String requestId) {
    return byRequest.get(requestId);
  }

  /** Every upload held (a view: not to be changed, nor kept past the monitor). */
  Collection<SpoolUpload> all() {
    return Collections.unmodifiableCollection(uploads.values());
  }

  int size() {
    return uploads.size();
  }

  long reservedBytes() {
    return reservedBytes;
  }

  /**
   * Whether one more upload for {@code owner}, taking {@code reservation} bytes, fits the spool's
   * bounds and, unless the owner is {@code ""} (unknown), the client's.
   *
   * @throws SpoolFullException it does not, saying which bound it would exceed
   */
  void checkRoom(String owner, long reservation) throws SpoolFullException {
    if (uploads.size() >= limits.maxUploads()) {
      throw new SpoolFullException(
          "the spool holds its maximum of " + limits.maxUploads() + " uploads");
    }
    if (reservedBytes + reservation > limits.maxBytes()) {
      throw new SpoolFullException(
          "the spool has room for "
              + (limits.maxBytes() - reservedBytes)
              + " more bytes on disk, and this upload takes "
              + reservation);
    }
    Usage usage = byOwner.getOrDefault(owner, new Usage());
    if (!owner.isEmpty() && usage.uploads >= limits.maxUploadsPerClient()) {
      throw new SpoolFullException(
          "this client has "
              + usage.uploads
              + " uploads under way, the most one client may have; finish or abandon some");
    }
    if (!owner.isEmpty() && usage.bytes + reservation > limits.maxBytesPerClient()) {
      throw new SpoolFullException(
          "this client's uploads take "
              + usage.bytes
              + " bytes of the spool and may take "
              + limits.maxBytesPerClient()
              + "; this upload needs "
              + reservation
              + " more");
    }
  }

  /** Holds {@code u} and counts its reservation against the spool and its owner. */
  void reserve(SpoolUpload u) {
    uploads.put(u.id, u);
    byRequest.put(u.spec.requestId(), u);
    reservedBytes += u.reservation;
    Usage usage = byOwner.computeIfAbsent(u.owner, o -> new Usage());
    usage.bytes += u.reservation;
    usage.uploads++;
  }

  /**
   * Forgets the upload, marks it {@link SpoolUpload#deleted deleted} and gives its reservation
   * back; returns it, or null if it was not held.
   */
  SpoolUpload forget(String uploadId) {
    SpoolUpload u = uploads.remove(uploadId);
    if (u != null) {
      u.deleted = true;
      byRequest.remove(u.spec.requestId(), u);
      reservedBytes -= u.reservation;
      Usage usage = byOwner.get(u.owner);
      if (usage != null) {
        usage.bytes -= u.reservation;
        if (--usage.uploads <= 0) {
          byOwner.remove(u.owner);
        }
      }
    }
    return u;
  }
}
