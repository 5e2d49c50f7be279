package io.spindle.queue;

import io.spindle.protocol.federation.FederationSecret;
import io.spindle.protocol.tls.ClusterTls;
import io.spindle.queue.jobs.JobQueueSettings;
import io.spindle.queue.service.ServiceSettings;
import io.spindle.queue.spool.SpoolSettings;
import io.spindle.queue.transport.QueuePortSettings;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Everything a {@link QueueServer} needs. The secrets are never printed ({@link #toString()} hides
 * them).
 *
 * @param bind where to listen; port 0 picks a free one
 * @param advertise host:port clients and nodes reach this server at, or empty to derive it from the
 *     bound address
 * @param service identity and request limits; an empty server id means the advertised address
 * @param secret the cluster secret nodes prove
 * @param spoolDir where chunked uploads wait on disk
 * @param ioThreads threads for spool I/O
 * @param eventLoopThreads Netty I/O threads; 0 for Netty's default
 * @param clientTokensFile the clients' tokens (io.spindle.protocol.auth.ClientTokens), or null:
 *     then no client is accepted
 * @param tls the server's certificate and the cluster's CA: every connection is TLS; null for plain
 *     text, which only a loopback {@code bind} may use
 * @param federationSecret the secret of the federation this cluster belongs to (at least {@value
 *     FederationSecret#MIN_BYTES} bytes), which the leaders of the other clusters prove to forward
 *     a ping here; null if it belongs to none (federation connections are refused)
 * @param peers host:port of the other queue servers of this cluster (its configuration; more are
 *     learned from the nodes' reports), named to every client and node in the Welcome
 */
public record QueueServerSettings(
    InetSocketAddress bind,
    String advertise,
    ServiceSettings service,
    JobQueueSettings jobs,
    SpoolSettings spool,
    QueuePortSettings transport,
    byte[] secret,
    Path spoolDir,
    int ioThreads,
    int eventLoopThreads,
    Path clientTokensFile,
    ClusterTls tls,
    byte[] federationSecret,
    List<String> peers) {
  public QueueServerSettings {
    Objects.requireNonNull(bind, "bind");
    Objects.requireNonNull(advertise, "advertise");
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(jobs, "jobs");
    Objects.requireNonNull(spool, "spool");
    Objects.requireNonNull(transport, "transport");
    Objects.requireNonNull(secret, "secret");
    Objects.requireNonNull(spoolDir, "spoolDir");
    secret = secret.clone();
    peers = List.copyOf(Objects.requireNonNull(peers, "peers"));
    if (federationSecret != null) {
      new FederationSecret(federationSecret); // throws, saying why, if it is too short
      federationSecret = federationSecret.clone();
    }
    if (ioThreads <= 0 || eventLoopThreads < 0) {
      throw new IllegalArgumentException("thread counts must be positive");
    }
    if (tls == null && (bind.getAddress() == null || !bind.getAddress().isLoopbackAddress())) {
      throw new IllegalArgumentException(
          "plain text only on a loopback address: listening on "
              + bind.getHostString()
              + " needs TLS (--tls-cert, --tls-key and --tls-ca; bin/spindle up makes them)");
    }
    if (transport.maxFrameSize() != service.maxFrameSize()) {
      throw new IllegalArgumentException(
          "the transport and the service disagree on the frame size");
    }
  }

  /** The defaults: listen on {@code bind}, spool under {@code spoolDir}. */
  public static QueueServerSettings defaults(InetSocketAddress bind, byte[] secret, Path spoolDir) {
    ServiceSettings service = ServiceSettings.defaults("", "spindle");
    return new QueueServerSettings(
        bind,
        "",
        service,
        JobQueueSettings.defaults(),
        SpoolSettings.defaults(),
        QueuePortSettings.defaults(service.maxFrameSize()),
        secret,
        spoolDir,
        4,
        0,
        null,
        null,
        null,
        List.of());
  }

  @Override
  public byte[] secret() {
    return secret.clone();
  }

  /** A copy of the federation secret, or null if this queue server is in no federation. */
  @Override
  public byte[] federationSecret() {
    return federationSecret == null ? null : federationSecret.clone();
  }

  /**
   * In the federation whose secret is {@code s} (at least {@value FederationSecret#MIN_BYTES}
   * bytes), or in none with null.
   */
  public QueueServerSettings withFederationSecret(byte[] s) {
    return new QueueServerSettings(
        bind,
        advertise,
        service,
        jobs,
        spool,
        transport,
        secret,
        spoolDir,
        ioThreads,
        eventLoopThreads,
        clientTokensFile,
        tls,
        s,
        peers);
  }

  public QueueServerSettings withService(ServiceSettings s) {
    return new QueueServerSettings(
        bind,
        advertise,
        s,
        jobs,
        spool,
        transport,
        secret,
        spoolDir,
        ioThreads,
        eventLoopThreads,
        clientTokensFile,
        tls,
        federationSecret,
        peers);
  }

  public QueueServerSettings withJobs(JobQueueSettings j) {
    return new QueueServerSettings(
        bind,
        advertise,
        service,
        j,
        spool,
        transport,
        secret,
        spoolDir,
        ioThreads,
        eventLoopThreads,
        clientTokensFile,
        tls,
        federationSecret,
        peers);
  }

  public QueueServerSettings withSpool(SpoolSettings s) {
    return new QueueServerSettings(
        bind,
        advertise,
        service,
        jobs,
        s,
        transport,
        secret,
        spoolDir,
        ioThreads,
        eventLoopThreads,
        clientTokensFile,
        tls,
        federationSecret,
        peers);
  }

  public QueueServerSettings withTransport(QueuePortSettings t) {
    return new QueueServerSettings(
        bind,
        advertise,
        service,
        jobs,
        spool,
        t,
        secret,
        spoolDir,
        ioThreads,
        eventLoopThreads,
        clientTokensFile,
        tls,
        federationSecret,
        peers);
  }

  /**
   * The file of client tokens (see io.spindle.protocol.auth.ClientTokens); without one, the server
   * accepts no client.
   */
  public QueueServerSettings withClientTokensFile(Path f) {
    return new QueueServerSettings(
        bind,
        advertise,
        service,
        jobs,
        spool,
        transport,
        secret,
        spoolDir,
        ioThreads,
        eventLoopThreads,
        f,
        tls,
        federationSecret,
        peers);
  }

  /** TLS on every connection with {@code t}, or plain text (loopback only) with null. */
  public QueueServerSettings withTls(ClusterTls t) {
    return new QueueServerSettings(
        bind,
        advertise,
        service,
        jobs,
        spool,
        transport,
        secret,
        spoolDir,
        ioThreads,
        eventLoopThreads,
        clientTokensFile,
        t,
        federationSecret,
        peers);
  }

  public QueueServerSettings withAdvertise(String a) {
    return new QueueServerSettings(
        bind,
        a,
        service,
        jobs,
        spool,
        transport,
        secret,
        spoolDir,
        ioThreads,
        eventLoopThreads,
        clientTokensFile,
        tls,
        federationSecret,
        peers);
  }

  /** Names the other queue servers of this cluster (host:port each) in every Welcome. */
  public QueueServerSettings withPeers(List<String> p) {
    return new QueueServerSettings(
        bind,
        advertise,
        service,
        jobs,
        spool,
        transport,
        secret,
        spoolDir,
        ioThreads,
        eventLoopThreads,
        clientTokensFile,
        tls,
        federationSecret,
        p);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof QueueServerSettings c
        && bind.equals(c.bind)
        && advertise.equals(c.advertise)
        && service.equals(c.service)
        && jobs.equals(c.jobs)
        && spool.equals(c.spool)
        && transport.equals(c.transport)
        && java.util.Arrays.equals(secret, c.secret)
        && spoolDir.equals(c.spoolDir)
        && ioThreads == c.ioThreads
        && eventLoopThreads == c.eventLoopThreads
        && java.util.Objects.equals(clientTokensFile, c.clientTokensFile)
        && tls == c.tls
        && java.util.Arrays.equals(federationSecret, c.federationSecret)
        && peers.equals(c.peers);
  }

  @Override
  public int hashCode() {
    return Objects.hash(bind, advertise, service, jobs, spool, transport, spoolDir);
  }

  @Override
  public String toString() {
    return "QueueServerSettings[bind="
        + bind
        + ", advertise="
        + advertise
        + ", "
        + service
        + ", "
        + jobs
        + ", "
        + spool
        + ", "
        + transport
        + ", secret=(hidden), spoolDir="
        + spoolDir
        + ", "
        + (tls == null ? "plain text" : tls)
        + (federationSecret == null ? ", no federation" : ", federationSecret=(hidden)")
        + ", peers="
        + peers
        + "]";
  }
}
