package io.spindle.node.infrastructure.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.node.domain.Sha256;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class UploadDigestsTest {
  private static final byte[] A = "alpha".getBytes(StandardCharsets.UTF_8);
  private static final byte[] B = "beta".getBytes(StandardCharsets.UTF_8);
  private static final byte[] C = "gamma".getBytes(StandardCharsets.UTF_8);

  private static byte[] sha(byte[]... parts) {
    var digest = Sha256.newDigest();
    for (byte[] p : parts) {
      digest.update(p);
    }
    return digest.digest();
  }

  @Test
  void chunksInOrderGiveTheContentsDigestOnce() {
    UploadDigests digests = new UploadDigests();
    digests.put("u", 0, 10, A);
    digests.put("u", 1, 11, B);
    digests.put("u", 2, 12, C);
    assertArrayEquals(sha(A, B, C), digests.take("u", 3).orElseThrow());
    assertTrue(digests.take("u", 3).isEmpty(), "taken once");
  }

  @Test
  void aGapARepeatOrAReplayForgetsTheUpload() {
    UploadDigests digests = new UploadDigests();
    digests.put("gap", 0, 1, A);
    digests.put("gap", 2, 2, C);
    assertTrue(digests.take("gap", 3).isEmpty());

    digests.put("repeat", 0, 3, A);
    digests.put("repeat", 1, 4, B);
    digests.put("repeat", 1, 5, C);
    assertTrue(digests.take("repeat", 2).isEmpty());

    digests.put("replay", 0, 6, A);
    digests.put("replay", 1, 7, B);
    digests.put("replay", 2, 7, C); // the same entry index again: an apply replayed
    assertTrue(digests.take("replay", 3).isEmpty());

    digests.put("first-unseen", 1, 8, B);
    digests.put("first-unseen", 2, 9, C);
    assertTrue(digests.take("first-unseen", 3).isEmpty(), "chunk 0 came before this process");
  }

  @Test
  void chunkZeroAgainStartsOverAndACountOtherThanTheChunksFollowedIsUnknown() {
    UploadDigests digests = new UploadDigests();
    digests.put("u", 0, 1, A);
    digests.put("u", 1, 2, B);
    digests.put("u", 0, 3, C);
    digests.put("u", 1, 4, A);
    assertArrayEquals(sha(C, A), digests.take("u", 2).orElseThrow());

    digests.put("v", 0, 5, A);
    digests.put("v", 1, 6, B);
    assertTrue(digests.take("v", 3).isEmpty());
  }

  @Test
  void onlyTheMostRecentlyPutUploadsAreFollowed() {
    UploadDigests digests = new UploadDigests();
    for (int i = 0; i <= UploadDigests.MAX_UPLOADS; i++) {
      digests.put("u" + i, 0, i + 1, A);
    }
    assertTrue(digests.take("u0", 1).isEmpty(), "the oldest was forgotten");
    assertArrayEquals(sha(A), digests.take("u1", 1).orElseThrow());
    digests.forget("u2");
    assertTrue(digests.take("u2", 1).isEmpty());
    digests.clear();
    assertTrue(digests.take("u3", 1).isEmpty());
  }
}
