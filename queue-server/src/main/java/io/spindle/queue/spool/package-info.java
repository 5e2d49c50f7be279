/**
 * The chunk spool: {@link io.spindle.queue.spool.ChunkSpool} keeps chunked uploads on disk (one
 * file per chunk, verified by its SHA-256), tracks the missing chunks, survives a queue-server
 * restart by rescanning its directory, and deletes abandoned uploads.
 *
 * <p>JDK only; no Netty or protobuf, so the spool is tested with plain files.
 */
package io.spindle.queue.spool;
