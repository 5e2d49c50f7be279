package io.spindle.node.infrastructure.store;

import static io.spindle.node.infrastructure.store.CommandValidation.MAX_REQUEST_ID_LENGTH;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.spindle.node.domain.Sha256;
import io.spindle.protocol.node.CommandResult;
import jakarta.persistence.EntityManager;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * The applied request ids ({@code AppliedRequestRow}): each one's first result, bound to the
 * fingerprint of its request, so that a retry gets that result again without effect and another
 * request under the same id gets a CONFLICT.
 *
 * <p><b>Threading:</b> stateless; the Raft apply thread, inside the batch's transaction.
 */
final class RequestIdLedger {
  static final byte[] WRITE = "write".getBytes(StandardCharsets.UTF_8);
  static final byte[] DELETE = "delete".getBytes(StandardCharsets.UTF_8);

  /** SHA-256 of the operation, the name and the content's SHA-256, each length-prefixed. */
  static byte[] fingerprint(byte[] operation, byte[] name, byte[] contentSha256) {
    MessageDigest digest = Sha256.newDigest();
    for (byte[] part : new byte[][] {operation, name, contentSha256}) {
      digest.update(ByteBuffer.allocate(4).putInt(part.length).array());
      digest.update(part);
    }
    return digest.digest();
  }

  /**
   * The answer to a request id applied before: its first result if {@code fingerprint} is the one
   * it was bound to (a retry), else a CONFLICT that names what it was used for (another request
   * must not get this one's result: its client would think it done).
   */
  static Optional<byte[]> earlierResult(EntityManager em, String requestId, byte[] fingerprint) {
    if (requestId.isEmpty() || requestId.length() > MAX_REQUEST_ID_LENGTH) {
      return Optional.empty();
    }
    AppliedRequestRow row = em.find(AppliedRequestRow.class, requestId);
    if (row == null) {
      return Optional.empty();
    }
    CommandResult earlier;
    try {
      earlier = CommandResult.parseFrom(row.result());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("stored result of request " + requestId + " is corrupt", e);
    }
    ByteString boundTo = earlier.getRequestFingerprint();
    if (!boundTo.isEmpty() && !boundTo.equals(ByteString.copyFrom(fingerprint))) {
      String what =
          earlier.hasFile()
              ? " (it stored or deleted '"
                  + new String(earlier.getFile().getName().toByteArray(), StandardCharsets.UTF_8)
                  + "')"
              : "";
      return Optional.of(
          CommandResult.newBuilder()
              .setStatus(CommandResult.Status.CONFLICT)
              .setMessage(
                  "the request id (Idempotency-Key) '"
                      + requestId
                      + "' was already used for another request"
                      + what
                      + "; it names one request only: use a new one for this request")
              .build()
              .toByteArray());
    }
    return Optional.of(earlier.toBuilder().setDuplicate(true).build().toByteArray());
  }

  static String earlierUploadId(byte[] result) {
    try {
      return CommandResult.parseFrom(result).getFile().getUploadId();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  static void remember(EntityManager em, String requestId, long index, byte[] result) {
    if (!requestId.isEmpty()) {
      em.persist(new AppliedRequestRow(requestId, index, result));
    }
  }

  private RequestIdLedger() {}
}
