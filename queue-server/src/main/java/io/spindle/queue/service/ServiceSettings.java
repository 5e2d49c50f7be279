package io.spindle.queue.service;

import io.spindle.queue.spool.UploadSpec;
import java.time.Duration;
import java.util.Objects;

/**
 * How the queue service treats requests.
 *
 * @param serverId this queue server's id (its advertised address by default)
 * @param clusterId the cluster it serves
 * @param advertisedAddress host:port clients and nodes reach it at (for the cluster view)
 * @param maxFrameSize the frame limit after the handshake, announced in Welcome
 * @param maxInlineBytes writes up to this size travel whole in WriteBegin and in the job
 * @param maxChunkSize the largest chunk a client may send
 * @param defaultChunkSize the chunk size suggested to clients
 * @param maxFileSize the largest write the queue server accepts
 * @param queueTimeout how long a job may wait in a queue, unless the request says less
 * @param maxStealWait the longest a node's steal is held when there is no work
 * @param maxBatchBytes inline bytes one JobBatch carries at most
 * @param resultTtl how long answers stay cached for retries
 * @param resultCacheSize how many answers are cached at most
 * @param resultCacheBytes how many bytes of answers are cached at most (a list or a read answer can
 *     be large)
 * @param maxRequestsInFlight requests one client connection may have under way at once; more are
 *     answered BUSY
 * @param tick how often leases, deadlines and long polls are checked
 */
public record ServiceSettings(
    String serverId,
    String clusterId,
    String advertisedAddress,
    int maxFrameSize,
    int maxInlineBytes,
    int maxChunkSize,
    int defaultChunkSize,
    long maxFileSize,
    Duration queueTimeout,
    Duration maxStealWait,
    int maxBatchBytes,
    Duration resultTtl,
    int resultCacheSize,
    long resultCacheBytes,
    int maxRequestsInFlight,
    Duration tick) {
  public ServiceSettings {
    Objects.requireNonNull(serverId, "serverId");
    Objects.requireNonNull(clusterId, "clusterId");
    Objects.requireNonNull(advertisedAddress, "advertisedAddress");
    Objects.requireNonNull(queueTimeout, "queueTimeout");
    Objects.requireNonNull(maxStealWait, "maxStealWait");
    Objects.requireNonNull(resultTtl, "resultTtl");
    Objects.requireNonNull(tick, "tick");
    if (maxChunkSize + 1024 > maxFrameSize) {
      throw new IllegalArgumentException(
          "max chunk size "
              + maxChunkSize
              + " does not fit in a frame of "
              + maxFrameSize
              + " bytes with its header");
    }
    if (maxInlineBytes + 4096 > maxFrameSize || maxInlineBytes < 0) {
      throw new IllegalArgumentException(
          "max inline bytes " + maxInlineBytes + " does not fit in a frame of " + maxFrameSize);
    }
    if (defaultChunkSize < UploadSpec.MIN_CHUNK_SIZE || defaultChunkSize > maxChunkSize) {
      throw new IllegalArgumentException(
          "the default chunk size must be between "
              + UploadSpec.MIN_CHUNK_SIZE
              + " and the maximum, "
              + maxChunkSize);
    }
    if (maxBatchBytes <= 0 || maxFileSize <= 0 || resultCacheSize <= 0 || resultCacheBytes <= 0) {
      throw new IllegalArgumentException("batch bytes, file size and cache size must be positive");
    }
    if (maxRequestsInFlight <= 0) {
      throw new IllegalArgumentException(
          "requests in flight per connection must be positive: " + maxRequestsInFlight);
    }
  }

  /** The defaults of a queue server known as {@code serverId}. */
  public static ServiceSettings defaults(String serverId, String clusterId) {
    return new ServiceSettings(
        serverId,
        clusterId,
        serverId,
        16 * 1024 * 1024,
        64 * 1024,
        8 * 1024 * 1024,
        1024 * 1024,
        1L << 40,
        Duration.ofSeconds(10),
        Duration.ofSeconds(30),
        4 * 1024 * 1024,
        Duration.ofMinutes(10),
        100_000,
        64L * 1024 * 1024,
        1024,
        Duration.ofMillis(20));
  }

  /** This configuration for a server known as {@code id} at {@code address}. */
  public ServiceSettings withIdentity(String id, String address) {
    return new ServiceSettings(
        id,
        clusterId,
        address,
        maxFrameSize,
        maxInlineBytes,
        maxChunkSize,
        defaultChunkSize,
        maxFileSize,
        queueTimeout,
        maxStealWait,
        maxBatchBytes,
        resultTtl,
        resultCacheSize,
        resultCacheBytes,
        maxRequestsInFlight,
        tick);
  }

  /** This configuration with another limit of requests in flight per client connection. */
  public ServiceSettings withMaxRequestsInFlight(int max) {
    return new ServiceSettings(
        serverId,
        clusterId,
        advertisedAddress,
        maxFrameSize,
        maxInlineBytes,
        maxChunkSize,
        defaultChunkSize,
        maxFileSize,
        queueTimeout,
        maxStealWait,
        maxBatchBytes,
        resultTtl,
        resultCacheSize,
        resultCacheBytes,
        max,
        tick);
  }
}
