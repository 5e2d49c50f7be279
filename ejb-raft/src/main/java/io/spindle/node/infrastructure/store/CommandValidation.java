package io.spindle.node.infrastructure.store;

import io.spindle.node.domain.FileName;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The checks of a command's input that need no database: its upload id, request id and file name.
 * Each returns why the input is rejected, or null when it is fine.
 *
 * <p><b>Threading:</b> stateless; any thread (the Raft apply thread uses it).
 */
final class CommandValidation {
  static final int MAX_UPLOAD_ID_LENGTH = 64;
  static final int MAX_REQUEST_ID_LENGTH = 128;

  /** Upload ids of files stored in one entry: this prefix and the entry's log index. */
  static final String ENTRY_UPLOAD_PREFIX = "@";

  static String uploadIdProblem(String uploadId) {
    if (uploadId.isEmpty() || uploadId.length() > MAX_UPLOAD_ID_LENGTH) {
      return "an upload id has 1 to " + MAX_UPLOAD_ID_LENGTH + " characters";
    }
    if (uploadId.startsWith(ENTRY_UPLOAD_PREFIX)) {
      return "upload ids beginning with " + ENTRY_UPLOAD_PREFIX + " are the store's own";
    }
    return null;
  }

  static String requestIdProblem(String requestId) {
    if (requestId.length() > MAX_REQUEST_ID_LENGTH) {
      return "a request id has at most " + MAX_REQUEST_ID_LENGTH + " characters";
    }
    return null;
  }

  static String nameProblem(byte[] name) {
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(name))
              .toString();
    } catch (CharacterCodingException e) {
      return "a file name must be valid UTF-8";
    }
    return FileName.problem(text);
  }

  private CommandValidation() {}
}
