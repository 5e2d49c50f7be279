package io.spindle.protocol.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cluster's certificates made with openssl, and TLS 1.3 links that trust its CA only. */
class ClusterTlsTest {
  @TempDir Path dir;

  /** Serves one connection: reads a line's bytes and echoes them; returns what it read. */
  private static CompletableFuture<byte[]> echoOnce(SSLServerSocket server) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (Socket s = server.accept()) {
            s.setSoTimeout(10_000);
            byte[] got = s.getInputStream().readNBytes(5);
            s.getOutputStream().write(got);
            s.getOutputStream().flush();
            return got;
          } catch (IOException e) {
            return null;
          }
        });
  }

  private static SSLServerSocket listen(ClusterTls tls) throws IOException {
    SSLServerSocket server =
        (SSLServerSocket)
            tls.sslContext()
                .getServerSocketFactory()
                .createServerSocket(0, 5, InetAddress.getLoopbackAddress());
    server.setEnabledProtocols(new String[] {"TLSv1.3"});
    server.setSoTimeout(10_000);
    return server;
  }

  private static SSLSocket dial(ClusterTls tls, SSLServerSocket server) throws IOException {
    Socket plain = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
    plain.setSoTimeout(10_000);
    return tls.wrap(plain, "127.0.0.1", server.getLocalPort());
  }

  @Test
  void aClientTrustingTheClusterCaTalksToAMember() throws Exception {
    ClusterCertificates certs =
        ClusterCertificates.ensure(dir.resolve("tls"), "c1").member("queue", List.of());
    ClusterTls server =
        ClusterTls.server(certs.caFile(), certs.certFile("queue"), certs.keyFile("queue"));
    ClusterTls client = ClusterTls.client(certs.caFile());
    try (SSLServerSocket listening = listen(server)) {
      CompletableFuture<byte[]> served = echoOnce(listening);
      try (SSLSocket s = dial(client, listening)) {
        assertEquals("TLSv1.3", s.getSession().getProtocol());
        s.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        assertArrayEquals(
            "hello".getBytes(StandardCharsets.US_ASCII), s.getInputStream().readNBytes(5));
      }
      assertArrayEquals(
          "hello".getBytes(StandardCharsets.US_ASCII), served.get(10, TimeUnit.SECONDS));
    }
  }

  @Test
  void aServerOfAnotherCaIsNotTrusted() throws Exception {
    ClusterCertificates ours = ClusterCertificates.ensure(dir.resolve("ours"), "c1");
    ClusterCertificates theirs =
        ClusterCertificates.ensure(dir.resolve("theirs"), "c1").member("queue", List.of());
    ClusterTls impostor =
        ClusterTls.server(theirs.caFile(), theirs.certFile("queue"), theirs.keyFile("queue"));
    ClusterTls client = ClusterTls.client(ours.caFile());
    try (SSLServerSocket listening = listen(impostor)) {
      echoOnce(listening);
      assertThrows(SSLException.class, () -> dial(client, listening).close());
    }
  }

  @Test
  void keysArePrivateAndRunningAgainKeepsWhatIsThere() throws Exception {
    ClusterCertificates certs =
        ClusterCertificates.ensure(dir.resolve("tls"), "c1").member("n1", List.of("10.0.0.7"));
    byte[] ca = Files.readAllBytes(certs.caFile());
    byte[] cert = Files.readAllBytes(certs.certFile("n1"));
    assertEquals(
        "rw-------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(certs.keyFile("n1"))));
    assertEquals(
        "rwx------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(certs.directory())));

    ClusterCertificates again =
        ClusterCertificates.ensure(dir.resolve("tls"), "c1").member("n1", List.of());
    assertArrayEquals(ca, Files.readAllBytes(again.caFile()));
    assertArrayEquals(cert, Files.readAllBytes(again.certFile("n1")));
    String subjectAlt =
        ClusterTls.certificates(certs.certFile("n1"))
            .get(0)
            .getSubjectAlternativeNames()
            .toString();
    assertTrue(subjectAlt.contains("10.0.0.7"), subjectAlt);
    assertTrue(subjectAlt.contains("127.0.0.1"), subjectAlt);
  }

  @Test
  void missingOrWrongFilesAreNamed() throws Exception {
    Path missing = dir.resolve("nope.pem");
    IOException e = assertThrows(IOException.class, () -> ClusterTls.client(missing));
    assertTrue(e.getMessage().contains("nope.pem"), e.getMessage());

    Path notPem = dir.resolve("junk.pem");
    Files.writeString(notPem, "not a certificate");
    IOException junk = assertThrows(IOException.class, () -> ClusterTls.client(notPem));
    assertTrue(junk.getMessage().contains("no PEM certificate"), junk.getMessage());

    ClusterCertificates certs =
        ClusterCertificates.ensure(dir.resolve("tls"), "c1").member("n1", List.of());
    IOException noKey =
        assertThrows(
            IOException.class,
            () -> ClusterTls.server(certs.caFile(), certs.certFile("n1"), certs.caFile()));
    assertTrue(noKey.getMessage().contains("PKCS#8"), noKey.getMessage());
    assertThrows(IllegalArgumentException.class, () -> certs.member("../escape", List.of()));
  }
}
