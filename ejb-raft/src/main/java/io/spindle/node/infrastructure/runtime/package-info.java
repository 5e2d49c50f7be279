/**
 * The node inside the container: {@link io.spindle.node.infrastructure.runtime.NodeRuntime} reads
 * MicroProfile Config once into a {@link io.spindle.node.infrastructure.runtime.NodeConfig}, starts
 * the Netty transport and the {@link io.spindle.raft.server.RaftDriver} on threads of the
 * container's {@code ManagedThreadFactory}, and stops them on undeploy; {@link
 * io.spindle.node.infrastructure.runtime.DatabaseMigration} defines the node's datasource and runs
 * Flyway before it; {@link io.spindle.node.infrastructure.runtime.NodeServices} makes the file
 * service injectable.
 *
 * <p>The only package of the node that knows Jakarta EE and MicroProfile Config. It depends on the
 * {@code raft}, {@code transport} and {@code domain} packages; the interfaces ({@code web}) and the
 * application services depend on {@link io.spindle.node.infrastructure.runtime.NodeRuntime}'s
 * public methods, never on the driver's internals.
 */
package io.spindle.node.infrastructure.runtime;
