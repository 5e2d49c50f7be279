package io.spindle.system;

import io.spindle.protocol.tls.ClusterCertificates;
import io.spindle.protocol.tls.ClusterTls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The TLS of the system tests' clusters, as bin/spindle up sets it up: one CA per test JVM (made
 * with openssl in a private temporary directory) and a certificate for each queue server and node
 * that asks. Raft and queue links run over TLS in every system test.
 */
final class SystemTls {
  private static ClusterCertificates certs;

  private SystemTls() {}

  private static synchronized ClusterCertificates certs(String member) {
    try {
      if (certs == null) {
        Path dir = Files.createTempDirectory("spindle-system-tls");
        dir.toFile().deleteOnExit();
        certs = ClusterCertificates.ensure(dir, "system-tests");
      }
      return certs.member(member, List.of());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while making certificates", e);
    }
  }

  /** The CA certificate clients trust. */
  static Path caFile() {
    return certs("queue").caFile();
  }

  /** A node's TLS settings (env). */
  static Map<String, String> nodeEnv(String id) {
    ClusterCertificates c = certs(id);
    return Map.of(
        "SPINDLE_TLS_CA_FILE",
        c.caFile().toString(),
        "SPINDLE_TLS_CERT_FILE",
        c.certFile(id).toString(),
        "SPINDLE_TLS_KEY_FILE",
        c.keyFile(id).toString());
  }

  /** A queue server's TLS options. */
  static List<String> queueServerArgs() {
    ClusterCertificates c = certs("queue");
    return List.of(
        "--tls-cert",
        c.certFile("queue").toString(),
        "--tls-key",
        c.keyFile("queue").toString(),
        "--tls-ca",
        c.caFile().toString());
  }

  /**
   * A Java system-properties file naming a PKCS#12 keystore of {@code id}'s certificate and key
   * (made with openssl, as bin/spindle makes it), for Payara Micro's HTTPS listener.
   */
  static synchronized Path httpsProperties(String id) throws IOException {
    ClusterCertificates c = certs(id);
    Path dir = c.directory();
    Path keystore = dir.resolve(id + ".p12");
    String password = "pw-" + Long.toHexString(new java.security.SecureRandom().nextLong());
    Path passwordFile = dir.resolve(id + ".p12.pass");
    Files.writeString(passwordFile, password);
    Files.deleteIfExists(keystore);
    Process p =
        new ProcessBuilder(
                "openssl",
                "pkcs12",
                "-export",
                "-in",
                c.certFile(id).toString(),
                "-inkey",
                c.keyFile(id).toString(),
                "-certfile",
                c.caFile().toString(),
                "-name",
                "spindle",
                "-passout",
                "file:" + passwordFile,
                "-out",
                keystore.toString())
            .redirectErrorStream(true)
            .start();
    try {
      String output = new String(p.getInputStream().readAllBytes());
      if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IOException("openssl pkcs12 failed: " + output);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    Path props = dir.resolve(id + ".https.properties");
    Files.writeString(
        props,
        "javax.net.ssl.keyStore="
            + keystore
            + "\njavax.net.ssl.keyStorePassword="
            + password
            + "\njavax.net.ssl.keyStoreType=PKCS12\n");
    return props;
  }

  /** An HTTP client that trusts the cluster's CA (for nodes on HTTPS). */
  static java.net.http.HttpClient httpClient() {
    return java.net.http.HttpClient.newBuilder()
        .version(java.net.http.HttpClient.Version.HTTP_1_1)
        .connectTimeout(java.time.Duration.ofSeconds(5))
        .sslContext(client().sslContext())
        .build();
  }

  /** TLS for a test's own client connection. */
  static ClusterTls client() {
    try {
      return ClusterTls.client(caFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
