package io.spindle.system;

import io.spindle.protocol.auth.ClientTokens;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;

/**
 * The client token of the system tests: one per test JVM, its hash in a tokens file that every
 * queue server and node of the tests reads (issue 13: clients prove who they are).
 */
final class SystemTokens {
  static final String TOKEN = ClientTokens.newToken();

  private static Path file;

  private SystemTokens() {}

  /** The tokens file (written once, private to the user). */
  static synchronized Path file() {
    if (file == null) {
      try {
        Path f = Files.createTempFile("spindle-system-tokens", "");
        f.toFile().deleteOnExit();
        Files.writeString(
            f,
            ClientTokens.line(TOKEN, EnumSet.allOf(ClientTokens.Right.class), "system-test")
                + "\n");
        file = f;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return file;
  }

  /** A request to a node's API with the test token. */
  static HttpRequest.Builder request(URI uri) {
    return HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + TOKEN);
  }
}
