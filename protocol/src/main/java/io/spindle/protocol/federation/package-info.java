/**
 * The federation's shared secret ({@link io.spindle.protocol.federation.FederationSecret}): it
 * signs the routes clusters publish to Redis (federation.proto) and authenticates a leader that
 * forwards a ping to another cluster's queue server (queue.proto, FederationHello). Depends on the
 * JDK and the generated protocol classes only.
 */
package io.spindle.protocol.federation;
