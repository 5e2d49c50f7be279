/**
 * The chunk spool: {@link io.spindle.queue.spool.ChunkSpool} keeps chunked uploads on disk (one
 * file per chunk, verified by its SHA-256), tracks the missing chunks, survives a queue-server
 * restart by rescanning its directory, and deletes abandoned uploads. Behind it, package-private:
 * {@link io.spindle.queue.spool.UploadLedger} (the uploads held, the bytes reserved, each client's
 * share and the bounds), {@link io.spindle.queue.spool.SpoolUpload} (one upload), {@link
 * io.spindle.queue.spool.SpoolRecovery} (the scan of the directory on start) and {@link
 * io.spindle.queue.spool.SpoolFiles} (the on-disk layout and its file operations).
 *
 * <p>JDK only; no Netty or protobuf, so the spool is tested with plain files.
 */
package io.spindle.queue.spool;
