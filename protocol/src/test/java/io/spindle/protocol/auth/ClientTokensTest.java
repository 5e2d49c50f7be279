package io.spindle.protocol.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.protocol.auth.ClientTokens.Right;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tokens file: only hashes, rights per token, read again when it changes. */
class ClientTokensTest {
  @TempDir Path dir;

  @Test
  void aTokenIsKnownByItsHashWithItsRightsAndNothingElseIs() throws IOException {
    String writer = ClientTokens.newToken();
    String reader = ClientTokens.newToken();
    Path file = dir.resolve("tokens");
    Files.writeString(
        file,
        "# comment\n\n"
            + ClientTokens.line(writer, EnumSet.allOf(Right.class), "alice")
            + "\n"
            + ClientTokens.line(reader, EnumSet.of(Right.READ), "bob")
            + "\n");
    assertFalse(Files.readString(file).contains(writer), "the file holds no token");

    ClientTokens tokens = ClientTokens.load(file, null);

    assertEquals("alice", tokens.holder(writer).orElseThrow().name());
    assertTrue(tokens.holder(writer).orElseThrow().may(Right.WRITE));
    assertEquals(Set.of(Right.READ), tokens.holder(reader).orElseThrow().rights());
    assertTrue(tokens.holder("spt_guess").isEmpty());
    assertTrue(tokens.holder("").isEmpty());
    assertTrue(tokens.holder(null).isEmpty());
    assertTrue(tokens.holder(writer + "x").isEmpty());
    assertEquals(
        tokens.holder(reader), tokens.holderOfHash(ClientTokens.hash(reader)), "by its hash too");
    assertTrue(writer.startsWith("spt_") && writer.length() == 47, writer);
  }

  @Test
  void aChangedFileIsReadAgainSoATokenCanBeRevokedWithoutARestart() throws Exception {
    String token = ClientTokens.newToken();
    Path file = dir.resolve("tokens");
    Files.writeString(file, ClientTokens.line(token, EnumSet.of(Right.READ), "carol") + "\n");
    ClientTokens tokens = ClientTokens.load(file, null);
    assertTrue(tokens.holder(token).isPresent());

    Files.writeString(file, "# carol's token revoked\n");
    Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 5_000));
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (tokens.holder(token).isPresent() && System.nanoTime() < deadline) {
      Thread.onSpinWait(); // the file is looked at again at most once a second
    }
    assertTrue(tokens.holder(token).isEmpty(), "revoked");
  }

  @Test
  void aBadLineIsNamedWithWhatItShouldBe() throws IOException {
    Path file = dir.resolve("tokens");
    Files.writeString(file, "not-a-hash read\n", StandardCharsets.UTF_8);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ClientTokens.load(file, null));
    assertTrue(e.getMessage().contains("line 1"), e.getMessage());
    assertTrue(e.getMessage().contains("64 hex digits"), e.getMessage());

    Files.writeString(file, ClientTokens.hash("t") + " admin\n", StandardCharsets.UTF_8);
    e = assertThrows(IllegalArgumentException.class, () -> ClientTokens.load(file, null));
    assertTrue(e.getMessage().contains("the rights are read and write"), e.getMessage());
  }

  @Test
  void nodesProveTheClusterSecretWithADerivedToken() {
    byte[] secret = "the-cluster-secret-0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    ClientTokens tokens = ClientTokens.load(null, secret);
    String nodeToken = ClientTokens.nodeToken(secret);

    assertTrue(tokens.isEmpty(), "no user token");
    assertTrue(tokens.holder(nodeToken).orElseThrow().may(Right.WRITE));
    assertTrue(
        tokens
            .holder(ClientTokens.nodeToken("another-secret".getBytes(StandardCharsets.UTF_8)))
            .isEmpty());
    assertTrue(ClientTokens.load(null, null).holder(nodeToken).isEmpty(), "not without a secret");
  }
}
