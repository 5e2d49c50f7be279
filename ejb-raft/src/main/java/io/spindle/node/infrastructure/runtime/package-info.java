/**
 * The node inside the container: {@link io.spindle.node.infrastructure.runtime.NodeRuntime} reads
 * MicroProfile Config once into a {@link io.spindle.node.infrastructure.runtime.NodeSettings},
 * starts the Netty transport and the {@link io.spindle.raft.server.RaftDriver} on threads of the
 * container's {@code ManagedThreadFactory}, wires the application's services to their ports, and
 * stops it all on undeploy. Its collaborators: {@code InitialMembers} (the configuration a node
 * without Raft state starts with), {@code JoinByDiscovery} (a node that finds its cluster by
 * discovery), {@code NodeFederation} (global ping, route publishing and links to other clusters),
 * {@code NodeStatuses} (the driver's status as the application's {@code NodeStatus}). {@link
 * io.spindle.node.infrastructure.runtime.DatabaseMigration} defines the node's datasource and runs
 * Flyway before it; {@link io.spindle.node.infrastructure.runtime.NodeServices} makes the
 * application's services and its {@code NodeFacade} injectable ({@code RuntimeFacade}).
 *
 * <p>The only package of the node that knows Jakarta EE and MicroProfile Config. The interfaces
 * ({@code web}) depend on the application's interfaces that it produces, never on this package
 * (ArchitectureTest).
 */
package io.spindle.node.infrastructure.runtime;
