package io.spindle.protocol.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Makes a cluster's CA and certificates with {@code openssl} (EC P-256 keys): {@code ca.pem} and
 * {@code ca-key.pem}, then for each member NAME {@code NAME.pem} and {@code NAME-key.pem}, valid
 * for 127.0.0.1 and localhost and whatever further host names and addresses are given. Keys are
 * written readable by their owner only, into a directory that is too. Existing files are kept, so
 * running it again only adds what is missing.
 *
 * <p>{@code bin/spindle up} runs it as {@code java -cp CLI_JAR
 * io.spindle.protocol.tls.ClusterCertificates DIR CLUSTER NAME...}; tests call {@link #ensure}.
 */
public final class ClusterCertificates {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
  private static final long OPENSSL_TIMEOUT_SECONDS = 60;

  private final Path dir;

  private ClusterCertificates(Path dir) {
    this.dir = dir;
  }

  /** {@code DIR CLUSTER NAME...}: makes the CA of CLUSTER in DIR if missing, and NAME's files. */
  public static void main(String[] args) throws IOException, InterruptedException {
    if (args.length < 2) {
      System.err.println("usage: ClusterCertificates DIR CLUSTER [NAME[=HOST,...]]...");
      System.exit(64);
    }
    ClusterCertificates certs = ensure(Path.of(args[0]), args[1]);
    for (int i = 2; i < args.length; i++) {
      String[] parts = args[i].split("=", 2);
      List<String> hosts = parts.length > 1 ? List.of(parts[1].split(",")) : List.of();
      certs.member(parts[0], hosts);
    }
  }

  /** The certificates in {@code dir}, whose CA (for {@code cluster}) is made if it is missing. */
  public static ClusterCertificates ensure(Path dir, String cluster)
      throws IOException, InterruptedException {
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir);
    }
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    ClusterCertificates c = new ClusterCertificates(dir);
    if (!Files.exists(c.caFile()) || !Files.exists(dir.resolve("ca-key.pem"))) {
      c.openssl(
          "req",
          "-x509",
          "-new",
          "-newkey",
          "ec",
          "-pkeyopt",
          "ec_paramgen_curve:P-256",
          "-nodes",
          "-keyout",
          dir.resolve("ca-key.pem").toString(),
          "-out",
          c.caFile().toString(),
          "-days",
          "3650",
          "-subj",
          "/O=spindle/CN=" + printable(cluster) + " cluster CA",
          "-addext",
          "basicConstraints=critical,CA:TRUE",
          "-addext",
          "keyUsage=critical,keyCertSign,cRLSign");
      privateFile(dir.resolve("ca-key.pem"));
    }
    return c;
  }

  public Path directory() {
    return dir;
  }

  /** The CA certificate: what clients trust (curl --cacert, spindle --ca-file). */
  public Path caFile() {
    return dir.resolve("ca.pem");
  }

  public Path certFile(String name) {
    return dir.resolve(name + ".pem");
  }

  public Path keyFile(String name) {
    return dir.resolve(name + "-key.pem");
  }

  /**
   * Makes {@code name}'s certificate and key if missing, valid for 127.0.0.1, localhost and {@code
   * hosts} (names or IP addresses), for both sides of a connection; returns this.
   */
  public ClusterCertificates member(String name, List<String> hosts)
      throws IOException, InterruptedException {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "a certificate name is 1 to 63 letters, digits, '.', '_' or '-': " + name);
    }
    if (Files.exists(certFile(name)) && Files.exists(keyFile(name))) {
      return this;
    }
    List<String> sans = new ArrayList<>(List.of("IP:127.0.0.1", "DNS:localhost"));
    for (String h : hosts) {
      String host = h.strip();
      if (host.isEmpty()) {
        continue;
      }
      if (!host.matches("[A-Za-z0-9.:-]+")) {
        throw new IllegalArgumentException("not a host name or address: " + host);
      }
      sans.add((host.matches("[0-9.]+") || host.contains(":") ? "IP:" : "DNS:") + host);
    }
    Path request = dir.resolve(name + ".csr");
    Path extensions = dir.resolve(name + ".ext");
    Files.writeString(
        extensions,
        "subjectAltName="
            + String.join(",", sans)
            + "\n"
            + "basicConstraints=critical,CA:FALSE\n"
            + "keyUsage=critical,digitalSignature\n"
            + "extendedKeyUsage=serverAuth,clientAuth\n",
        StandardCharsets.US_ASCII);
    try {
      openssl(
          "req",
          "-new",
          "-newkey",
          "ec",
          "-pkeyopt",
          "ec_paramgen_curve:P-256",
          "-nodes",
          "-keyout",
          keyFile(name).toString(),
          "-out",
          request.toString(),
          "-subj",
          "/O=spindle/CN=" + name);
      privateFile(keyFile(name));
      openssl(
          "x509",
          "-req",
          "-in",
          request.toString(),
          "-CA",
          caFile().toString(),
          "-CAkey",
          dir.resolve("ca-key.pem").toString(),
          "-CAcreateserial",
          "-days",
          "825",
          "-extfile",
          extensions.toString(),
          "-out",
          certFile(name).toString());
    } finally {
      Files.deleteIfExists(request);
      Files.deleteIfExists(extensions);
    }
    return this;
  }

  private void openssl(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add("openssl");
    command.addAll(List.of(args));
    Path log = Files.createTempFile(dir, "openssl", ".log");
    try {
      Process p =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      if (!p.waitFor(OPENSSL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("openssl " + args[0] + " did not finish in 60 s");
      }
      if (p.exitValue() != 0) {
        throw new IOException(
            "openssl "
                + args[0]
                + " failed ("
                + p.exitValue()
                + "): "
                + Files.readString(log, StandardCharsets.UTF_8).strip());
      }
    } catch (IOException e) {
      if (e.getMessage() != null && e.getMessage().contains("Cannot run program")) {
        throw new IOException(
            "openssl is not installed; install it (apt-get install openssl) to make the cluster's"
                + " certificates",
            e);
      }
      throw e;
    } finally {
      Files.deleteIfExists(log);
    }
  }

  private static void privateFile(Path file) throws IOException {
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
  }

  private static String printable(String text) {
    return text.replaceAll("[^A-Za-z0-9 ._-]", "_");
  }
}
