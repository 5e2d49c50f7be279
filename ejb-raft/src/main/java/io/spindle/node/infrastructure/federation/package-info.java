/**
 * The federation: this cluster's route in Redis and pings to other clusters. The leader's {@link
 * io.spindle.node.infrastructure.federation.RoutePublisher} keeps the cluster's route in Redis
 * (fenced by term, signed with the federation secret) through the {@link
 * io.spindle.node.infrastructure.federation.RouteRegistry}; {@link
 * io.spindle.node.infrastructure.federation.GlobalPing} looks another cluster's route up and
 * forwards a ping to its queue servers over {@link
 * io.spindle.node.infrastructure.federation.FederationLinks} (the queue protocol's federation
 * conversation, TLS trusting the CA the route names). Routes are soft state: nothing of the
 * cluster's own work depends on Redis. Depends on {@code protocol} (federation.proto, queue.proto)
 * and Jedis; the queue and runtime packages use it.
 */
package io.spindle.node.infrastructure.federation;
