package io.spindle.protocol.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The node handshake's proofs, against values computed independently (Python's hmac) from the
 * transcript as queue.proto describes it: any implementation of the node side can check itself
 * against these.
 */
class QueueProtocolTest {
  private static final byte[] SECRET = "secret-0123456789".getBytes(StandardCharsets.UTF_8);
  private static final byte[] NODE_NONCE = new byte[32];
  private static final byte[] SERVER_NONCE = new byte[32];

  static {
    for (int i = 0; i < 32; i++) {
      NODE_NONCE[i] = (byte) i;
      SERVER_NONCE[i] = (byte) (32 + i);
    }
  }

  private static byte[] transcript(String role) {
    return QueueProtocol.transcript(role, 1, "c1", "n1", "10.0.0.1:4000", NODE_NONCE, SERVER_NONCE);
  }

  @Test
  void proofsMatchTheKnownAnswers() {
    assertEquals(
        "1c630544b80ff38a0402754ca1092a1d51d88c2eb59edff5054a7219a01cc888",
        HexFormat.of().formatHex(QueueProtocol.prove(SECRET, transcript(QueueProtocol.SERVER))));
    assertEquals(
        "9d6ba05ae92994da8a2ef35da18d71a166fd07154e27939523c2487906623a52",
        HexFormat.of().formatHex(QueueProtocol.prove(SECRET, transcript(QueueProtocol.NODE))));
  }

  @Test
  void aProofVerifiesOnlyForItsOwnRoleAndSecret() {
    byte[] proof = QueueProtocol.prove(SECRET, transcript(QueueProtocol.NODE));
    assertTrue(QueueProtocol.verify(SECRET, transcript(QueueProtocol.NODE), proof));
    assertFalse(QueueProtocol.verify(SECRET, transcript(QueueProtocol.SERVER), proof));
    assertFalse(
        QueueProtocol.verify(
            "another".getBytes(StandardCharsets.UTF_8), transcript(QueueProtocol.NODE), proof));
  }
}
