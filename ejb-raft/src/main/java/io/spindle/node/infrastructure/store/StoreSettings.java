package io.spindle.node.infrastructure.store;

/**
 * The state machine's deterministic garbage-collection rule, in log entries (never wall-clock time,
 * so that every replica deletes the same rows at the same log index).
 *
 * @param gcEveryEntries garbage is collected while applying each entry whose index is a multiple of
 *     this
 * @param stagedUploadTtlEntries a staged upload whose latest chunk is this many entries behind is
 *     abandoned: its chunks are deleted
 * @param requestTtlEntries a request id is remembered (deduplicated) for this many entries
 */
public record StoreSettings(
    long gcEveryEntries, long stagedUploadTtlEntries, long requestTtlEntries) {
  public StoreSettings {
    if (gcEveryEntries < 1 || stagedUploadTtlEntries < 1 || requestTtlEntries < 1) {
      throw new IllegalArgumentException("garbage-collection periods must be positive");
    }
  }

  /**
   * GC every 64 entries; staged uploads idle 10,000 entries and request ids older than 100,000 go.
   */
  public static StoreSettings defaults() {
    return new StoreSettings(64, 10_000, 100_000);
  }
}
