package io.spindle.protocol.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS for the cluster's own links (Raft, queue server): TLS 1.3 only, trusting nothing but the
 * cluster's CA. Built from PEM files as {@code openssl} writes them ({@link ClusterCertificates}
 * makes them): the CA certificate, and for a server (or a node, which is both sides) its
 * certificate and unencrypted PKCS#8 key.
 *
 * <p>Who may connect is still decided by the protocols' own handshakes (the cluster secret for
 * nodes, a token for clients); TLS keeps the bytes secret and whole on the way, and makes a client
 * sure it speaks to a holder of a certificate of this cluster's CA. Host names are not checked: a
 * cluster's certificates are interchangeable, as its secret is.
 *
 * <p>Thread-safe and immutable; one per process is enough.
 */
public final class ClusterTls {
  private static final String[] PROTOCOLS = {"TLSv1.3"};
  private static final Pattern PEM =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)\\s*-----END \\1-----");

  private final SSLContext context;
  private final boolean hasKey;
  private final String description;

  private ClusterTls(SSLContext context, boolean hasKey, String description) {
    this.context = context;
    this.hasKey = hasKey;
    this.description = description;
  }

  /**
   * A client's TLS: trusts the CA in {@code caFile}, has no certificate of its own.
   *
   * @throws IOException naming the file that is missing, unreadable or not what it should be
   */
  public static ClusterTls client(Path caFile) throws IOException {
    return load(caFile, null, null);
  }

  /**
   * A server's (and a node's) TLS: trusts the CA in {@code caFile} and shows the certificate in
   * {@code certFile}, whose key is in {@code keyFile}.
   *
   * @throws IOException naming the file that is missing, unreadable or not what it should be
   */
  public static ClusterTls server(Path caFile, Path certFile, Path keyFile) throws IOException {
    Objects.requireNonNull(certFile, "certFile");
    Objects.requireNonNull(keyFile, "keyFile");
    return load(caFile, certFile, keyFile);
  }

  /**
   * A client's TLS that trusts the CA certificates in {@code caPem} (PEM text, as another cluster's
   * route carries it), and has no certificate of its own.
   *
   * @param whose for messages: whose CA it is ("cluster B's CA")
   * @throws IOException if the text holds no certificate that can be read
   */
  public static ClusterTls clientTrusting(String caPem, String whose) throws IOException {
    List<X509Certificate> cas = certificates(caPem, whose);
    try {
      SSLContext context = SSLContext.getInstance("TLSv1.3");
      context.init(null, trustManagers(cas), null);
      return new ClusterTls(context, false, "TLS trusting " + whose);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot set up TLS trusting " + whose + ": " + e.getMessage(), e);
    }
  }

  private static javax.net.ssl.TrustManager[] trustManagers(List<X509Certificate> cas)
      throws GeneralSecurityException, IOException {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    for (int i = 0; i < cas.size(); i++) {
      trust.setCertificateEntry("ca-" + i, cas.get(i));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    return tmf.getTrustManagers();
  }

  private static ClusterTls load(Path caFile, Path certFile, Path keyFile) throws IOException {
    Objects.requireNonNull(caFile, "caFile");
    try {
      List<X509Certificate> cas = certificates(caFile);
      KeyManagerFactory kmf = null;
      if (certFile != null) {
        List<X509Certificate> chain = certificates(certFile);
        PrivateKey key = privateKey(keyFile);
        char[] password = new char[0];
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("key", key, password, chain.toArray(new Certificate[0]));
        kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, password);
      }
      SSLContext context = SSLContext.getInstance("TLSv1.3");
      context.init(kmf == null ? null : kmf.getKeyManagers(), trustManagers(cas), null);
      String what =
          certFile == null
              ? "TLS trusting " + caFile
              : "TLS with " + certFile + " trusting " + caFile;
      return new ClusterTls(context, certFile != null, what);
    } catch (GeneralSecurityException e) {
      throw new IOException(
          "cannot set up TLS from "
              + caFile
              + (certFile == null ? "" : ", " + certFile + " and " + keyFile)
              + ": "
              + e.getMessage()
              + " (make the files with bin/spindle up, or with openssl: see README, TLS)",
          e);
    }
  }

  /** An engine for the accepting side; {@code requireClientCertificate} for node-to-node links. */
  public SSLEngine serverEngine(boolean requireClientCertificate) {
    if (!hasKey) {
      throw new IllegalStateException("a server needs a certificate and key: " + description);
    }
    SSLEngine engine = context.createSSLEngine();
    engine.setUseClientMode(false);
    engine.setEnabledProtocols(PROTOCOLS);
    engine.setNeedClientAuth(requireClientCertificate);
    return engine;
  }

  /** An engine for the dialling side; it shows this side's certificate when it has one. */
  public SSLEngine clientEngine(String host, int port) {
    SSLEngine engine = context.createSSLEngine(host, port);
    engine.setUseClientMode(true);
    engine.setEnabledProtocols(PROTOCOLS);
    return engine;
  }

  /**
   * A TLS socket over {@code plain} (already connected to {@code host:port}), its handshake done.
   * Closing it closes {@code plain}.
   */
  public SSLSocket wrap(java.net.Socket plain, String host, int port) throws IOException {
    SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(plain, host, port, true);
    socket.setUseClientMode(true);
    SSLParameters p = socket.getSSLParameters();
    p.setProtocols(PROTOCOLS);
    socket.setSSLParameters(p);
    socket.startHandshake();
    return socket;
  }

  /**
   * The context itself: for an HTTP client calling members over HTTPS (it trusts the cluster's CA
   * only), or a blocking server socket.
   */
  public SSLContext sslContext() {
    return context;
  }

  @Override
  public String toString() {
    return description;
  }

  // ---- PEM ----

  static List<X509Certificate> certificates(Path file) throws IOException {
    return certificates(read(file), file.toString());
  }

  private static List<X509Certificate> certificates(String text, String file) throws IOException {
    List<X509Certificate> out = new ArrayList<>();
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      for (byte[] der : blocks(text, "CERTIFICATE")) {
        try (InputStream in = new ByteArrayInputStream(der)) {
          out.add((X509Certificate) cf.generateCertificate(in));
        }
      }
    } catch (GeneralSecurityException e) {
      throw new IOException(file + " holds a certificate that cannot be read: " + e.getMessage());
    }
    if (out.isEmpty()) {
      throw new IOException(file + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }
    return out;
  }

  static PrivateKey privateKey(Path file) throws IOException {
    String text = read(file);
    List<byte[]> keys = blocks(text, "PRIVATE KEY");
    if (keys.isEmpty()) {
      throw new IOException(
          file
              + " holds no unencrypted PKCS#8 key (-----BEGIN PRIVATE KEY-----); convert one with"
              + " openssl pkcs8 -topk8 -nocrypt");
    }
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(keys.get(0));
    for (String algorithm : new String[] {"EC", "RSA", "Ed25519", "EdDSA"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (GeneralSecurityException e) {
        // try the next algorithm
      }
    }
    throw new IOException(file + " holds a key of an algorithm other than EC, RSA or Ed25519");
  }

  private static String read(Path file) throws IOException {
    if (!Files.isReadable(file)) {
      throw new IOException(file + " is missing or unreadable");
    }
    return Files.readString(file, StandardCharsets.US_ASCII);
  }

  private static List<byte[]> blocks(String text, String type) throws IOException {
    List<byte[]> out = new ArrayList<>();
    Matcher m = PEM.matcher(text);
    while (m.find()) {
      if (m.group(1).equals(type)) {
        try {
          out.add(Base64.getMimeDecoder().decode(m.group(2)));
        } catch (IllegalArgumentException e) {
          throw new IOException("a PEM " + type + " block is not valid Base64");
        }
      }
    }
    return out;
  }
}
