/**
 * TLS for the cluster's links: {@link io.spindle.protocol.tls.ClusterTls} (TLS 1.3 contexts from
 * PEM files, trusting the cluster's CA only) and {@link
 * io.spindle.protocol.tls.ClusterCertificates} (the CA and members' certificates, made with
 * openssl). Depends on the JDK only.
 */
package io.spindle.protocol.tls;
